import type { RuntimeEvent } from '../events/types';
import type { Detection, DetectionRule } from '../rules/types';
import { detectionFindingFields, detectionSample } from './fromDetection';

const rule = {
  id: 'shell-in-container',
  title: 'Shell in a container',
  severity: 'high',
  mitre: { id: 'T1059', name: 'Command and Scripting Interpreter' },
  remediation: 'Remove shells from the image.',
  eventTypes: ['process_exec'],
  source: 'builtin',
  match: () => undefined,
} as unknown as DetectionRule;

const ev = {
  id: 'ev1',
  type: 'process_exec',
  time: '2026-01-01T00:00:00.123456789Z',
  timeMs: Date.parse('2026-01-01T00:00:00.123Z'),
  node: 'node-a',
  cluster: 'c1',
  process: {
    binary: '/bin/sh',
    arguments: '-c id',
    uid: 0,
    containerId: 'cid',
    pod: {
      name: 'web-1',
      namespace: 'shop',
      workload: 'web',
      labels: { app: 'web' },
      container: { name: 'app', imageName: 'nginx' },
    },
  },
} as unknown as RuntimeEvent;

describe('detectionFindingFields', () => {
  it("takes the rule's fields and the detection's severity, observed by default", () => {
    const d: Detection = { rule, severity: 'critical' };
    expect(detectionFindingFields(d)).toEqual({
      rule: 'shell-in-container',
      title: 'Shell in a container',
      severity: 'critical',
      mitre: rule.mitre,
      remediation: 'Remove shells from the image.',
      outcome: 'observed',
    });
    expect(
      detectionFindingFields({
        rule: { ...rule, outcome: 'blocked' },
        severity: 'low',
      }).outcome,
    ).toBe('blocked');
  });
});

describe('detectionSample', () => {
  it('keeps the event, the detail and the ancestry', () => {
    const ancestry = [{ binary: '/bin/bash' }] as any;
    expect(
      detectionSample(ev, { rule, severity: 'high', detail: 'why' }, ancestry),
    ).toEqual({
      eventId: 'ev1',
      type: 'process_exec',
      time: '2026-01-01T00:00:00.123456789Z',
      node: 'node-a',
      pod: 'web-1',
      container: 'app',
      image: 'nginx',
      binary: '/bin/sh',
      arguments: '-c id',
      uid: 0,
      function: undefined,
      policy: undefined,
      action: undefined,
      detail: 'why',
      ancestry,
    });
  });

  it('falls back to the container id and empty binary without a pod or process', () => {
    const bare = { ...ev, process: { containerId: 'cid' } } as RuntimeEvent;
    const s = detectionSample(bare, { rule, severity: 'high' }, []);
    expect(s.container).toBe('cid');
    expect(s.binary).toBe('');
    expect(s.arguments).toBe('');
  });
});

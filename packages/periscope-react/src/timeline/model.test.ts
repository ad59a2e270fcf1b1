import {
  buildEntityTimeline,
  TimelineDeployInput,
  TimelineHealthFinding,
  TimelineSecurityInput,
} from './model';

const healthFinding = (
  over: Partial<TimelineHealthFinding>,
): TimelineHealthFinding => ({
  id: 'h1',
  cluster: 'local',
  analyzer: 'Pod',
  object: { kind: 'Pod', namespace: 'shop', name: 'checkout-1' },
  severity: 'high',
  failures: [{ text: 'Back-off restarting failed container' }],
  firstSeen: '2026-11-20T10:30:00.000Z',
  ...over,
});

const security: TimelineSecurityInput = {
  findings: [
    {
      id: 's1',
      title: 'Shell started in a container',
      severity: 'critical',
      cluster: 'local',
      namespace: 'shop',
      workload: 'checkout',
      binary: '/bin/bash',
      count: 3,
      firstSeen: '2026-11-20T10:10:00.000Z',
      triage: { state: 'acknowledged' },
    },
  ],
};

const deploys: TimelineDeployInput = {
  revisions: [
    {
      cluster: 'local',
      revision: 1,
      appliedAt: '2026-11-19T08:00:00.000Z',
      action: 'apply',
      module: { name: 'minimal', version: '0.1.0' },
      actor: 'user:default/ann',
    },
    {
      cluster: 'local',
      revision: 2,
      appliedAt: '2026-11-20T10:00:00.000Z',
      action: 'apply',
      module: { url: './modules/minimal' },
    },
    {
      cluster: 'other',
      revision: 7,
      appliedAt: '2026-11-20T10:05:00.000Z',
      action: 'rollback',
      module: { name: 'minimal' },
    },
  ],
  audit: [
    {
      at: '2026-11-20T09:00:00.000Z',
      actor: 'user:default/bob',
      cluster: 'local',
      action: 'deploy',
      result: 'failure',
      message: 'values: replicas must be >= 1',
    },
    {
      at: '2026-11-20T10:00:00.000Z',
      actor: 'user:default/ann',
      cluster: 'local',
      action: 'deploy',
      revision: 2,
      result: 'success',
    },
    {
      at: '2026-11-21T10:00:00.000Z',
      actor: 'user:default/ann',
      cluster: 'local',
      action: 'delete',
      result: 'success',
    },
  ],
};

describe('buildEntityTimeline', () => {
  it('merges the three sources newest first', () => {
    const events = buildEntityTimeline({
      health: {
        groups: [{ findings: [healthFinding({})] }],
        resolved: [
          healthFinding({
            id: 'h2',
            firstSeen: '2026-11-18T00:00:00.000Z',
            resolvedAt: '2026-11-19T09:00:00.000Z',
          }),
        ],
      },
      security,
      deploys,
    });
    expect(events.map(e => `${e.at} ${e.source} ${e.type}`)).toEqual([
      '2026-11-21T10:00:00.000Z deploy deleted',
      '2026-11-20T10:30:00.000Z health finding-opened',
      '2026-11-20T10:10:00.000Z security finding-opened',
      '2026-11-20T10:05:00.000Z deploy rolled-back',
      '2026-11-20T10:00:00.000Z deploy deployed',
      '2026-11-20T09:00:00.000Z deploy deploy-failed',
      '2026-11-19T09:00:00.000Z health finding-resolved',
      '2026-11-19T08:00:00.000Z deploy deployed',
      '2026-11-18T00:00:00.000Z health finding-opened',
    ]);
  });

  it('links a finding to the latest deploy of the same cluster within the window', () => {
    const events = buildEntityTimeline({
      health: { groups: [{ findings: [healthFinding({})] }], resolved: [] },
      security,
      deploys,
    });
    const shell = events.find(e => e.id === 'security:s1:opened')!;
    // the rollback in cluster "other" at 10:05 is closer but in another cluster
    expect(shell.afterDeploy).toEqual({
      eventId: 'deploy:local:2',
      minutes: 10,
      label: 'Deployed revision 2 (./modules/minimal)',
    });
    expect(shell.detail).toBe('/bin/bash (3 events, acknowledged)');
    expect(
      events.find(e => e.id === 'health:h1:opened')!.afterDeploy?.minutes,
    ).toBe(30);
  });

  it('links nothing outside the window, and a failed deploy is never a cause', () => {
    const events = buildEntityTimeline({
      health: {
        groups: [
          {
            findings: [
              healthFinding({ firstSeen: '2026-11-20T09:10:00.000Z' }),
            ],
          },
        ],
        resolved: [],
      },
      deploys,
      windowMinutes: 15,
    });
    expect(
      events.find(e => e.id === 'health:h1:opened')!.afterDeploy,
    ).toBeUndefined();
    const late = buildEntityTimeline({
      health: {
        groups: [
          {
            findings: [
              healthFinding({ firstSeen: '2026-11-20T11:30:00.000Z' }),
            ],
          },
        ],
        resolved: [],
      },
      deploys,
    });
    expect(
      late.find(e => e.id === 'health:h1:opened')!.afterDeploy,
    ).toBeUndefined();
  });

  it('keeps a finding listed both open and resolved once, and drops events with an unreadable time', () => {
    const dup = healthFinding({});
    const events = buildEntityTimeline({
      health: {
        groups: [
          {
            findings: [
              dup,
              healthFinding({ id: 'bad', firstSeen: 'not a time' }),
            ],
          },
        ],
        resolved: [dup],
      },
    });
    expect(events.map(e => e.id)).toEqual(['health:h1:opened']);
  });

  it('gives an empty timeline for no sources', () => {
    expect(buildEntityTimeline({})).toEqual([]);
  });
});

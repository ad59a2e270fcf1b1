import { createSecurityAnalyzer, type SecurityAnalysis } from './analyzer';
import { FindingAggregator } from './findings/aggregator';
import { parseEventLine } from './events/parser';
import { createDetectionEngine } from './rules/engine';
import { validateCustomRules } from './rules/custom';
import {
  corpusEventFiles,
  corpusLine,
  corpusLines,
} from './__testUtils__/corpus';

function allCorpusLines(): string[] {
  return corpusEventFiles().flatMap(f => corpusLines(f));
}

function analyze(lines: string[]): SecurityAnalysis {
  const a = createSecurityAnalyzer();
  for (const l of lines) a.pushLine(l);
  return a.result();
}

/** Findings without volatile parts, to compare runs. */
function shape(r: SecurityAnalysis) {
  return r.findings
    .map(
      f =>
        `${f.rule}|${f.namespace}|${f.workload}|${f.binary}|${f.severity}|${f.count}|${f.firstSeen}|${f.lastSeen}|${f.sample.eventId}`,
    )
    .sort();
}

describe('createSecurityAnalyzer over the whole corpus', () => {
  const result = analyze(allCorpusLines());

  it('reports the privileged-pod nsenter and the attack chain at high or critical', () => {
    const byRule = (rule: string, binary: string) =>
      result.findings.find(f => f.rule === rule && f.binary === binary);
    expect(byRule('host-namespace-entry', '/usr/bin/nsenter')).toMatchObject({
      severity: 'critical',
      namespace: 'default',
      workload: 'privileged-pod',
      pod: 'privileged-pod',
    });
    expect(
      byRule('exec-from-temp-dir', '/tmp/go-build3518135900/b001/exe/main')
        ?.severity,
    ).toBe('high');
    expect(byRule('egress-outside-cluster', '/usr/bin/scp')?.severity).toBe(
      'high',
    );
    expect(byRule('ssh-key-access', '/usr/bin/ssh')?.severity).toBe('high');
    expect(result.findings[0].severity).toBe('critical');
  });

  it('aggregates by rule + namespace + workload + binary with first/last seen and ancestry', () => {
    const f = result.findings.find(
      x => x.rule === 'kernel-module-load' && x.binary === '/usr/sbin/insmod',
    )!;
    expect(f.count).toBe(2);
    expect(f.firstSeen).toBe('2023-08-30T11:01:22.847554295Z');
    expect(f.lastSeen).toBe('2023-08-30T11:01:22.847638990Z');
    expect(f.severity).toBe('critical');
    expect(f.sample.ancestry.map(a => a.binary)).toEqual([
      '/usr/bin/sudo',
      '/usr/sbin/insmod',
    ]);
    const nsenter = result.findings.find(
      x => x.rule === 'host-namespace-entry' && x.binary === '/usr/bin/bash',
    )!;
    expect(nsenter.sample.ancestry.map(a => a.binary)).toEqual([
      '/usr/bin/nsenter',
      '/usr/bin/bash',
    ]);
  });

  it('counts events by type and skips by reason', () => {
    expect(result.events.parsed).toBe(54);
    expect(result.events.skipped.legacy_type).toBe(11);
    expect(result.events.duplicateDetections).toBe(0);
  });

  it('is idempotent: replaying the stream does not double-count', () => {
    const a = createSecurityAnalyzer();
    const lines = allCorpusLines();
    for (const l of lines) a.pushLine(l);
    for (const l of lines) a.pushLine(l);
    const replayed = a.result();
    expect(shape(replayed)).toEqual(shape(result));
    expect(replayed.events.duplicateDetections).toBeGreaterThan(0);
  });

  it('does not depend on arrival order (two replicas, different order, same findings)', () => {
    const reversed = analyze(allCorpusLines().reverse());
    expect(shape(reversed)).toEqual(shape(result));
  });

  it('runs custom rules next to the built-in ones', () => {
    const a = createSecurityAnalyzer({
      customRules: validateCustomRules([
        {
          id: 'any-curl',
          title: 'curl anywhere',
          severity: 'info',
          match: { binary: '*/curl' },
        },
      ]),
    });
    for (const l of allCorpusLines()) a.pushLine(l);
    const curl = a.result().findings.filter(f => f.rule === 'any-curl');
    expect(curl.map(f => f.workload).sort()).toEqual([
      'elasticsearch',
      'xwing',
    ]);
    expect(curl[0].source).toBe('custom');
  });
});

describe('FindingAggregator limits', () => {
  const engine = createDetectionEngine();
  const parse = (line: string) => {
    const r = parseEventLine(line);
    if (!r.ok) throw new Error(r.detail);
    return r.event;
  };

  it('forgets the oldest seen ids beyond maxSeenEvents, and caps findings', () => {
    const ev = parse(corpusLine('process_exec.jsonl', 8)); // bash via nsenter: two rules
    const ds = engine.classify(ev);
    expect(ds.length).toBe(2);
    const agg = new FindingAggregator({ maxSeenEvents: 1, maxFindings: 1 });
    expect(agg.add(ev, ds[0], () => [])).toBe(true);
    expect(agg.add(ev, ds[0], () => [])).toBe(false);
    expect(agg.duplicateEvents).toBe(1);
    expect(agg.add(ev, ds[1], () => [])).toBe(false); // another rule: a new finding beyond the cap
    expect(agg.droppedFindings).toBe(1);
    expect(agg.size).toBe(1);
  });
});

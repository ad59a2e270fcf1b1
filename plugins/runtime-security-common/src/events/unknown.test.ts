/**
 * Shapes the parser has not seen: event types it does not parse (Enterprise-only, newer or
 * legacy), fields it does not know, and fields an event lacks. None is an error: unknown types
 * are counted and kept as received, unknown fields are listed and the raw event kept, and the
 * normalized model says which fields were missing.
 */
import { createSecurityAnalyzer } from '../analyzer';
import { corpusLine, corpusLines } from '../__testUtils__/corpus';
import { createEventStreamParser, parseEventLine } from './parser';

describe('event types the parser does not parse', () => {
  it('an Enterprise-only type (process_connect, from the eBPF book Enterprise export) is counted as unknown and kept', () => {
    const line = corpusLine('legacy-process_connect.jsonl', 1);
    const r = parseEventLine(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('legacy_type');
    expect(r.unknown?.type).toBe('process_connect');
    expect(r.unknown?.raw).toEqual(JSON.parse(line));

    const skipped: string[] = [];
    const p = createEventStreamParser({
      onSkip: s => skipped.push(`${s.reason}:${s.unknown?.type}`),
    });
    for (const l of corpusLines('legacy-process_connect.jsonl'))
      expect(p.push(l)).toBeUndefined();
    for (const l of corpusLines('legacy-process_listen.jsonl')) p.push(l);
    expect(p.stats().unknownTypes).toEqual({
      process_connect: 5,
      process_listen: 2,
    });
    expect(p.stats().skipped).toEqual({ legacy_type: 7 });
    expect(skipped[0]).toBe('legacy_type:process_connect');
    const kept = p.unknownEvents();
    expect(kept).toHaveLength(7);
    expect(kept[0]).toMatchObject({
      line: 1,
      type: 'process_connect',
      legacy: true,
    });
    expect(kept[0].raw).toEqual(
      JSON.parse(corpusLine('legacy-process_connect.jsonl', 1)),
    );
  });

  it('a type no version of this parser knows is counted under its key and kept; the stream goes on', () => {
    const future = JSON.stringify({
      process_new_sensor: {
        process: { exec_id: 'eA==', binary: '/x' },
        detail: 1,
      },
      node_name: 'n',
      time: '2025-01-01T00:00:00Z',
    });
    const a = createSecurityAnalyzer({ processCache: {} });
    a.pushLine(future);
    a.pushLine(corpusLine('process_exec.jsonl', 12));
    a.pushLine(future);
    const r = a.result();
    expect(r.events.parsed).toBe(1);
    expect(r.events.skipped).toEqual({ unknown_type: 2 });
    expect(r.events.unknownTypes).toEqual({ process_new_sensor: 2 });
    expect(r.findings.map(f => f.rule)).toContain('host-namespace-entry');
    expect(a.unknownEvents().map(u => [u.line, u.type, u.legacy])).toEqual([
      [1, 'process_new_sensor', false],
      [3, 'process_new_sensor', false],
    ]);
    expect(a.unknownEvents()[0].raw).toEqual(JSON.parse(future));
  });

  it('keeps at most keepUnknownEvents (the latest), and none with 0', () => {
    const p = createEventStreamParser({ keepUnknownEvents: 2 });
    for (let i = 0; i < 10; i++) p.push(`{"process_x${i}":{}}`);
    expect(p.unknownEvents().map(u => u.type)).toEqual([
      'process_x8',
      'process_x9',
    ]);
    expect(Object.keys(p.stats().unknownTypes ?? {})).toHaveLength(10);
    const none = createEventStreamParser({ keepUnknownEvents: 0 });
    none.push('{"process_x":{}}');
    expect(none.unknownEvents()).toEqual([]);
  });

  it('the other types of the API (loader, uprobe, throttle, rate_limit_info) are parsed, not unknown', () => {
    const p = createEventStreamParser();
    const proc = { exec_id: 'eA==', binary: '/usr/bin/app' };
    p.push(
      JSON.stringify({
        process_loader: {
          process: proc,
          path: '/usr/lib/libc.so.6',
          buildid: 'ab',
        },
        time: '2025-01-01T00:00:00Z',
      }),
    );
    p.push(
      JSON.stringify({
        process_uprobe: {
          process: proc,
          path: '/usr/bin/app',
          symbol: 'main',
          policy_name: 'u',
        },
        time: '2025-01-01T00:00:00Z',
      }),
    );
    p.push(corpusLine('process_throttle.jsonl', 1));
    p.push(
      '{"rate_limit_info":{"number_of_dropped_process_events":"3"},"time":"2025-01-01T00:00:00Z"}',
    );
    expect(p.stats().byType).toEqual({
      process_loader: 1,
      process_uprobe: 1,
      process_throttle: 1,
      rate_limit_info: 1,
    });
    expect(p.stats().unknownTypes).toBeUndefined();
  });
});

describe('unknown and missing fields', () => {
  it('lists fields the model does not know and keeps the raw event', () => {
    const raw = {
      process_kprobe: {
        process: {
          exec_id: 'eA==',
          pid: 1,
          binary: '/bin/cat',
          start_time: '2025-01-01T00:00:00Z',
          enterprise_labels: { a: 1 },
          pod: { namespace: 'ns', name: 'p', workload_uid: 'u' },
        },
        parent: { exec_id: 'eQ==', binary: '/bin/sh' },
        function_name: 'security_file_open',
        policy_name: 'files',
        action: 'KPROBE_ACTION_POST',
        args: [{ file_arg: { path: '/etc/shadow' } }],
        kernel_stack_trace: [],
        enterprise_verdict: 'ALLOW',
      },
      node_name: 'n',
      time: '2025-01-01T00:00:00Z',
      enterprise_tenant: 't1',
    };
    const r = parseEventLine(JSON.stringify(raw));
    if (!r.ok) throw new Error(r.detail);
    expect(r.event.unknownFields).toEqual([
      'enterprise_tenant',
      'process_kprobe.enterprise_verdict',
      'process.enterprise_labels',
      'process.pod.workload_uid',
    ]);
    expect(r.event.raw).toEqual(raw);
    expect(r.event.missingFields).toBeUndefined();
    // and the event is still judged
    const a = createSecurityAnalyzer();
    a.pushLine(JSON.stringify(raw));
    expect(a.result().findings.map(f => f.rule)).toEqual([
      'credential-file-access',
    ]);
    expect(a.result().events.unknownFields).toEqual({
      enterprise_tenant: 1,
      'process.enterprise_labels': 1,
      'process.pod.workload_uid': 1,
      'process_kprobe.enterprise_verdict': 1,
    });
  });

  it('records which fields an event lacked; corpus events with every field carry no list and no raw', () => {
    const bare = parseEventLine(
      JSON.stringify({
        process_lsm: {
          process: {
            exec_id: 'eA==',
            binary: '/bin/cat',
            arguments: '/etc/shadow',
          },
          function_name: 'file_open',
        },
      }),
    );
    if (!bare.ok) throw new Error(bare.detail);
    expect(bare.event.missingFields).toEqual([
      'time',
      'node_name',
      'process.pid',
      'process.start_time',
      'parent',
      'args',
      'policy_name',
      'action',
    ]);
    expect(bare.event.raw).toBeUndefined();

    const withArgs = parseEventLine(corpusLine('process_kprobe.jsonl', 1));
    if (!withArgs.ok) throw new Error(withArgs.detail);
    expect(withArgs.event.missingFields).toBeUndefined();
    expect(withArgs.event.unknownFields).toBeUndefined();
    expect(withArgs.event.raw).toBeUndefined();
  });

  it('no corpus event has a field the model does not know', () => {
    const p = createEventStreamParser();
    for (const f of [
      'process_exec.jsonl',
      'process_exit.jsonl',
      'process_kprobe.jsonl',
      'process_throttle.jsonl',
    ]) {
      for (const l of corpusLines(f)) p.push(l);
    }
    expect(p.stats().parsed).toBe(54);
    expect(p.stats().unknownFields).toBeUndefined();
    // older exports lack policy names and parents: counted, not an error
    expect(p.stats().missingFields?.policy_name).toBeGreaterThan(0);
  });
});

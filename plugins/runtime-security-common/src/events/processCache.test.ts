import { parseEventLine } from './parser';
import { ProcessCache } from './processCache';
import type { RuntimeEvent } from './types';
import { corpusLine } from '../__testUtils__/corpus';

function parse(line: string): RuntimeEvent {
  const r = parseEventLine(line);
  if (!r.ok) throw new Error(r.detail);
  return r.event;
}

let clock = Date.UTC(2025, 0, 1);

function exec(
  execId: string,
  parent: string | undefined,
  binary: string,
  at = clock++,
): RuntimeEvent {
  return parse(
    JSON.stringify({
      process_exec: {
        process: {
          exec_id: execId,
          parent_exec_id: parent,
          binary,
          arguments: '',
        },
      },
      node_name: 'n',
      time: new Date(at).toISOString(),
    }),
  );
}

function exit(execId: string, at: number): RuntimeEvent {
  return parse(
    JSON.stringify({
      process_exit: { process: { exec_id: execId, binary: '/x' }, status: 0 },
      node_name: 'n',
      time: new Date(at).toISOString(),
    }),
  );
}

describe('ProcessCache', () => {
  it('gives the ancestry root first from exec events', () => {
    const c = new ProcessCache();
    c.observe(exec('init', undefined, '/sbin/init'));
    c.observe(exec('shim', 'init', '/usr/bin/containerd-shim'));
    c.observe(exec('sh', 'shim', '/bin/sh'));
    const curl = exec('curl', 'sh', '/usr/bin/curl');
    c.observe(curl);
    expect(c.ancestry(curl).map(p => p.binary)).toEqual([
      '/sbin/init',
      '/usr/bin/containerd-shim',
      '/bin/sh',
      '/usr/bin/curl',
    ]);
  });

  it('uses the privileged-pod corpus chain: runc > bash > nsenter > bash', () => {
    const c = new ProcessCache();
    const lines = [10, 12, 8].map(n =>
      parse(corpusLine('process_exec.jsonl', n)),
    );
    lines.forEach(ev => c.observe(ev));
    expect(c.ancestry(lines[2]).map(p => p.binary)).toEqual([
      '/usr/bin/runc',
      '/bin/bash',
      '/usr/bin/nsenter',
      '/usr/bin/bash',
    ]);
  });

  it('falls back to the parent carried by the event and stops at self-parent cycles', () => {
    const c = new ProcessCache();
    // modprobe's parent is <kernel>, whose parent_exec_id is itself.
    const ev = parse(corpusLine('process_exec.jsonl', 2));
    expect(c.ancestry(ev).map(p => p.binary)).toEqual([
      '<kernel>',
      '/sbin/modprobe',
    ]);
    c.observe(ev);
    expect(c.ancestry(ev).map(p => p.binary)).toEqual([
      '<kernel>',
      '/sbin/modprobe',
    ]);
  });

  it('is bounded: evicts the least recently used process', () => {
    const c = new ProcessCache({ maxSize: 3 });
    c.observe(exec('a', undefined, '/a'));
    c.observe(exec('b', 'a', '/b'));
    c.observe(exec('c', 'b', '/c'));
    c.observe(exec('a', undefined, '/a')); // touch a
    c.observe(exec('d', 'c', '/d'));
    expect(c.size).toBe(3);
    expect(c.peek('b')).toBeUndefined();
    expect(c.peek('a')).toBeDefined();
    expect(c.peek('d')).toBeDefined();
  });

  it('removes exited processes after the grace period of event time', () => {
    const c = new ProcessCache({ exitGraceMs: 1000 });
    const t0 = Date.UTC(2025, 1, 1);
    c.observe(exec('p', undefined, '/p', t0));
    const child = exec('k', 'p', '/k', t0 + 1);
    c.observe(child);
    c.observe(exit('p', t0 + 10));
    // Within the grace the parent still resolves for late child events.
    c.observe(exec('other', undefined, '/o', t0 + 900));
    expect(c.ancestry(child).map(p => p.binary)).toEqual(['/p', '/k']);
    c.observe(exec('later', undefined, '/l', t0 + 1011));
    expect(c.peek('p')).toBeUndefined();
    expect(c.peek('k')).toBeDefined();
  });

  it('keeps a process that exec-ed again after its exit was recorded', () => {
    const c = new ProcessCache({ exitGraceMs: 0 });
    const t0 = Date.UTC(2025, 2, 1);
    c.observe(exec('p', undefined, '/p', t0));
    c.observe(exit('p', t0 + 1));
    c.observe(exec('p', undefined, '/p2', t0 + 1));
    c.observe(exec('z', undefined, '/z', t0 + 5));
    expect(c.peek('p')?.binary).toBe('/p2');
  });

  it('bounds pending exits even without event times', () => {
    const c = new ProcessCache({ maxSize: 4, exitGraceMs: 1e12 });
    for (let i = 0; i < 50; i++) {
      c.observe(exec(`e${i}`, undefined, '/e'));
      c.observe(exit(`e${i}`, clock++));
    }
    expect(c.size).toBeLessThanOrEqual(4);
  });
});

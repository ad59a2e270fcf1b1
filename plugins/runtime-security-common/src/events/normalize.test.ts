import { eventId } from './eventId';
import { inferWorkload } from './normalize';
import { parseEventLine } from './parser';
import type { RuntimeEvent } from './types';
import { corpusLine } from '../__testUtils__/corpus';

function parse(line: string): RuntimeEvent {
  const r = parseEventLine(line);
  if (!r.ok)
    throw new Error(
      `expected ${line.slice(0, 80)} to parse: ${r.reason} ${r.detail}`,
    );
  return r.event;
}

describe('normalized model from corpus events', () => {
  it('process_exec: pod, container, image, labels, workload, parent, time', () => {
    const ev = parse(corpusLine('process_exec.jsonl', 1));
    expect(ev).toMatchObject({
      type: 'process_exec',
      node: 'gke-john-632-default-pool-7041cac0-9s95',
      time: '2023-10-06T22:03:57.700326678Z',
      process: {
        binary: '/usr/bin/curl',
        arguments: 'https://ebpf.io/applications/#tetragon',
        uid: 0,
        pid: 52699,
        containerId: '551e161c47d8ff0eb665438a7bcd5b4',
        pod: {
          namespace: 'default',
          name: 'xwing',
          workload: 'xwing',
          workloadInferred: false,
          labels: {
            'app.kubernetes.io/name': 'xwing',
            class: 'xwing',
            org: 'alliance',
          },
          container: {
            name: 'spaceship',
            imageName: 'docker.io/tgraf/netperf:latest',
          },
        },
      },
      parent: {
        binary: '/bin/bash',
        arguments: '-c "curl https://ebpf.io/applications/#tetragon"',
      },
    });
    expect(ev.timeMs).toBe(Date.UTC(2023, 9, 6, 22, 3, 57, 700));
    expect(ev.process!.parentExecId).toBe(ev.parent!.execId);
  });

  it('process_kprobe: function, policy, action, args, return, file paths, workload kind', () => {
    const ev = parse(corpusLine('process_kprobe.jsonl', 1));
    expect(ev.probe).toMatchObject({
      function: 'security_file_permission',
      policy: 'file-monitoring',
      action: 'KPROBE_ACTION_POST',
      returnAction: 'KPROBE_ACTION_POST',
      returnValue: { kind: 'int_arg', value: 0 },
      paths: ['/etc/passwd'],
      remoteAddresses: [],
    });
    expect(ev.probe!.args).toEqual([
      {
        kind: 'file_arg',
        value: { path: '/etc/passwd', permission: '-rw-r--r--' },
        label: undefined,
      },
      { kind: 'int_arg', value: 2, label: undefined },
    ]);
    expect(ev.process!.pod).toMatchObject({
      workload: 'file-access',
      workloadKind: 'Pod',
    });
  });

  it('makes relative file_arg paths absolute (older agents wrote "etc/passwd")', () => {
    const ev = parse(corpusLine('process_kprobe.jsonl', 14));
    expect(ev.probe!.paths).toEqual(['/etc/passwd']);
  });

  it('host namespace flags from process.ns', () => {
    const ev = parse(corpusLine('process_kprobe.jsonl', 13));
    expect(ev.process!.hostNamespaces.sort()).toEqual([
      'time',
      'time_for_children',
      'user',
    ]);
    expect(ev.probe!.function).toBe('cap_capable');
  });

  it('capabilities of a privileged pod', () => {
    const ev = parse(corpusLine('process_exec.jsonl', 12));
    expect(ev.process!.capabilities!.effective).toContain('CAP_SYS_ADMIN');
    expect(ev.process!.binary).toBe('/usr/bin/nsenter');
  });

  it('infers the workload of pods Tetragon sent without one', () => {
    const ev = parse(corpusLine('process_exec.jsonl', 4));
    expect(ev.process!.pod).toMatchObject({
      name: 'elasticsearch-56f8fc6988-pb8c7',
      workload: 'elasticsearch',
      workloadKind: 'Deployment',
      workloadInferred: true,
    });
    const deathstar = parse(corpusLine('process_exec.jsonl', 23));
    expect(deathstar.process!.pod).toMatchObject({
      workload: 'deathstar',
      workloadKind: 'Deployment',
    });
  });

  it('process_exit: signal and status; kprobe with an empty parent {}', () => {
    const exit = parse(corpusLine('process_exit.jsonl', 1));
    expect(exit.type).toBe('process_exit');
    expect(exit.exit).toBeDefined();
    const k = parse(corpusLine('process_kprobe.jsonl', 18));
    expect(k.parent).toBeUndefined();
  });

  it('process_throttle: type and cgroup, no process', () => {
    const ev = parse(corpusLine('process_throttle.jsonl', 1));
    expect(ev).toMatchObject({
      type: 'process_throttle',
      node: 'ubuntu-22',
      throttle: { type: 'THROTTLE_START', cgroup: 'session-429.scope' },
    });
    expect(ev.process).toBeUndefined();
  });
});

describe('normalized model from the API schema (types the corpus lacks)', () => {
  const proc = {
    exec_id: 'bm9kZToxOjE=',
    pid: 7,
    uid: 1000,
    binary: '/usr/bin/grep',
    arguments: 'x',
    parent_exec_id: 'bm9kZToxOjA=',
    pod: {
      namespace: 'ns',
      name: 'web-0',
      labels: ['app=web', 'controller-revision-hash=abc'],
    },
    in_init_tree: false,
  };
  const envelope = {
    node_name: 'n1',
    time: '2025-01-02T03:04:05.123456789Z',
    cluster_name: 'prod',
  };

  it('process_lsm: hook, policy, action, linux_binprm path, ima hash, old-style labels list', () => {
    const ev = parse(
      JSON.stringify({
        process_lsm: {
          process: proc,
          function_name: 'bprm_check_security',
          policy_name: 'file-integrity-monitoring',
          args: [
            {
              linux_binprm_arg: {
                path: '/usr/bin/grep',
                permission: '-rwxr-xr-x',
              },
            },
          ],
          action: 'KPROBE_ACTION_POST',
          ima_hash: 'sha256:73ab',
          tags: ['observability.filesystem'],
        },
        ...envelope,
      }),
    );
    expect(ev).toMatchObject({
      type: 'process_lsm',
      cluster: 'prod',
      probe: {
        function: 'bprm_check_security',
        policy: 'file-integrity-monitoring',
        imaHash: 'sha256:73ab',
        paths: ['/usr/bin/grep'],
        tags: ['observability.filesystem'],
      },
      process: {
        inInitTree: false,
        pod: {
          labels: { app: 'web' },
          workload: 'web',
          workloadKind: 'StatefulSet',
        },
      },
    });
  });

  it('process_tracepoint, process_uprobe, process_usdt name their probe', () => {
    const tp = parse(
      JSON.stringify({
        process_tracepoint: {
          process: proc,
          subsys: 'syscalls',
          event: 'sys_enter_kill',
          args: [{ int_arg: 9 }],
          action: 'KPROBE_ACTION_SIGKILL',
          policy_name: 'killer',
        },
        ...envelope,
      }),
    );
    expect(tp.probe).toMatchObject({
      function: 'syscalls/sys_enter_kill',
      action: 'KPROBE_ACTION_SIGKILL',
      policy: 'killer',
    });
    const up = parse(
      JSON.stringify({
        process_uprobe: {
          process: proc,
          path: '/bin/bash',
          symbol: 'readline',
          policy_name: 'u',
        },
        ...envelope,
      }),
    );
    expect(up.probe).toMatchObject({ function: 'readline', path: '/bin/bash' });
    const usdt = parse(
      JSON.stringify({
        process_usdt: {
          process: proc,
          path: '/usr/bin/python3',
          provider: 'python',
          name: 'function__entry',
        },
        ...envelope,
      }),
    );
    expect(usdt.probe).toMatchObject({
      function: 'python:function__entry',
      path: '/usr/bin/python3',
    });
  });

  it('socket arguments become remote addresses', () => {
    const ev = parse(
      JSON.stringify({
        process_kprobe: {
          process: proc,
          function_name: 'tcp_connect',
          args: [
            {
              sock_arg: {
                family: 'AF_INET',
                saddr: '10.0.0.5',
                daddr: '1.1.1.1',
                sport: 40000,
                dport: 443,
              },
            },
            {
              sockaddr_arg: {
                family: 'AF_INET6',
                addr: '2001:db8::1',
                port: 53,
              },
            },
          ],
        },
        ...envelope,
      }),
    );
    expect(ev.probe!.remoteAddresses).toEqual([
      { address: '1.1.1.1', port: 443 },
      { address: '2001:db8::1', port: 53 },
    ]);
  });

  it('process_loader and rate_limit_info', () => {
    const loader = parse(
      JSON.stringify({
        process_loader: {
          process: proc,
          path: '/lib/libc.so.6',
          buildid: 'YWJj',
        },
        ...envelope,
      }),
    );
    expect(loader.loader).toEqual({ path: '/lib/libc.so.6', buildId: 'YWJj' });
    const rl = parse(
      JSON.stringify({
        rate_limit_info: { number_of_dropped_process_events: '12' },
        ...envelope,
      }),
    );
    expect(rl.rateLimit).toEqual({ droppedProcessEvents: 12 });
    expect(rl.process).toBeUndefined();
  });

  it('uses carried ancestors and aggregation_info', () => {
    const ev = parse(
      JSON.stringify({
        process_exec: {
          process: proc,
          parent: {
            exec_id: 'bm9kZToxOjA=',
            binary: '/bin/sh',
            parent_exec_id: 'r',
          },
          ancestors: [{ exec_id: 'r', binary: '/sbin/init' }],
        },
        aggregation_info: { count: 3 },
        ...envelope,
      }),
    );
    expect(ev.ancestors!.map(a => a.binary)).toEqual(['/sbin/init']);
    expect(ev.aggregatedCount).toBe(3);
  });
});

describe('eventId', () => {
  const line = corpusLine('process_kprobe.jsonl', 1);

  it('is stable: the same event gives the same 16-hex id, re-formatted JSON too', () => {
    const a = parse(line);
    const b = parse(JSON.stringify(JSON.parse(line), null, 0));
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(b.id).toBe(a.id);
    expect(eventId(a)).toBe(a.id);
    expect(
      eventId({
        node: a.node,
        execId: a.process!.execId,
        time: a.time,
        type: a.type,
        function: a.probe!.function,
      }),
    ).toBe(a.id);
  });

  it('differs when node, exec id, time, type or function differ', () => {
    const base = JSON.parse(line);
    const variants = [
      { ...base, node_name: 'other' },
      { ...base, time: '2024-04-14T02:18:14.376304205Z' },
      {
        ...base,
        process_kprobe: {
          ...base.process_kprobe,
          function_name: 'security_file_open',
        },
      },
      {
        ...base,
        process_kprobe: {
          ...base.process_kprobe,
          process: { ...base.process_kprobe.process, exec_id: 'Zm9v' },
        },
      },
      {
        process_lsm: base.process_kprobe,
        node_name: base.node_name,
        time: base.time,
      },
    ];
    const ids = new Set([
      parse(line).id,
      ...variants.map(v => parse(JSON.stringify(v)).id),
    ]);
    expect(ids.size).toBe(variants.length + 1);
  });
});

describe('inferWorkload', () => {
  it.each([
    ['api-7d9c5b6f4d-x2x9z', {}, 'api', 'Deployment'],
    ['api-abc-12345', { 'pod-template-hash': 'abc' }, 'api', 'Deployment'],
    [
      'node-exporter-5bk2x',
      { 'controller-revision-hash': 'h' },
      'node-exporter',
      'DaemonSet',
    ],
    ['db-2', { 'controller-revision-hash': 'db-6c' }, 'db', 'StatefulSet'],
    ['xwing', {}, 'xwing', 'Pod'],
  ])('%s -> %s', (name, labels, workload, kind) => {
    expect(inferWorkload(name, labels as Record<string, string>)).toEqual({
      workload,
      kind,
    });
  });
});

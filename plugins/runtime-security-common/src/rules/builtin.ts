import type { ProbeInfo, TetragonEventType } from '../events/types';
import { ALWAYS_INTERNAL, cidrContains, ipv4Literals, parseCidr, parseIp } from './net';
import type { DetectionContext, DetectionRule, RuleMatch } from './types';

const EXEC: readonly TetragonEventType[] = ['process_exec'];
const PROBES: readonly TetragonEventType[] = [
  'process_kprobe',
  'process_tracepoint',
  'process_lsm',
  'process_uprobe',
  'process_usdt',
];
const EXEC_AND_PROBES: readonly TetragonEventType[] = [...EXEC, ...PROBES];

const SHELLS = new Set([
  'sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh', 'csh', 'tcsh', 'fish',
  'rbash', 'script', 'tmux', 'screen',
]);
const FILE_READERS = new Set([
  'cat', 'head', 'tail', 'less', 'more', 'base64', 'xxd', 'od', 'strings',
  'cp', 'tar', 'grep', 'vi', 'vim', 'nano',
]);
const PACKAGE_MANAGERS = new Set([
  'apt', 'apt-get', 'aptitude', 'dpkg', 'yum', 'dnf', 'microdnf', 'rpm',
  'zypper', 'apk', 'pip', 'pip3', 'pipx', 'npm', 'yarn', 'pnpm', 'gem',
  'conda', 'easy_install',
]);
const COMPILERS = new Set([
  'gcc', 'cc', 'g++', 'c++', 'clang', 'clang++', 'tcc', 'rustc', 'javac',
  'gfortran', 'nasm', 'as', 'ld',
]);
const NETWORK_TOOLS = new Set([
  'nc', 'ncat', 'netcat', 'socat', 'telnet', 'nmap', 'masscan', 'zmap',
  'curl', 'wget', 'ssh', 'scp', 'sftp', 'rsync', 'ftp', 'tftp', 'tcpdump',
  'tshark',
]);
const ARCHIVERS = new Set(['7z', '7za', '7zr', 'zip', 'rar']);
const MODULE_TOOLS = new Set(['insmod', 'modprobe', 'rmmod', 'kmod']);

const TEMP_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/'];
const BIN_DIRS = [
  '/bin/', '/sbin/', '/usr/bin/', '/usr/sbin/', '/usr/local/bin/',
  '/usr/local/sbin/', '/usr/libexec/',
];
const SA_TOKEN_DIRS = [
  '/var/run/secrets/kubernetes.io/',
  '/run/secrets/kubernetes.io/',
  '/var/run/secrets/eks.amazonaws.com/',
  '/var/run/secrets/tokens/',
];
const CREDENTIAL_FILES = [
  /^\/etc\/(g?shadow|sudoers)(-|\.d\/|$)/,
  /^\/etc\/kubernetes\/(admin\.conf|super-admin\.conf|pki\/.+\.key)$/,
  /^\/var\/lib\/kubelet\/pki\//,
];
const ACCOUNT_FILES = /^\/etc\/(passwd|shadow|group|gshadow|sudoers)(\.d\/.*)?$/;
const SSH_KEY = /(^|\/)\.ssh\/(id_[A-Za-z0-9_]+(?!\.pub)\b|authorized_keys2?|identity\b)|\/etc\/ssh\/ssh_host_[a-z0-9]+_key(?!\.pub)/;
const REVERSE_SHELL = /(^|\s)-(e|c)\s|\/dev\/tcp\/|exec:|\bsh\s+-i\b|bash\s+-i/;
const SETID_FUNCTION = /(^|_)sys_set(res|re)?[ug]id$/;
const SETNS_FUNCTION = /(^|_)sys_setns$|^setns$/;
const MODULE_LOAD = /^(do_init_module|load_module|find_module_sections|(__(x64|arm64|ia32)_)?sys_f?init_module|security_kernel_load_data)$/;
const MODULE_UNLOAD = /^(free_module|(__(x64|arm64|ia32)_)?sys_delete_module)$/;
const WRITE_FUNCTION = /write|truncate|rename|unlink|chmod|chown|create|mknod|link|setattr|setxattr|splice/;
const MAY_WRITE = 2;
const READING_MODULE = 2;
const BLOCKING_ACTIONS = new Set([
  'KPROBE_ACTION_SIGKILL',
  'KPROBE_ACTION_OVERRIDE',
  'KPROBE_ACTION_SIGNAL',
  'KPROBE_ACTION_NOTIFYENFORCER',
]);
const HOST_NS_CHECKED = ['mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup'];
const ALWAYS_INTERNAL_CIDRS = ALWAYS_INTERNAL.map(c => parseCidr(c));

function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (s.startsWith(p)) return true;
  return false;
}

function firstPath(
  probe: ProbeInfo | undefined,
  test: (p: string) => boolean,
): string | undefined {
  if (!probe) return undefined;
  for (const p of probe.paths) if (test(p)) return p;
  return undefined;
}

function intArgs(probe: ProbeInfo): number[] {
  const out: number[] = [];
  for (const a of probe.args) if (a.kind === 'int_arg' && typeof a.value === 'number') out.push(a.value);
  return out;
}

/**
 * Whether a probe event is a write: the function name says so (write,
 * rename, chmod, …) or a permission-check hook got the MAY_WRITE mask.
 * @public
 */
export function isWriteAccess(probe: ProbeInfo): boolean {
  const fn = probe.function;
  if (fn.includes('permission') || fn === 'security_file_open' || fn.includes('mmap')) {
    return intArgs(probe).some(n => n >= 0 && (n & MAY_WRITE) !== 0);
  }
  return WRITE_FUNCTION.test(fn);
}

/** Whitespace-separated words of the arguments, with surrounding quotes removed. */
function argWords(args: string): string[] {
  if (args === '') return [];
  return args.split(/\s+/).map(w => w.replace(/^["']+|["':]+$/g, ''));
}

function isInternal(ctx: DetectionContext, address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return true; // not an address (a host name): cannot tell, do not report
  for (const c of ALWAYS_INTERNAL_CIDRS) if (cidrContains(c, ip)) return true;
  for (const c of ctx.settings.clusterCidrs) if (cidrContains(c, ip)) return true;
  return false;
}

const shellInContainer: DetectionRule = {
  id: 'shell-in-container',
  title: 'Shell or interactive terminal started in a container',
  severity: 'medium',
  mitre: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' },
  remediation:
    'Check who ran it (kubectl exec audit logs); remove shells from the image (distroless) and restrict pods/exec RBAC.',
  eventTypes: EXEC,
  source: 'builtin',
  match(ctx) {
    if (!ctx.inContainer || !SHELLS.has(ctx.basename)) return undefined;
    if (ctx.event.process?.pod?.container.maybeExecProbe) return undefined;
    return {
      severity: ctx.privileged ? 'high' : undefined,
      detail: ctx.parentBasename ? `started by ${ctx.parentBasename}` : undefined,
    };
  },
};

const hostNamespaceEntry: DetectionRule = {
  id: 'host-namespace-entry',
  title: 'Process entered host namespaces (nsenter/setns)',
  severity: 'high',
  mitre: { id: 'T1611', name: 'Escape to Host' },
  remediation:
    'Treat the node as compromised; drop privileged/hostPID from the pod and enforce the Pod Security "restricted" (or "baseline") level.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const ev = ctx.event;
    let detail: string | undefined;
    if (ev.type === 'process_exec') {
      if (ctx.basename === 'nsenter') detail = `nsenter ${ev.process?.arguments ?? ''}`.trim();
      else if (ctx.parentBasename === 'nsenter') detail = `spawned by nsenter ${ev.parent?.arguments ?? ''}`.trim();
      else if (ctx.inContainer && ev.process?.pod) {
        const host = ev.process.hostNamespaces.filter(n => HOST_NS_CHECKED.includes(n));
        if (host.length > 0) detail = `runs in host namespaces: ${host.join(', ')}`;
      }
    } else if (ev.probe && SETNS_FUNCTION.test(ev.probe.function)) {
      detail = `${ev.probe.function} by ${ctx.basename}`;
    }
    if (!detail) return undefined;
    return { severity: ctx.inContainer && ctx.privileged ? 'critical' : 'high', detail };
  },
};

const privilegeEscalation: DetectionRule = {
  id: 'privilege-escalation-root',
  title: 'Privilege change to root',
  severity: 'high',
  mitre: { id: 'T1548', name: 'Abuse Elevation Control Mechanism' },
  remediation:
    'Run containers as non-root with allowPrivilegeEscalation: false and no setuid binaries; investigate the binary that changed credentials.',
  eventTypes: PROBES,
  source: 'builtin',
  match(ctx) {
    const probe = ctx.event.probe!;
    const fn = probe.function;
    if (fn === 'commit_creds' || fn.endsWith('commit_creds')) {
      for (const a of probe.args) {
        if (a.kind !== 'process_credentials_arg' || typeof a.value !== 'object' || !a.value) continue;
        const c = a.value as Record<string, unknown>;
        const before = ctx.event.process?.uid;
        if ((c.euid === 0 || c.uid === 0) && before !== undefined && before !== 0) {
          return { detail: `uid ${before} -> euid ${String(c.euid)} via commit_creds` };
        }
      }
      return undefined;
    }
    if (SETID_FUNCTION.test(fn) && intArgs(probe).includes(0)) {
      return { severity: 'medium', detail: `${fn}(0)` };
    }
    return undefined;
  },
};

/**
 * The first argument word that passes `test`; `hint` is a substring every
 * match contains, checked first so most events skip the word split.
 */
function execArgsMatch(ctx: DetectionContext, hints: readonly string[], test: (w: string) => boolean): string | undefined {
  const args = ctx.event.process?.arguments;
  if (!args || !hints.some(h => args.includes(h))) return undefined;
  for (const w of argWords(args)) if (test(w)) return w;
  return undefined;
}

const credentialFiles: DetectionRule = {
  id: 'credential-file-access',
  title: 'Access to credential files (/etc/shadow, sudoers, Kubernetes PKI)',
  severity: 'high',
  mitre: { id: 'T1003.008', name: 'OS Credential Dumping: /etc/passwd and /etc/shadow' },
  remediation:
    'Find why the process read the file; mount host paths read-only or not at all, and alert on repeat access.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const test = (p: string) => CREDENTIAL_FILES.some(r => r.test(p));
    const hit =
      ctx.event.type === 'process_exec' ? execArgsMatch(ctx, ['/etc/', '/kubelet/'], test) : firstPath(ctx.event.probe, test);
    return hit ? { detail: hit } : undefined;
  },
};

const serviceAccountToken: DetectionRule = {
  id: 'service-account-token-access',
  title: 'Kubernetes service-account token read',
  severity: 'high',
  mitre: { id: 'T1528', name: 'Steal Application Access Token' },
  remediation:
    'Set automountServiceAccountToken: false where the pod does not call the API; otherwise bind least-privilege RBAC to its service account.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const test = (p: string) => startsWithAny(p, SA_TOKEN_DIRS);
    if (ctx.event.type === 'process_exec') {
      const hit = execArgsMatch(ctx, ['/secrets/'], test);
      return hit ? { detail: hit } : undefined;
    }
    const hit = firstPath(ctx.event.probe, test);
    if (!hit) return undefined;
    const manual = SHELLS.has(ctx.basename) || FILE_READERS.has(ctx.basename) || NETWORK_TOOLS.has(ctx.basename);
    return { severity: manual ? 'high' : 'medium', detail: hit };
  },
};

const sshKeys: DetectionRule = {
  id: 'ssh-key-access',
  title: 'SSH private key or authorized_keys accessed',
  severity: 'high',
  mitre: { id: 'T1552.004', name: 'Unsecured Credentials: Private Keys' },
  remediation:
    'Keep SSH keys out of images and pods; rotate the key if the process was not expected to use it.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const test = (p: string) => SSH_KEY.test(p);
    const hit =
      ctx.event.type === 'process_exec' ? execArgsMatch(ctx, ['.ssh/', '/ssh/'], test) : firstPath(ctx.event.probe, test);
    return hit ? { detail: hit } : undefined;
  },
};

const accountFileWrite: DetectionRule = {
  id: 'account-file-write',
  title: 'Write to account files (/etc/passwd, /etc/shadow, /etc/group, sudoers)',
  severity: 'high',
  mitre: { id: 'T1098', name: 'Account Manipulation' },
  remediation:
    'Use a read-only root filesystem (readOnlyRootFilesystem: true); compare the file with the image and rebuild the pod.',
  eventTypes: PROBES,
  source: 'builtin',
  match(ctx) {
    const probe = ctx.event.probe!;
    const hit = firstPath(probe, p => ACCOUNT_FILES.test(p));
    return hit && isWriteAccess(probe) ? { detail: `${probe.function} ${hit}` } : undefined;
  },
};

const systemBinaryWrite: DetectionRule = {
  id: 'system-binary-write',
  title: 'Write to a system binary directory',
  severity: 'high',
  mitre: { id: 'T1554', name: 'Compromise Host Software Binary' },
  remediation:
    'Use readOnlyRootFilesystem: true; rebuild the container from its image and find how the binary was modified.',
  eventTypes: PROBES,
  source: 'builtin',
  match(ctx) {
    const probe = ctx.event.probe!;
    if (!isWriteAccess(probe)) return undefined;
    if (probe.paths.includes('/etc/ld.so.preload')) {
      return { severity: 'critical', detail: `${probe.function} /etc/ld.so.preload` };
    }
    const hit = firstPath(probe, p => startsWithAny(p, BIN_DIRS));
    return hit ? { detail: `${probe.function} ${hit}` } : undefined;
  },
};

function moduleArgSeverity(probe: ProbeInfo): RuleMatch | undefined {
  for (const a of probe.args) {
    if (a.kind !== 'module_arg' || typeof a.value !== 'object' || !a.value) continue;
    const m = a.value as { name?: string; tainted?: string[]; signature_ok?: boolean };
    const tainted = (m.tainted ?? []).filter(t => t !== 'TAINT_UNSET');
    if (tainted.length > 0 || m.signature_ok === false) {
      return {
        severity: 'critical',
        detail: `module ${m.name ?? '?'} ${tainted.length ? `taints ${tainted.join(',')}` : 'has no valid signature'}`,
      };
    }
    return { detail: `module ${m.name ?? '?'}` };
  }
  return undefined;
}

const kernelModule: DetectionRule = {
  id: 'kernel-module-load',
  title: 'Kernel module loaded or unloaded',
  severity: 'high',
  mitre: { id: 'T1547.006', name: 'Boot or Logon Autostart Execution: Kernel Modules and Extensions' },
  remediation:
    'Confirm the module is expected on this node; drop CAP_SYS_MODULE from pods and enable module signature enforcement.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const ev = ctx.event;
    if (ev.type === 'process_exec') {
      if (!MODULE_TOOLS.has(ctx.basename)) return undefined;
      return { severity: ctx.inContainer ? 'high' : 'medium', detail: `${ctx.basename} ${ev.process?.arguments ?? ''}`.trim() };
    }
    const probe = ev.probe!;
    const fn = probe.function;
    if (MODULE_LOAD.test(fn)) return moduleArgSeverity(probe) ?? { detail: fn };
    if (MODULE_UNLOAD.test(fn)) {
      const m = moduleArgSeverity(probe);
      return { severity: 'medium', detail: `unload: ${m?.detail ?? fn}` };
    }
    if (fn === 'security_kernel_module_request') {
      const name = probe.args.find(a => a.kind === 'string_arg')?.value;
      return { severity: 'medium', detail: `module request ${String(name ?? '')}`.trim() };
    }
    if (fn.startsWith('security_kernel_') && fn.includes('read_file') && intArgs(probe).includes(READING_MODULE)) {
      return { detail: `reads module ${probe.paths[0] ?? ''}`.trim() };
    }
    return undefined;
  },
};

function execPath(ctx: DetectionContext): string | undefined {
  const ev = ctx.event;
  if (ev.type === 'process_exec') return ev.process?.binary;
  const fn = ev.probe?.function ?? '';
  if (fn.includes('bprm_check') || fn.includes('bprm_creds')) return ev.probe?.paths[0];
  return undefined;
}

const execFromTemp: DetectionRule = {
  id: 'exec-from-temp-dir',
  title: 'Binary executed from a temporary directory (/tmp, /dev/shm)',
  severity: 'high',
  mitre: { id: 'T1204.002', name: 'User Execution: Malicious File' },
  remediation:
    'Mount /tmp and /dev/shm noexec (emptyDir with a read-only root filesystem) and find how the binary got there.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const path = execPath(ctx);
    return path && startsWithAny(path, TEMP_DIRS) ? { detail: path } : undefined;
  },
};

const filelessExec: DetectionRule = {
  id: 'fileless-execution',
  title: 'Fileless execution (memfd or deleted binary)',
  severity: 'critical',
  mitre: { id: 'T1620', name: 'Reflective Code Loading' },
  remediation:
    'Isolate the pod; fileless binaries are a strong sign of malware. Capture memory if you need forensics, then recreate the workload.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const path = execPath(ctx);
    if (!path) return undefined;
    return path.startsWith('memfd:') || path.startsWith('/memfd:') || path.endsWith('(deleted)')
      ? { detail: path }
      : undefined;
  },
};

function execOfSet(set: Set<string>, ctx: DetectionContext): boolean {
  return ctx.inContainer && set.has(ctx.basename);
}

const packageManager: DetectionRule = {
  id: 'package-manager-in-container',
  title: 'Package manager run in a running container',
  severity: 'medium',
  mitre: { id: 'T1105', name: 'Ingress Tool Transfer' },
  remediation:
    'Containers should be immutable: install packages at build time and use a read-only root filesystem.',
  eventTypes: EXEC,
  source: 'builtin',
  match(ctx) {
    return execOfSet(PACKAGE_MANAGERS, ctx)
      ? { detail: `${ctx.basename} ${ctx.event.process?.arguments ?? ''}`.trim() }
      : undefined;
  },
};

const compiler: DetectionRule = {
  id: 'compiler-in-container',
  title: 'Compiler run in a running container',
  severity: 'medium',
  mitre: { id: 'T1027.004', name: 'Obfuscated Files or Information: Compile After Delivery' },
  remediation: 'Build in CI, not in running containers; remove toolchains from runtime images.',
  eventTypes: EXEC,
  source: 'builtin',
  match(ctx) {
    if (!ctx.inContainer) return undefined;
    const goBuild = ctx.basename === 'go' && /^(build|run|install)\b/.test(ctx.event.process?.arguments ?? '');
    return COMPILERS.has(ctx.basename) || goBuild
      ? { detail: `${ctx.basename} ${ctx.event.process?.arguments ?? ''}`.trim() }
      : undefined;
  },
};

const networkTool: DetectionRule = {
  id: 'network-tool-in-container',
  title: 'Network tool run in a container',
  severity: 'medium',
  mitre: { id: 'T1071', name: 'Application Layer Protocol' },
  remediation:
    'Remove network tools from runtime images; restrict egress with NetworkPolicies.',
  eventTypes: EXEC,
  source: 'builtin',
  match(ctx) {
    if (!execOfSet(NETWORK_TOOLS, ctx)) return undefined;
    const args = ctx.event.process?.arguments ?? '';
    if (['nc', 'ncat', 'netcat', 'socat'].includes(ctx.basename) && REVERSE_SHELL.test(args)) {
      return { severity: 'critical', detail: `possible reverse shell: ${ctx.basename} ${args}` };
    }
    return { detail: `${ctx.basename} ${args}`.trim() };
  },
};

const egress: DetectionRule = {
  id: 'egress-outside-cluster',
  title: 'Connection to an address outside the cluster networks',
  severity: 'high',
  mitre: { id: 'T1041', name: 'Exfiltration Over C2 Channel' },
  remediation:
    'Check the destination; restrict egress with NetworkPolicies (default deny) and route allowed egress through a proxy.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const ev = ctx.event;
    let outside: string | undefined;
    if (ev.type === 'process_exec') {
      const args = ev.process?.arguments ?? '';
      const tool = NETWORK_TOOLS.has(ctx.basename) || (SHELLS.has(ctx.basename) && /\b(nc|ncat|curl|wget|ssh|scp|sftp|rsync|socat|telnet)\b/.test(args));
      if (!tool) return undefined;
      outside = ipv4Literals(args).find(ip => !isInternal(ctx, ip));
    } else if (ev.probe) {
      const r = ev.probe.remoteAddresses.find(a => !isInternal(ctx, a.address));
      if (r) outside = r.port !== undefined ? `${r.address}:${r.port}` : r.address;
    }
    if (!outside) return undefined;
    return { severity: ctx.inContainer ? 'high' : 'medium', detail: `${ctx.basename} -> ${outside}` };
  },
};

const archiver: DetectionRule = {
  id: 'archive-tool-in-container',
  title: 'Archiving tool run in a container (data staging)',
  severity: 'low',
  mitre: { id: 'T1560.001', name: 'Archive Collected Data: Archive via Utility' },
  remediation: 'Check what was archived and whether it left the pod (look for egress findings).',
  eventTypes: EXEC,
  source: 'builtin',
  match(ctx) {
    return execOfSet(ARCHIVERS, ctx)
      ? { detail: `${ctx.basename} ${ctx.event.process?.arguments ?? ''}`.trim() }
      : undefined;
  },
};

const policyBlocked: DetectionRule = {
  id: 'policy-enforcement-blocked',
  title: 'Blocked by a Tetragon policy (Sigkill / Override / Signal)',
  severity: 'high',
  mitre: { id: 'TA0002', name: 'Execution (attempt blocked; technique depends on the policy)' },
  remediation:
    'The action was prevented; find out why the workload attempted it (compromise or a policy too strict for it).',
  eventTypes: PROBES,
  source: 'builtin',
  outcome: 'blocked',
  match(ctx) {
    const probe = ctx.event.probe!;
    const action = [probe.action, probe.returnAction].find(a => a !== undefined && BLOCKING_ACTIONS.has(a));
    if (!action) return undefined;
    return { detail: `${probe.policy ?? 'unnamed policy'}: ${action.replace('KPROBE_ACTION_', '')} on ${probe.function}` };
  },
};

const throttled: DetectionRule = {
  id: 'workload-throttled',
  title: 'Tetragon throttled a noisy cgroup',
  severity: 'low',
  mitre: { id: 'T1499', name: 'Endpoint Denial of Service' },
  remediation:
    'A cgroup produced events faster than the cgroup rate limit; find the workload (fork loops, crash loops) or raise --cgroup-rate.',
  eventTypes: ['process_throttle'],
  source: 'builtin',
  match(ctx) {
    const t = ctx.event.throttle!;
    return t.type === 'THROTTLE_START' ? { detail: `cgroup ${t.cgroup}` } : undefined;
  },
};

const eventsDropped: DetectionRule = {
  id: 'events-dropped',
  title: 'Tetragon dropped process events (rate limit)',
  severity: 'medium',
  mitre: { id: 'T1562.006', name: 'Impair Defenses: Indicator Blocking' },
  remediation:
    'Events were lost, so detections may be missing; raise the export rate limit or filter noisy events at the agent.',
  eventTypes: ['rate_limit_info'],
  source: 'builtin',
  match(ctx) {
    const n = ctx.event.rateLimit!.droppedProcessEvents;
    return n > 0 ? { detail: `${n} process events dropped` } : undefined;
  },
};

/**
 * The built-in detection rules.
 * @public
 */
export const BUILTIN_RULES: readonly DetectionRule[] = [
  shellInContainer,
  hostNamespaceEntry,
  privilegeEscalation,
  credentialFiles,
  serviceAccountToken,
  sshKeys,
  accountFileWrite,
  systemBinaryWrite,
  kernelModule,
  execFromTemp,
  filelessExec,
  packageManager,
  compiler,
  networkTool,
  egress,
  archiver,
  policyBlocked,
  throttled,
  eventsDropped,
];

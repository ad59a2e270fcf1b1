import type { ProbeInfo, TetragonEventType } from '../events/types';
import { ALWAYS_INTERNAL, cidrContains, parseCidr, parseIp } from './net';
import {
  commandLineIsEvidence,
  executedBinary,
  findPath,
  remoteAddressesOf,
  type PathTarget,
} from './targets';
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
  'sh',
  'bash',
  'dash',
  'zsh',
  'ash',
  'ksh',
  'mksh',
  'csh',
  'tcsh',
  'fish',
  'rbash',
  'script',
  'tmux',
  'screen',
]);
const FILE_READERS = new Set([
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'base64',
  'xxd',
  'od',
  'strings',
  'cp',
  'tar',
  'grep',
  'vi',
  'vim',
  'nano',
]);
const PACKAGE_MANAGERS = new Set([
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'yum',
  'dnf',
  'microdnf',
  'rpm',
  'zypper',
  'apk',
  'pip',
  'pip3',
  'pipx',
  'npm',
  'yarn',
  'pnpm',
  'gem',
  'conda',
  'easy_install',
]);
const COMPILERS = new Set([
  'gcc',
  'cc',
  'g++',
  'c++',
  'clang',
  'clang++',
  'tcc',
  'rustc',
  'javac',
  'gfortran',
  'nasm',
  'as',
  'ld',
]);
const NETWORK_TOOLS = new Set([
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'nmap',
  'masscan',
  'zmap',
  'curl',
  'wget',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'ftp',
  'tftp',
  'tcpdump',
  'tshark',
]);
const ARCHIVERS = new Set(['7z', '7za', '7zr', 'zip', 'rar']);
const MODULE_TOOLS = new Set(['insmod', 'modprobe', 'rmmod', 'kmod']);

const TEMP_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/'];
const BIN_DIRS = [
  '/bin/',
  '/sbin/',
  '/usr/bin/',
  '/usr/sbin/',
  '/usr/local/bin/',
  '/usr/local/sbin/',
  '/usr/libexec/',
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
const ACCOUNT_LISTS = /^\/etc\/(passwd|group)$/;
const ACCOUNT_FILES =
  /^\/etc\/(passwd|shadow|group|gshadow|sudoers)(\.d\/.*)?$/;
const SSH_KEY =
  /(^|\/)\.ssh\/(id_[A-Za-z0-9_]+(?!\.pub)\b|authorized_keys2?|identity\b)|\/etc\/ssh\/ssh_host_[a-z0-9]+_key(?!\.pub)/;
const REVERSE_SHELL = /(^|\s)-(e|c)\s|\/dev\/tcp\/|exec:|\bsh\s+-i\b|bash\s+-i/;
const SETID_FUNCTION = /(^|_)sys_set(res|re)?[ug]id$/;
const SETNS_FUNCTION = /(^|_)sys_setns$|^setns$/;
const MODULE_LOAD =
  /^(do_init_module|load_module|find_module_sections|(__(x64|arm64|ia32)_)?sys_f?init_module|security_kernel_load_data)$/;
const MODULE_UNLOAD = /^(free_module|(__(x64|arm64|ia32)_)?sys_delete_module)$/;
const WRITE_FUNCTION =
  /write|truncate|rename|unlink|chmod|chown|create|mknod|link|setattr|setxattr|splice/;
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

function intArgs(probe: ProbeInfo): number[] {
  const out: number[] = [];
  for (const a of probe.args)
    if (a.kind === 'int_arg' && typeof a.value === 'number') out.push(a.value);
  return out;
}

/**
 * Whether a probe event is a write: the function name says so (write,
 * rename, chmod, …) or a permission-check hook got the MAY_WRITE mask.
 * @public
 */
export function isWriteAccess(probe: ProbeInfo): boolean {
  const fn = probe.function;
  if (
    fn.includes('permission') ||
    fn === 'security_file_open' ||
    fn.includes('mmap')
  ) {
    return intArgs(probe).some(n => n >= 0 && (n & MAY_WRITE) !== 0);
  }
  return WRITE_FUNCTION.test(fn);
}

/** Editors and tools that change the files named on their command line. */
const FILE_CHANGERS = new Set([
  'vi',
  'vim',
  'nvim',
  'nano',
  'ed',
  'emacs',
  'joe',
  'vipw',
  'vigr',
  'visudo',
  'tee',
  'truncate',
  'chmod',
  'chown',
  'chgrp',
  'chattr',
  'setfacl',
  'touch',
  'shred',
  'rm',
  'unlink',
  'useradd',
  'usermod',
  'userdel',
  'adduser',
  'deluser',
  'groupadd',
  'groupmod',
  'groupdel',
  'addgroup',
  'delgroup',
  'passwd',
  'chpasswd',
  'chage',
  'newusers',
  'gpasswd',
  'pwconv',
  'grpconv',
]);
/** Tools whose whole job is changing account files (/etc/passwd, shadow, group, sudoers). */
const ACCOUNT_TOOLS = new Set([
  'useradd',
  'usermod',
  'userdel',
  'adduser',
  'deluser',
  'groupadd',
  'groupmod',
  'groupdel',
  'addgroup',
  'delgroup',
  'passwd',
  'chpasswd',
  'chage',
  'newusers',
  'gpasswd',
  'vipw',
  'vigr',
  'visudo',
]);
/** Tools that change only their last path argument (the destination). */
const COPIERS = new Set(['cp', 'mv', 'install', 'ln', 'rsync', 'scp']);
/** In-place editors with `-i`. */
const IN_PLACE = new Set(['sed', 'perl', 'ruby']);
const SEGMENT_SPLIT = /\s*(?:;|&&|\|\||\||\$\(|`|\n)\s*/;

function basenameOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/**
 * Whether a command-line word names `path`: the path itself, or a relative path that ends it
 * (`passwd`, `./passwd`, `../etc/passwd` in a working directory we may not know).
 */
function wordNames(word: string, path: string): boolean {
  if (word === path) return true;
  if (word === '' || word.startsWith('/') || word.startsWith('-')) return false;
  const rel = word.replace(/^(\.\.?\/)+/, '');
  return rel !== '' && path.endsWith(`/${rel}`);
}

const REDIRECT = />>?\|?\s*["']?([^\s"';&|)]+)/g;

/** Whether one simple command (`tool args…`) changes `path`. */
function segmentChanges(tool: string, words: string[], path: string): boolean {
  const names = (w: string) => wordNames(w, path);
  if (!words.some(names)) return false;
  if (FILE_CHANGERS.has(tool)) return true;
  if (IN_PLACE.has(tool))
    return words.some(
      w => /^-[a-zA-Z]*i/.test(w) || w.startsWith('--in-place'),
    );
  if (tool === 'dd')
    return words.some((w, i) => w === 'of' && names(words[i + 1] ?? ''));
  if (COPIERS.has(tool)) {
    const operands = words.filter(w => w !== '' && !w.startsWith('-'));
    return names(operands[operands.length - 1] ?? '');
  }
  return false;
}

/**
 * Whether a command line (of the process `binary`) changes `path`: a redirection (`> path`,
 * `>> path`) anywhere, an editor or account tool naming it, `sed -i`, `dd of=`, or the
 * destination of `cp`/`mv`/`install`/`ln`. Shell `-c` strings are split into their commands.
 */
function commandChanges(binary: string, args: string, path: string): boolean {
  const base = basenameOf(path);
  if (!args.includes(base)) return false;
  // `> /etc/passwd`, `>>passwd` (relative to the working directory), `>| …`
  if (args.includes('>')) {
    for (const m of args.matchAll(REDIRECT))
      if (wordNames(m[1], path)) return true;
  }
  const tool = basenameOf(binary);
  const words = args.split(/[\s"'=]+/).filter(Boolean);
  if (segmentChanges(tool, words, path)) return true;
  if (
    !SHELLS.has(tool) &&
    tool !== 'env' &&
    tool !== 'sudo' &&
    tool !== 'busybox'
  )
    return false;
  for (const seg of args.split(SEGMENT_SPLIT)) {
    const ws = seg.split(/[\s"']+/).filter(Boolean);
    while (
      ws.length &&
      (ws[0] === '-c' ||
        ws[0] === 'sudo' ||
        ws[0] === 'env' ||
        ws[0] === 'busybox' ||
        /^\w+=/.test(ws[0]))
    )
      ws.shift();
    if (ws.length === 0) continue;
    if (
      segmentChanges(
        basenameOf(ws[0]),
        ws
          .slice(1)
          .flatMap(w => w.split('='))
          .filter(Boolean),
        path,
      )
    )
      return true;
  }
  return false;
}

/** The command line a target was found in (own or parent's), as [binary, arguments]. */
function commandOf(ctx: DetectionContext, t: PathTarget): [string, string] {
  const p =
    t.source === 'parent-arguments' ? ctx.event.parent : ctx.event.process;
  return [p?.binary ?? '', p?.arguments ?? ''];
}

/**
 * Whether the event changes the file `t`: for a probe with a path argument, the hook (and its
 * access mask); for a probe without one, the hook when its name says write, else the command
 * line; for an exec, the command line.
 */
function changesFile(ctx: DetectionContext, t: PathTarget): boolean {
  const probe = ctx.event.probe;
  if (probe && t.source === 'args') return isWriteAccess(probe);
  if (probe && isWriteAccess(probe)) return true;
  const [binary, args] = commandOf(ctx, t);
  return commandChanges(binary, args, t.path);
}

/** How a target reads in a finding's detail: the hook and the path, and where the path came from. */
function targetDetail(ctx: DetectionContext, t: PathTarget): string {
  const probe = ctx.event.probe;
  let where = '';
  if (t.source === 'parent-arguments') where = ' (parent command line)';
  else if (probe && t.source === 'arguments') where = ' (command line)';
  return `${probe ? `${probe.function} ` : ''}${t.path}${where}`;
}

/** A person (shell, file reader, editor, network tool) rather than the application reads the file. */
function manualAccess(ctx: DetectionContext): boolean {
  const b = ctx.basename;
  return (
    SHELLS.has(b) ||
    FILE_READERS.has(b) ||
    NETWORK_TOOLS.has(b) ||
    FILE_CHANGERS.has(b)
  );
}

function isInternal(ctx: DetectionContext, address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return true; // not an address (a host name): cannot tell, do not report
  for (const c of ALWAYS_INTERNAL_CIDRS) if (cidrContains(c, ip)) return true;
  for (const c of ctx.settings.clusterCidrs)
    if (cidrContains(c, ip)) return true;
  return false;
}

const shellInContainer: DetectionRule = {
  id: 'shell-in-container',
  title: 'Shell or interactive terminal started in a container',
  severity: 'medium',
  mitre: {
    id: 'T1059.004',
    name: 'Command and Scripting Interpreter: Unix Shell',
  },
  remediation:
    'Check who ran it (kubectl exec audit logs); remove shells from the image (distroless) and restrict pods/exec RBAC.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    if (!ctx.inContainer || !SHELLS.has(ctx.basename)) return undefined;
    if (ctx.event.process?.pod?.container.maybeExecProbe) return undefined;
    return {
      severity: ctx.privileged ? 'high' : undefined,
      detail: ctx.parentBasename
        ? `started by ${ctx.parentBasename}`
        : undefined,
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
      if (ctx.basename === 'nsenter')
        detail = `nsenter ${ev.process?.arguments ?? ''}`.trim();
      else if (ctx.parentBasename === 'nsenter')
        detail = `spawned by nsenter ${ev.parent?.arguments ?? ''}`.trim();
      else if (ctx.inContainer && ev.process?.pod) {
        const host = ev.process.hostNamespaces.filter(n =>
          HOST_NS_CHECKED.includes(n),
        );
        if (host.length > 0)
          detail = `runs in host namespaces: ${host.join(', ')}`;
      }
    } else if (ev.probe && SETNS_FUNCTION.test(ev.probe.function)) {
      detail = `${ev.probe.function} by ${ctx.basename}`;
    } else if (ev.probe && ctx.basename === 'nsenter') {
      detail = `nsenter ${ev.process?.arguments ?? ''}`.trim();
    } else if (ev.probe && ctx.parentBasename === 'nsenter') {
      detail = `spawned by nsenter ${ev.parent?.arguments ?? ''}`.trim();
    }
    if (!detail) return undefined;
    return {
      severity: ctx.inContainer && ctx.privileged ? 'critical' : 'high',
      detail,
    };
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
        if (
          a.kind !== 'process_credentials_arg' ||
          typeof a.value !== 'object' ||
          !a.value
        )
          continue;
        const c = a.value as Record<string, unknown>;
        const before = ctx.event.process?.uid;
        if (
          (c.euid === 0 || c.uid === 0) &&
          before !== undefined &&
          before !== 0
        ) {
          return {
            detail: `uid ${before} -> euid ${String(c.euid)} via commit_creds`,
          };
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

const credentialFiles: DetectionRule = {
  id: 'credential-file-access',
  title: 'Access to credential files (/etc/shadow, sudoers, Kubernetes PKI)',
  severity: 'high',
  mitre: {
    id: 'T1003.008',
    name: 'OS Credential Dumping: /etc/passwd and /etc/shadow',
  },
  remediation:
    'Find why the process read the file; mount host paths read-only or not at all, and alert on repeat access.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const secret = findPath(ctx, t =>
      CREDENTIAL_FILES.some(r => r.test(t.path)),
    );
    if (secret)
      return {
        detail: ctx.event.probe ? targetDetail(ctx, secret) : secret.path,
      };
    // /etc/passwd and /etc/group hold no secrets: every libc lookup reads them. A person
    // dumping them (cat, grep, a shell) is account discovery; a change is account-file-write.
    if (!manualAccess(ctx)) return undefined;
    const listing = findPath(
      ctx,
      t => ACCOUNT_LISTS.test(t.path) && !changesFile(ctx, t),
    );
    if (!listing) return undefined;
    return {
      severity: 'medium',
      detail: ctx.event.probe ? targetDetail(ctx, listing) : listing.path,
    };
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
    const hit = findPath(ctx, t => startsWithAny(t.path, SA_TOKEN_DIRS));
    if (!hit) return undefined;
    // An application reading its own token is how in-cluster clients work; a person doing it is not.
    return {
      severity: manualAccess(ctx) ? 'high' : 'medium',
      detail: ctx.event.probe ? targetDetail(ctx, hit) : hit.path,
    };
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
    const hit = findPath(ctx, t => SSH_KEY.test(t.path));
    return hit
      ? { detail: ctx.event.probe ? targetDetail(ctx, hit) : hit.path }
      : undefined;
  },
};

const accountFileWrite: DetectionRule = {
  id: 'account-file-write',
  title:
    'Write to account files (/etc/passwd, /etc/shadow, /etc/group, sudoers)',
  severity: 'high',
  mitre: { id: 'T1098', name: 'Account Manipulation' },
  remediation:
    'Use a read-only root filesystem (readOnlyRootFilesystem: true); compare the file with the image and rebuild the pod.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const hit = findPath(
      ctx,
      t => ACCOUNT_FILES.test(t.path) && changesFile(ctx, t),
    );
    if (!hit) {
      // useradd, passwd, visudo…: the tool names no file, its job is changing them.
      const tool =
        ACCOUNT_TOOLS.has(ctx.basename) && commandLineIsEvidence(ctx.event);
      return tool
        ? {
            detail: `${
              ctx.event.probe ? `${ctx.event.probe.function} by ` : ''
            }${ctx.basename} ${ctx.event.process?.arguments ?? ''}`.trim(),
          }
        : undefined;
    }
    return {
      detail: ctx.event.probe
        ? targetDetail(ctx, hit)
        : `${ctx.basename} ${hit.path}`,
    };
  },
};

const systemBinaryWrite: DetectionRule = {
  id: 'system-binary-write',
  title: 'Write to a system binary directory',
  severity: 'high',
  mitre: { id: 'T1554', name: 'Compromise Host Software Binary' },
  remediation:
    'Use readOnlyRootFilesystem: true; rebuild the container from its image and find how the binary was modified.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const probe = ctx.event.probe;
    const detail = (t: PathTarget) =>
      probe ? targetDetail(ctx, t) : `${ctx.basename} ${t.path}`;
    const preload = findPath(
      ctx,
      t => t.path === '/etc/ld.so.preload' && changesFile(ctx, t),
    );
    if (preload) return { severity: 'critical', detail: detail(preload) };
    const hit = findPath(
      ctx,
      t => startsWithAny(t.path, BIN_DIRS) && changesFile(ctx, t),
    );
    return hit ? { detail: detail(hit) } : undefined;
  },
};

function moduleArgSeverity(probe: ProbeInfo): RuleMatch | undefined {
  for (const a of probe.args) {
    if (a.kind !== 'module_arg' || typeof a.value !== 'object' || !a.value)
      continue;
    const m = a.value as {
      name?: string;
      tainted?: string[];
      signature_ok?: boolean;
    };
    const tainted = (m.tainted ?? []).filter(t => t !== 'TAINT_UNSET');
    if (tainted.length > 0 || m.signature_ok === false) {
      return {
        severity: 'critical',
        detail: `module ${m.name ?? '?'} ${
          tainted.length
            ? `taints ${tainted.join(',')}`
            : 'has no valid signature'
        }`,
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
  mitre: {
    id: 'T1547.006',
    name: 'Boot or Logon Autostart Execution: Kernel Modules and Extensions',
  },
  remediation:
    'Confirm the module is expected on this node; drop CAP_SYS_MODULE from pods and enable module signature enforcement.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    const ev = ctx.event;
    if (ev.type === 'process_exec') {
      if (!MODULE_TOOLS.has(ctx.basename)) return undefined;
      return {
        severity: ctx.inContainer ? 'high' : 'medium',
        detail: `${ctx.basename} ${ev.process?.arguments ?? ''}`.trim(),
      };
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
      return {
        severity: 'medium',
        detail: `module request ${String(name ?? '')}`.trim(),
      };
    }
    if (
      fn.startsWith('security_kernel_') &&
      fn.includes('read_file') &&
      intArgs(probe).includes(READING_MODULE)
    ) {
      return { detail: `reads module ${probe.paths[0] ?? ''}`.trim() };
    }
    return undefined;
  },
};

/**
 * The binary executed: the exec hook's `linux_binprm_arg`, the process's binary (an exec, or any
 * probe event of a process that runs from there), else the parent's binary.
 */
function execTarget(
  ctx: DetectionContext,
  test: (path: string) => boolean,
): RuleMatch | undefined {
  const t = executedBinary(ctx);
  if (!t || !test(t.path)) return undefined;
  return {
    detail: t.source === 'parent-binary' ? `${t.path} (parent)` : t.path,
  };
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
    return execTarget(ctx, path => startsWithAny(path, TEMP_DIRS));
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
    return execTarget(
      ctx,
      path =>
        path.startsWith('memfd:') ||
        path.startsWith('/memfd:') ||
        path.endsWith('(deleted)'),
    );
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
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    return execOfSet(PACKAGE_MANAGERS, ctx)
      ? {
          detail: `${ctx.basename} ${
            ctx.event.process?.arguments ?? ''
          }`.trim(),
        }
      : undefined;
  },
};

const compiler: DetectionRule = {
  id: 'compiler-in-container',
  title: 'Compiler run in a running container',
  severity: 'medium',
  mitre: {
    id: 'T1027.004',
    name: 'Obfuscated Files or Information: Compile After Delivery',
  },
  remediation:
    'Build in CI, not in running containers; remove toolchains from runtime images.',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    if (!ctx.inContainer) return undefined;
    const goBuild =
      ctx.basename === 'go' &&
      /^(build|run|install)\b/.test(ctx.event.process?.arguments ?? '');
    return COMPILERS.has(ctx.basename) || goBuild
      ? {
          detail: `${ctx.basename} ${
            ctx.event.process?.arguments ?? ''
          }`.trim(),
        }
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
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    if (!execOfSet(NETWORK_TOOLS, ctx)) return undefined;
    if (ctx.event.process?.pod?.container.maybeExecProbe) return undefined;
    const args = ctx.event.process?.arguments ?? '';
    if (
      ['nc', 'ncat', 'netcat', 'socat'].includes(ctx.basename) &&
      REVERSE_SHELL.test(args)
    ) {
      return {
        severity: 'critical',
        detail: `possible reverse shell: ${ctx.basename} ${args}`,
      };
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
    // Socket arguments; else, for an exec or a network hook without them, the addresses on the
    // command line of a network client (curl 1.2.3.4, sh -c "nc 1.2.3.4 …").
    const client = (args: string) =>
      NETWORK_TOOLS.has(ctx.basename) ||
      (SHELLS.has(ctx.basename) &&
        /\b(nc|ncat|curl|wget|ssh|scp|sftp|rsync|socat|telnet)\b/.test(args));
    const r = remoteAddressesOf(ctx, client).find(
      a => !isInternal(ctx, a.address),
    );
    if (!r) return undefined;
    const outside = r.port !== undefined ? `${r.address}:${r.port}` : r.address;
    return {
      severity: ctx.inContainer ? 'high' : 'medium',
      detail: `${ctx.basename} -> ${outside}`,
    };
  },
};

const archiver: DetectionRule = {
  id: 'archive-tool-in-container',
  title: 'Archiving tool run in a container (data staging)',
  severity: 'low',
  mitre: {
    id: 'T1560.001',
    name: 'Archive Collected Data: Archive via Utility',
  },
  remediation:
    'Check what was archived and whether it left the pod (look for egress findings).',
  eventTypes: EXEC_AND_PROBES,
  source: 'builtin',
  match(ctx) {
    return execOfSet(ARCHIVERS, ctx)
      ? {
          detail: `${ctx.basename} ${
            ctx.event.process?.arguments ?? ''
          }`.trim(),
        }
      : undefined;
  },
};

const policyBlocked: DetectionRule = {
  id: 'policy-enforcement-blocked',
  title: 'Blocked by a Tetragon policy (Sigkill / Override / Signal)',
  severity: 'high',
  mitre: {
    id: 'TA0002',
    name: 'Execution (attempt blocked; technique depends on the policy)',
  },
  remediation:
    'The action was prevented; find out why the workload attempted it (compromise or a policy too strict for it).',
  eventTypes: PROBES,
  source: 'builtin',
  outcome: 'blocked',
  match(ctx) {
    const probe = ctx.event.probe!;
    const action = [probe.action, probe.returnAction].find(
      a => a !== undefined && BLOCKING_ACTIONS.has(a),
    );
    if (!action) return undefined;
    return {
      detail: `${probe.policy ?? 'unnamed policy'}: ${action.replace(
        'KPROBE_ACTION_',
        '',
      )} on ${probe.function}`,
    };
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
    return t.type === 'THROTTLE_START'
      ? { detail: `cgroup ${t.cgroup}` }
      : undefined;
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

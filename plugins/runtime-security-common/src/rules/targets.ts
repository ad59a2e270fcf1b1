/**
 * Where a rule finds the file path, address or binary an event is about, whatever shape the
 * event has. Tetragon exports carry the same behaviour in different shapes: a kprobe or LSM
 * event with structured `args` (file_arg, path_arg, linux_binprm_arg, sock_arg, string_arg…),
 * the same hook without `args` (older agents, policies without `args:`, exporters that drop
 * them), or only the `process_exec` of the command. The rules ask these helpers instead of one
 * field, so they find the target in each shape:
 *
 * 1. the probe's arguments (paths and socket addresses);
 * 2. when the probe carried no path (or no address) argument and its hook is a file (or
 *    network) hook, and for every `process_exec`: the process's command line;
 * 3. when the event itself names none: the parent's command line (`sh -c "cat </etc/shadow"`).
 *
 * Binaries are the probe's `linux_binprm_arg` (exec hooks), the process's binary, and, when the
 * process carries none, its parent's.
 */
import type {
  ProbeInfo,
  ProcessInfo,
  RemoteAddress,
  RuntimeEvent,
} from '../events/types';
import { ipv4Literals } from './net';
import type { DetectionContext } from './types';

/** Where in the event a target was found. */
export type TargetSource =
  | 'args'
  | 'arguments'
  | 'parent-arguments'
  | 'binary'
  | 'parent-binary';

/** A path (or binary) and where it came from. */
export interface PathTarget {
  path: string;
  source: TargetSource;
}

/** Hooks that act on a file (kprobes, LSM hooks, syscalls): judged by the command line when they carry no path. */
const FILE_HOOK =
  /(^|_)(file_open|file_permission|file_truncate|file_ioctl|mmap_file|fd_install|do_truncate|vfs_|path_|inode_|sys_(open|openat|openat2|creat|read|pread64|readv|write|pwrite64|writev|truncate|ftruncate|rename|renameat2?|unlink|unlinkat|link|linkat|symlink|symlinkat|chmod|fchmod|fchmodat2?|chown|fchown|fchownat|lchown|mknod|mknodat|utimensat|setxattr|lsetxattr|fsetxattr|sendfile64|splice)$)|^(security_file_|security_path_|security_inode_|file_|path_|inode_|bprm_check|bprm_creds)|^(do_sys_open|do_filp_open|filp_open|vfs_open|vfs_read|vfs_write|generic_permission|may_open)$/;

/** Hooks that open a network connection or send data: judged by the command line when they carry no socket. */
const NET_HOOK =
  /(^|_)(tcp_connect|tcp_v[46]_connect|tcp_sendmsg|udp_sendmsg|inet_csk_accept|ip_output|sys_connect|sys_sendto|sys_sendmsg|socket_connect|socket_sendmsg|sk_alloc)$|^(security_socket_connect|security_socket_sendmsg|tcp_connect|tcp_sendmsg|udp_sendmsg|__sys_connect|inet_stream_connect)$/;

/** Whether a probe's hook acts on a file (by its name). */
function isFileHook(fn: string): boolean {
  return FILE_HOOK.test(fn);
}

/** Whether a probe's hook opens or uses a network connection (by its name). */
function isNetworkHook(fn: string): boolean {
  return NET_HOOK.test(fn);
}

const PATH_ARG_KINDS = new Set(['file_arg', 'path_arg', 'linux_binprm_arg']);

/** The probe carried a path argument (a file, path or binprm, or a string that is a path). */
function hasPathArg(probe: ProbeInfo): boolean {
  return (
    probe.paths.length > 0 || probe.args.some(a => PATH_ARG_KINDS.has(a.kind))
  );
}

const SOCK_ARG_KINDS = new Set(['sock_arg', 'skb_arg', 'sockaddr_arg']);

function hasSockArg(probe: ProbeInfo): boolean {
  return (
    probe.remoteAddresses.length > 0 ||
    probe.args.some(a => SOCK_ARG_KINDS.has(a.kind))
  );
}

/** Removes `.` and `..` segments of an absolute path. */
function normalizePath(p: string): string {
  if (!p.includes('/.')) return p;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}${p.endsWith('/') && out.length ? '/' : ''}`;
}

/** Token separators of a command line: blanks, quotes, shell operators, `=` of `--file=/x` / `if=/x`. */
const TOKEN_SPLIT = /[\s"'`;|&<>()=,{}]+/;

/**
 * The words of a command line that name files: absolute paths, `~/…`, and relative paths
 * resolved against `cwd` (a bare word counts only when it has a `/` or `cwd` is given).
 * Options (`-x`), URLs and `user@host:path` remote paths are left out.
 */
export function commandLinePaths(args: string, cwd?: string): string[] {
  if (args === '') return [];
  const out: string[] = [];
  let base: string | undefined;
  if (cwd && cwd.startsWith('/')) base = cwd.endsWith('/') ? cwd : `${cwd}/`;
  for (const word of args.split(TOKEN_SPLIT)) {
    if (word === '' || word.startsWith('-') || word.includes('://')) continue;
    if (word.charCodeAt(0) === 47 /* / */) {
      out.push(normalizePath(word));
    } else if (word.startsWith('~/') || word.startsWith('~root/')) {
      out.push(word);
    } else if (/^[\w.@+-]+@[\w.-]+:/.test(word)) {
      continue;
    } else if (base && /^[\w.~+-][\w.~+/@-]*$/.test(word)) {
      out.push(normalizePath(`${base}${word}`));
    }
  }
  return out;
}

/** Facts about one event, computed once per event when a rule first asks. */
interface Facts {
  commandPaths?: string[];
  parentCommandPaths?: string[];
}

const FACTS = new WeakMap<RuntimeEvent, Facts>();

function factsOf(ev: RuntimeEvent): Facts {
  let f = FACTS.get(ev);
  if (!f) {
    f = {};
    FACTS.set(ev, f);
  }
  return f;
}

function ownCommandPaths(ev: RuntimeEvent): string[] {
  const f = factsOf(ev);
  if (!f.commandPaths) {
    const p = ev.process;
    f.commandPaths = p ? commandLinePaths(p.arguments, p.cwd) : [];
  }
  return f.commandPaths;
}

function parentCommandPaths(ev: RuntimeEvent): string[] {
  const f = factsOf(ev);
  if (!f.parentCommandPaths) {
    const p: ProcessInfo | undefined = ev.parent;
    // The parent's working directory is not the file's: only absolute paths count.
    f.parentCommandPaths = p ? commandLinePaths(p.arguments) : [];
  }
  return f.parentCommandPaths;
}

/**
 * Whether the event's own command line is evidence of the file it touched: always for an exec;
 * for a probe only when the probe carried no path argument and its hook acts on files.
 */
export function commandLineIsEvidence(ev: RuntimeEvent): boolean {
  if (ev.type === 'process_exec') return true;
  const probe = ev.probe;
  if (!probe) return false;
  return !hasPathArg(probe) && isFileHook(probe.function);
}

/**
 * The first path of the event that passes `test`, looked up in the probe's arguments, then the
 * command line (see {@link commandLineIsEvidence}), then the parent's command line.
 */
export function findPath(
  ctx: DetectionContext,
  test: (t: PathTarget) => boolean,
): PathTarget | undefined {
  const ev = ctx.event;
  const probe = ev.probe;
  if (probe && hasPathArg(probe)) {
    for (const path of probe.paths) {
      const t: PathTarget = { path, source: 'args' };
      if (test(t)) return t;
    }
    return undefined;
  }
  if (!commandLineIsEvidence(ev)) return undefined;
  for (const path of ownCommandPaths(ev)) {
    const t: PathTarget = { path, source: 'arguments' };
    if (test(t)) return t;
  }
  for (const path of parentCommandPaths(ev)) {
    const t: PathTarget = { path, source: 'parent-arguments' };
    if (test(t)) return t;
  }
  return undefined;
}

/**
 * The binary the event executed or runs: the exec hook's `linux_binprm_arg`, the process's
 * binary, else (a process without one) its parent's.
 */
export function executedBinary(ctx: DetectionContext): PathTarget | undefined {
  const ev = ctx.event;
  const fn = ev.probe?.function ?? '';
  if (
    (fn.includes('bprm_check') || fn.includes('bprm_creds')) &&
    ev.probe!.paths.length > 0
  ) {
    return { path: ev.probe!.paths[0], source: 'args' };
  }
  if (ev.process?.binary) return { path: ev.process.binary, source: 'binary' };
  if (ev.parent?.binary)
    return { path: ev.parent.binary, source: 'parent-binary' };
  return undefined;
}

/**
 * Remote addresses of the event: the probe's socket arguments; for a probe on a network hook
 * without socket arguments, and for an exec, the IPv4 literals of the command line when
 * `commandIsNetworkClient` says the command connects somewhere.
 */
export function remoteAddressesOf(
  ctx: DetectionContext,
  commandIsNetworkClient: (args: string) => boolean,
): Array<RemoteAddress & { source: TargetSource }> {
  const ev = ctx.event;
  const probe = ev.probe;
  if (probe && hasSockArg(probe))
    return probe.remoteAddresses.map(a => ({ ...a, source: 'args' as const }));
  if (probe && !isNetworkHook(probe.function)) return [];
  if (!probe && ev.type !== 'process_exec') return [];
  const args = ev.process?.arguments ?? '';
  if (!commandIsNetworkClient(args)) return [];
  return ipv4Literals(args).map(address => ({
    address,
    source: 'arguments' as const,
  }));
}

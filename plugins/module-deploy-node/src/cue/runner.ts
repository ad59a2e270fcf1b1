import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValuesIssue } from '@periscope/backstage-plugin-module-deploy-common';

/**
 * Raised when CUE rejects a module or values; carries the issues by field path.
 *
 * @public
 */
export class CueEvaluationError extends Error {
  constructor(
    readonly what: string,
    readonly issues: ValuesIssue[],
    readonly raw: string,
  ) {
    super(
      `${what}:\n${
        issues.length
          ? issues
              .map(
                i =>
                  `  ${
                    i.valuesPath !== undefined
                      ? `values.${i.valuesPath}`
                      : i.path
                  }: ${i.message}`,
              )
              .join('\n')
          : `  ${raw.trim()}`
      }`,
    );
    this.name = 'CueEvaluationError';
  }
}

/** Output of one process run. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * The whole environment `cue` runs with: `PATH` and `LANG` from the backend, `HOME`,
 * `CUE_CACHE_DIR` and `CUE_CONFIG_DIR` inside the throw-away directory `home`, and
 * `CUE_REGISTRY=none` so that a module cannot make cue fetch dependencies from the network.
 * Nothing else of the backend's environment (database passwords, tokens, cloud credentials)
 * reaches cue.
 *
 * @public
 */
export function cueEnv(
  home: string,
  from: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    PATH: from.PATH || '/usr/local/bin:/usr/bin:/bin',
    LANG: from.LANG || 'C.UTF-8',
    HOME: home,
    CUE_CACHE_DIR: join(home, 'cache'),
    CUE_CONFIG_DIR: join(home, 'config'),
    CUE_REGISTRY: 'none',
  };
}

/**
 * Runs a binary without a shell and collects its output (non-zero exit is returned, not thrown).
 * Without `opts.env` it runs with {@link cueEnv} around a fresh temporary home (removed after),
 * never with the backend's own environment; pass `env` to choose another one.
 *
 * @public
 */
export async function runProcess(
  bin: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  const release = await processSlot();
  try {
    if (opts.env) return await execProcess(bin, args, opts, opts.env);
    const home = await mkdtemp(join(tmpdir(), 'periscope-cue-home-'));
    try {
      return await execProcess(bin, args, opts, cueEnv(home));
    } finally {
      await rm(home, { recursive: true, force: true }).catch(() => undefined);
    }
  } finally {
    release();
  }
}

let processLimit = 4;
let processesRunning = 0;
const processWaiters: Array<() => void> = [];

/**
 * At most this many `cue` (and other tool) processes run at once in this backend
 * (`moduleDeploy.maxConcurrentRenders`, default 4); the others wait their turn, so a burst of
 * previews cannot exhaust the machine.
 * @public
 */
export function setMaxConcurrentProcesses(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(
      `the process limit must be a whole number of at least 1, not ${limit}: check moduleDeploy.maxConcurrentRenders`,
    );
  }
  processLimit = limit;
  while (processesRunning < processLimit && processWaiters.length) {
    processesRunning++;
    processWaiters.shift()!();
  }
}

/** Processes running now (tests). @public */
export function runningProcesses(): number {
  return processesRunning;
}

async function processSlot(): Promise<() => void> {
  if (processesRunning < processLimit) processesRunning++;
  else await new Promise<void>(resolve => processWaiters.push(resolve)); // the releaser counted us in
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = processWaiters.shift();
    if (next) next(); // hand the slot over: the count stays
    else processesRunning--;
  };
}

function execProcess(
  bin: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number },
  env: NodeJS.ProcessEnv,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
        env,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(new Error(`could not run ${bin}: ${err.message}`));
          return;
        }
        if (err && err.killed) {
          reject(
            new Error(
              `${bin} ${args[0]} timed out after ${
                opts.timeoutMs ?? 120_000
              } ms`,
            ),
          );
          return;
        }
        let code = 0;
        if (err) code = typeof err.code === 'number' ? err.code : 1;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}

const LABEL = String.raw`(?:[A-Za-z_#$][\w$#-]*|"(?:[^"\\]|\\.)*"|\d+)`;
const HEAD_RE = new RegExp(String.raw`^(${LABEL}(?:\.${LABEL})*): (.*?):?$`);

/** Prefixes that locate a field inside the instance config built from `values`. */
const CONFIG_PREFIXES = ['timoni.instance.config.', 'values.'];

function valuesPathOf(path: string): string | undefined {
  for (const p of CONFIG_PREFIXES)
    if (path.startsWith(p)) return path.slice(p.length);
  return undefined;
}

/**
 * cue runs with `CUE_REGISTRY=none` (see {@link cueEnv}): an import of a CUE module dependency
 * that is not in the module fails. Says why, and what to do.
 */
function withRemoteImportHint(message: string): string {
  const m =
    /import failed: cannot find package "([^"]+)": (?:cannot fetch ([^:\s]+)|cannot find module providing package)/.exec(
      message,
    );
  if (!m) return message;
  return `${message}: the module imports ${
    m[2] ?? m[1]
  }, a CUE module dependency it does not contain; Periscope runs cue without network access to module registries (CUE_REGISTRY=none), so vendor the package into the module (cue.mod/pkg/${
    m[1]
  }) or remove the dependency from cue.mod/module.cue before publishing it`;
}

/**
 * Parses CUE's error output (`path: message:` followed by indented positions) into issues.
 * Lines without a field path become issues with an empty path.
 *
 * @public
 */
export function parseCueErrors(stderr: string): ValuesIssue[] {
  const issues: ValuesIssue[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.trim()) continue;
    if (/^\s/.test(line)) {
      const last = issues[issues.length - 1];
      if (last) last.positions.push(line.trim());
      continue;
    }
    const m = HEAD_RE.exec(line);
    if (m) {
      issues.push({
        path: m[1],
        valuesPath: valuesPathOf(m[1]),
        message: withRemoteImportHint(m[2]),
        positions: [],
      });
    } else {
      issues.push({
        path: '',
        message: withRemoteImportHint(line.replace(/:$/, '')),
        positions: [],
      });
    }
  }
  return condenseIssues(issues);
}

/**
 * CUE reports one failure once per path that reaches it (values, the instance config, every
 * template's copy), plus disjunction noise. Keep the issues about the values when there are
 * any (else about the config, else all), one per path and message, and per path drop
 * `N errors in empty disjunction` and the `conflicting values <default> and <x>` lines that
 * accompany a more specific `invalid value` message.
 *
 * @public
 */
export function condenseIssues(all: ValuesIssue[]): ValuesIssue[] {
  const byValues = all.filter(i => i.path.startsWith('values.'));
  const byConfig = all.filter(i =>
    i.path.startsWith('timoni.instance.config.'),
  );
  let picked = all;
  if (byValues.length) picked = byValues;
  else if (byConfig.length) picked = byConfig;
  picked = picked.filter(
    i => !/^\d+ errors in empty disjunction:?$/.test(i.message),
  );
  const specific = new Set(
    picked.filter(i => /^invalid value /.test(i.message)).map(i => i.path),
  );
  picked = picked.filter(
    i => !(specific.has(i.path) && /^conflicting values /.test(i.message)),
  );
  const seen = new Set<string>();
  const out = picked.filter(i => {
    const k = `${i.valuesPath ?? i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return out.length ? out : all.slice(0, 20);
}

/**
 * Runs `cue export` and parses the JSON, or throws {@link CueEvaluationError}.
 *
 * @public
 */
export async function cueExportJson(
  cueBin: string,
  args: string[],
  cwd: string,
  what: string,
): Promise<unknown> {
  const res = await runProcess(cueBin, ['export', ...args, '--out', 'json'], {
    cwd,
  });
  if (res.code !== 0) {
    throw new CueEvaluationError(what, parseCueErrors(res.stderr), res.stderr);
  }
  try {
    return JSON.parse(res.stdout);
  } catch (e) {
    throw new Error(
      `${what}: cue export printed output that is not JSON (${
        (e as Error).message
      })`,
    );
  }
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { homedir } from 'node:os';

/**
 * External binaries the engine can drive.
 *
 * @public
 */
export type ToolName = 'cue' | 'timoni';

/**
 * Where to look for binaries: explicit paths win, then env, then the Periscope cache, then PATH.
 *
 * @public
 */
export interface ToolConfig {
  cueBin?: string;
  timoniBin?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Raised when a required binary cannot be found.
 *
 * @public
 */
export class MissingToolError extends Error {
  constructor(readonly tool: ToolName, searched: string[]) {
    super(
      `the '${tool}' binary was not found (looked in: ${searched.join(
        ', ',
      )}). ` +
        `Build the pinned tools with ./scripts/build-tools (they land in $PERISCOPE_CACHE/kube/<hash>/bin), ` +
        `or set ${envName(tool)} to the binary's path.`,
    );
    this.name = 'MissingToolError';
  }
}

function envName(tool: ToolName): string {
  return tool === 'cue' ? 'PERISCOPE_CUE_BIN' : 'PERISCOPE_TIMONI_BIN';
}

function isExecutableFile(p: string): boolean {
  try {
    const st = statSync(p);
    // eslint-disable-next-line no-bitwise
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function cacheCandidates(tool: ToolName, env: NodeJS.ProcessEnv): string[] {
  const cache =
    env.PERISCOPE_CACHE || join(env.HOME || homedir(), '.cache', 'periscope');
  const kube = join(cache, 'kube');
  if (!existsSync(kube)) return [];
  return readdirSync(kube)
    .map(d => join(kube, d, 'bin', tool))
    .filter(p => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

/**
 * Returns the path of a tool binary, or undefined when it cannot be found.
 *
 * @public
 */
export function findTool(
  tool: ToolName,
  config: ToolConfig = {},
): string | undefined {
  try {
    return resolveTool(tool, config);
  } catch (e) {
    if (e instanceof MissingToolError) return undefined;
    throw e;
  }
}

/**
 * Returns the path of a tool binary: the config value, then `PERISCOPE_CUE_BIN` /
 * `PERISCOPE_TIMONI_BIN`, then the newest `$PERISCOPE_CACHE/kube/<hash>/bin/<tool>`, then PATH.
 * Throws {@link MissingToolError} naming every place it looked.
 *
 * @public
 */
export function resolveTool(tool: ToolName, config: ToolConfig = {}): string {
  const env = config.env ?? process.env;
  const explicit = tool === 'cue' ? config.cueBin : config.timoniBin;
  const fromEnv = env[envName(tool)];
  const searched: string[] = [];
  for (const [label, p] of [
    ['config', explicit],
    [envName(tool), fromEnv],
  ] as const) {
    if (!p) continue;
    if (!isExecutableFile(p)) {
      throw new Error(
        `${label} points the '${tool}' binary at ${p}, which is not an executable file`,
      );
    }
    return p;
  }
  const cached = cacheCandidates(tool, env).filter(isExecutableFile);
  searched.push('$PERISCOPE_CACHE/kube/*/bin');
  if (cached.length) return cached[0];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, tool);
    if (isExecutableFile(p)) return p;
  }
  searched.push('PATH');
  throw new MissingToolError(tool, [envName(tool), ...searched]);
}

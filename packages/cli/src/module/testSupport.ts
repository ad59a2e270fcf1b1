import { dirname, join } from 'node:path';
import { Command } from 'commander';
import {
  createModuleEngine,
  findTool,
} from '@periscope/backstage-plugin-module-deploy-backend/engine';
import { loadKubeConfig, registerModuleCommand } from '../commands/module';
import { ModuleCliIo } from './actions';

/** Runs `periscope module <args>` in-process with the real engine; returns what it printed. */
export async function runModuleCli(
  args: string[],
  io: Partial<ModuleCliIo> = {},
): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const full: ModuleCliIo = {
    out: s => {
      out += s;
    },
    err: s => {
      err += s;
    },
    engine: createModuleEngine(),
    kubeConfig: loadKubeConfig,
    ...io,
  };
  const program = new Command('periscope')
    .exitOverride()
    .configureOutput({ writeErr: s => (err += s), writeOut: s => (out += s) });
  registerModuleCommand(program, () => full);
  await program.parseAsync(['module', ...args], { from: 'user' });
  return { out, err };
}

/** The engine's test fixtures (bundles, modules), in the backend package's sources. */
export const ENGINE_FIXTURES = join(
  dirname(
    require.resolve(
      '@periscope/backstage-plugin-module-deploy-backend/package.json',
    ),
  ),
  'src/engine/__fixtures__',
);

/**
 * `describe` for tests that need the cue binary and, with `cluster`, the local control plane
 * ($PERISCOPE_KUBECONFIG); `describe.skip` otherwise, with the reason printed.
 */
export function describeWith(what: string, cluster = false): jest.Describe {
  let missing: string | undefined;
  if (cluster && !process.env.PERISCOPE_KUBECONFIG)
    missing = 'PERISCOPE_KUBECONFIG is unset (run ./scripts/cluster up)';
  if (!findTool('cue'))
    missing =
      'no cue binary (set PERISCOPE_CUE_BIN or run ./scripts/build-tools)';
  if (!missing) return describe;
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${what}: ${missing}`);
  return describe.skip;
}

import { dirname, join } from 'node:path';
import { Command } from 'commander';
import {
  createModuleEngine,
  findTool,
} from '@periscope/backstage-plugin-module-deploy-node';
import { loadKubeConfig, registerModuleCommand } from '../commands/module';
import { ModuleCliIo } from '../module/actions';
// test code only (imported by *.test.ts files), so a dev dependency is right
// eslint-disable-next-line @backstage/no-undeclared-imports
import { SuiteFn, describeIf } from '@periscope/test-utils';

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

/** The engine's test fixtures (bundles, modules), in the module-deploy-node package's sources. */
export const ENGINE_FIXTURES = join(
  dirname(
    require.resolve(
      '@periscope/backstage-plugin-module-deploy-node/package.json',
    ),
  ),
  'src/__fixtures__',
);

/**
 * `describe` for tests that need the cue binary and, with `cluster`, the local control plane
 * ($PERISCOPE_KUBECONFIG); skipped otherwise, naming what is missing.
 */
export function describeWith(cluster = false): SuiteFn {
  return describeIf({
    cue: findTool('cue'),
    ...(cluster ? { kubeconfig: process.env.PERISCOPE_KUBECONFIG } : {}),
  });
}

import { Command } from 'commander';
import { createModuleEngine } from '@periscope/backstage-plugin-module-deploy-backend/engine';
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

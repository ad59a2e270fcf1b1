import { Command, CommanderError } from 'commander';
import { registerDiagnoseCommand } from './commands/diagnose';
import { registerModuleCommand } from './commands/module';
import { registerSecurityCommand } from './commands/security';

/**
 * Builds the `periscope` command tree.
 * @public
 */
export function createProgram(): Command {
  const program = new Command('periscope')
    .description(
      'Periscope: Kubernetes diagnostics, Timoni module deploys and Tetragon runtime security, offline for CI',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerDiagnoseCommand(program);
  registerModuleCommand(program);
  registerSecurityCommand(program);
  return program;
}

/**
 * Runs the CLI and returns the exit code: usage errors and failures print one clear line
 * to stderr and give 1 (2 for usage).
 * @public
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = createProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message
      return e.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`periscope: ${(e as Error).message}\n`);
    return 1;
  }
}

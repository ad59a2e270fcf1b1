import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findTool } from './tools';

function repoRoot(): string {
  let dir = process.cwd();
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'plugins')) && existsSync(join(dir, 'packages')))
      return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The reference corpora: `$PERISCOPE_CORPORA`, else `../shared/corpora` next to the checkout. */
export const CORPORA =
  process.env.PERISCOPE_CORPORA ?? resolve(repoRoot(), '../shared/corpora');

/** Path of a Timoni corpus file. */
export function timoniCorpus(...parts: string[]): string {
  return resolve(CORPORA, 'timoni', ...parts);
}

/** The cue binary, or undefined with a printed reason (tests then skip). */
export function cueForTests(): string | undefined {
  const cue = findTool('cue');
  if (!cue) {
    // eslint-disable-next-line no-console
    console.warn(
      'SKIPPED: no cue binary (set PERISCOPE_CUE_BIN or run ./scripts/build-tools)',
    );
  }
  if (!existsSync(timoniCorpus('modules', 'minimal'))) {
    // eslint-disable-next-line no-console
    console.warn(
      `SKIPPED: Timoni corpus not found under ${CORPORA} (set PERISCOPE_CORPORA)`,
    );
    return undefined;
  }
  return cue;
}

/**
 * The kubeconfig of the local control plane for integration tests ($PERISCOPE_KUBECONFIG), or
 * undefined with the reason printed (the tests then skip).
 */
export function kubeconfigForTests(what: string): string | undefined {
  const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
  if (!kubeconfig) {
    // eslint-disable-next-line no-console
    console.warn(
      `SKIPPED ${what}: PERISCOPE_KUBECONFIG is unset (run ./scripts/cluster up and export its kubeconfig path)`,
    );
  }
  return kubeconfig;
}

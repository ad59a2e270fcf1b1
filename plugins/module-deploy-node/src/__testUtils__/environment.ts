import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findTool } from '../tools';

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

/** The Timoni corpus folder when it is there (`describeIf({ corpora: TIMONI_CORPUS })`). */
export const TIMONI_CORPUS = existsSync(timoniCorpus('modules', 'minimal'))
  ? timoniCorpus()
  : undefined;

/** The cue binary, or undefined (tests then skip, naming it, through `describeIf`). */
export function cueForTests(): string | undefined {
  return findTool('cue');
}

/** The kubeconfig of the local control plane ($PERISCOPE_KUBECONFIG), or undefined. */
export function kubeconfigForTests(): string | undefined {
  return process.env.PERISCOPE_KUBECONFIG || undefined;
}

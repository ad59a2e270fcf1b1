/* Test-only helpers: the Tetragon reference corpus, re-labelled onto the example entity. Not exported. */
import fs from 'node:fs';
import path from 'node:path';

/** The reference corpora: `$PERISCOPE_CORPORA`, else `../shared/corpora` next to the checkout. */
// Test-only: the corpus sits next to the checkout, found relative to this source file.
export const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  // eslint-disable-next-line no-restricted-syntax
  path.resolve(__dirname, '../../../../..', 'shared/corpora');
export const EVENTS_DIR = path.join(CORPORA, 'tetragon', 'events');
export const POLICIES_DIR = path.join(CORPORA, 'tetragon', 'tracingpolicies');

/** Lines of the corpus event files (current types only, no legacy or malformed files). */
export function corpusLines(): string[] {
  if (!fs.existsSync(EVENTS_DIR)) {
    throw new Error(
      `no Tetragon corpus at ${EVENTS_DIR}: check out ../shared/corpora or set PERISCOPE_CORPORA`,
    );
  }
  return fs
    .readdirSync(EVENTS_DIR)
    .filter(f => f.startsWith('process_') && f.endsWith('.jsonl'))
    .sort()
    .flatMap(f => fs.readFileSync(path.join(EVENTS_DIR, f), 'utf8').split('\n'))
    .filter(l => l.trim());
}

/** Every file of the malformed / legacy inputs. */
export function corpusBadLines(): string[] {
  return fs
    .readdirSync(EVENTS_DIR)
    .filter(f => !f.startsWith('process_') || !f.endsWith('.jsonl'))
    .flatMap(f => fs.readFileSync(path.join(EVENTS_DIR, f), 'utf8').split('\n'))
    .filter(l => l.trim());
}

/**
 * Moves every pod of a corpus line into `namespace`, as pods of `workload`
 * labelled `backstage.io/kubernetes-id=<entity>` (what the example catalog uses).
 */
export function relabel(
  line: string,
  target: { namespace: string; workload: string; entity: string },
): string {
  const obj = JSON.parse(line);
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (
      o.pod &&
      typeof o.pod === 'object' &&
      typeof o.pod.namespace === 'string'
    ) {
      const suffix = String(o.pod.name ?? 'x')
        .split('-')
        .pop();
      o.pod.namespace = target.namespace;
      o.pod.name = `${target.workload}-7d9c6b5f4-${suffix}`;
      o.pod.workload = target.workload;
      o.pod.workload_kind = 'Deployment';
      o.pod.pod_labels = {
        ...(o.pod.pod_labels ?? {}),
        app: target.workload,
        'backstage.io/kubernetes-id': target.entity,
      };
    }
    for (const child of Object.values(o)) visit(child);
  };
  visit(obj);
  return JSON.stringify(obj);
}

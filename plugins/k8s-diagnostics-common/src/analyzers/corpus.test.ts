/**
 * Runs every k8sgpt analyzer case of the reference corpus (shared/corpora/k8sgpt/cases): doc 1
 * is the expectation, docs 2..n the objects k8sgpt's Go test loads into its fake client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { analyze } from '../analyze';
import { KubeObject } from '../model';
import { createSnapshot } from '../snapshot';

interface ExpectedResult {
  kind: string;
  name: string;
  failureCount: number;
  texts: string[];
}

interface CaseExpectation {
  analyzer: string;
  config: { namespace?: string | null; labelSelector?: string | null };
  resultCount: number;
  results: ExpectedResult[];
  notes?: string[];
}

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  path.resolve(__dirname, '../../../../..', 'shared/corpora');
const CASES_DIR = path.join(CORPORA, 'k8sgpt', 'cases');

/**
 * Cases that pass in Go only because client-go's fake clientset ignores the field selector
 * `involvedObject.name=<name>`: their events have no involvedObject, so a real API server
 * (and Periscope, which matches events by involvedObject.name) never ties them to the object.
 */
const hasFakeClientFieldSelectorQuirk = (c: CaseExpectation) =>
  (c.notes ?? []).some(n => n.includes('ignores FieldSelector'));

/** Texts in Go map order (PDB matchLabels, Service selector) are compared as sets. */
const isInMapOrder = (c: CaseExpectation) =>
  (c.notes ?? []).some(n => /map/i.test(n)) ||
  c.analyzer === 'PodDisruptionBudget';

/** What Periscope finds in the quirk cases: nothing event-based, as on a real API server. */
const QUIRK_OUTCOMES: Record<string, Array<[string, string[]]>> = {
  'pvc-1.yaml': [],
  'pvc-5.yaml': [],
  'job-5.yaml': [['default/backoff-job', ['Job backoff-job has failed']]],
};

const NUL_PLACEHOLDER = /^<GENERATE: (\d+) NUL .*>$/;

function loadCase(file: string): {
  expect: CaseExpectation;
  objects: KubeObject[];
} {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
  const [first, ...rest] = docs.map(d => d.toJS());
  const objects = rest.filter(Boolean) as KubeObject[];
  for (const o of objects) {
    const data = (o as { data?: Record<string, string> }).data;
    for (const [k, v] of Object.entries(data ?? {})) {
      const m = NUL_PLACEHOLDER.exec(String(v));
      if (m) data![k] = '\u0000'.repeat(Number(m[1]));
    }
  }
  return { expect: first.expect as CaseExpectation, objects };
}

function run(c: CaseExpectation, objects: KubeObject[]) {
  return analyze(createSnapshot(objects), {
    filters: [c.analyzer],
    namespace: c.config?.namespace ?? undefined,
    selector: c.config?.labelSelector ?? '',
    maskSeed: 'corpus',
  });
}

const byName = <T extends { name: string }>(a: T, b: T) => {
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
};

/** Our results and the case's expectation, in comparable form. */
function outcome(c: CaseExpectation, objects: KubeObject[]) {
  const report = run(c, objects);
  const actual = report.results
    .map(r => ({
      kind: r.kind,
      name: r.name,
      failureCount: r.failures.length,
      texts: r.failures.map(f => f.text),
    }))
    .sort(byName);
  const expected = c.results
    .map(r => ({
      kind: r.kind,
      name: r.name,
      failureCount: r.failureCount,
      texts: [...r.texts],
    }))
    .sort(byName);
  if (isInMapOrder(c)) {
    actual.forEach(r => r.texts.sort());
    expected.forEach(r => r.texts.sort());
  }
  return { actual, expected, errors: report.errors };
}

/** Gives every event of the namespace a copy pointing at each expected result's object. */
function withInvolvedObjects(
  c: CaseExpectation,
  objects: KubeObject[],
): KubeObject[] {
  const events = objects.filter(o => o.kind === 'Event');
  const copies = c.results.flatMap(r => {
    const [ns, name] = r.name.split('/');
    return events
      .filter(e => e.metadata.namespace === ns)
      .map(e => ({
        ...e,
        metadata: { ...e.metadata, name: `${e.metadata.name}-${name}` },
        involvedObject: { kind: r.kind, name, namespace: ns },
      }));
  });
  return [...objects.filter(o => o.kind !== 'Event'), ...copies];
}

const files = fs.existsSync(CASES_DIR)
  ? fs
      .readdirSync(CASES_DIR)
      .filter(f => f.endsWith('.yaml'))
      .sort()
  : [];

describe('k8sgpt analyzer corpus', () => {
  it('finds the corpus', () => {
    if (files.length === 0) {
      throw new Error(
        `no k8sgpt cases in ${CASES_DIR}: check out the shared corpora next to the repository ` +
          `(../shared/corpora) or set PERISCOPE_CORPORA to the corpora folder`,
      );
    }
    expect(files.length).toBeGreaterThanOrEqual(138);
  });

  describe.each(files)('%s', file => {
    const { expect: c, objects } = loadCase(path.join(CASES_DIR, file));

    if (!hasFakeClientFieldSelectorQuirk(c)) {
      it(`${c.analyzer}: matches k8sgpt's results and texts`, () => {
        const { actual, expected, errors } = outcome(c, objects);
        expect(errors).toEqual([]);
        expect(actual).toEqual(expected);
        expect(actual).toHaveLength(c.resultCount);
      });
      return;
    }

    it(`${c.analyzer}: events without involvedObject are not tied to the object (fake-client quirk)`, () => {
      const report = run(c, objects);
      expect(
        report.results.map(r => [r.name, r.failures.map(f => f.text)]),
      ).toEqual(QUIRK_OUTCOMES[file]);
    });

    it(`${c.analyzer}: matches k8sgpt once the events name their object`, () => {
      const { actual, expected, errors } = outcome(
        c,
        withInvolvedObjects(c, objects),
      );
      expect(errors).toEqual([]);
      expect(actual).toEqual(expected);
    });
  });
});

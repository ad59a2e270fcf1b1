import fs from 'node:fs';
import path from 'node:path';
import { analyze } from './analyze';
import { KubeObject } from './model';
import { formatGoJson, formatText, toK8sgptJson } from './output';
import { createSnapshot } from './snapshot';

const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  path.resolve(__dirname, '../../../..', 'shared/corpora');
const OUTPUT_DIR = path.join(CORPORA, 'k8sgpt', 'analyze-output');

function readCorpus(file: string): string {
  const p = path.join(OUTPUT_DIR, file);
  if (!fs.existsSync(p)) {
    throw new Error(
      `missing ${p}: set PERISCOPE_CORPORA to the shared corpora folder`,
    );
  }
  return fs.readFileSync(p, 'utf8');
}

const toNowhere: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'to-nowhere', namespace: 'default' },
    spec: { selector: { app: 'to-nowhere' } },
  },
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'to-nowhere', namespace: 'default' },
  },
];

/** Replaces values that differ by design (random masks, AI text) by their shape. */
function shape(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map(x => shape(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, shape(x, k)]),
    );
  }
  if (key === 'Masked')
    return `<base64 of ${Buffer.from(String(v), 'base64').length} bytes>`;
  if (key === 'details') return '<AI explanation>';
  return v;
}

describe('k8sgpt JSON output', () => {
  it("prints exactly k8sgpt's empty OK document", () => {
    const report = analyze(createSnapshot([]));
    expect(formatGoJson(toK8sgptJson(report))).toBe(
      readCorpus('empty-ok.json'),
    );
  });

  it('has the shape, key order and values of a real k8sgpt analyze -o json', () => {
    const corpus = JSON.parse(readCorpus('thirdparty-service-to-nowhere.json'));
    const report = analyze(createSnapshot(toNowhere), {
      namespace: 'default',
      filters: ['Service'],
    });
    const ours = JSON.parse(
      formatGoJson(toK8sgptJson(report, { provider: 'openai' })),
    );
    expect(shape(ours)).toEqual(shape(corpus));
    expect(JSON.stringify(Object.keys(ours))).toBe(
      JSON.stringify(Object.keys(corpus)),
    );
    expect(Object.keys(ours.results[0])).toEqual(
      Object.keys(corpus.results[0]),
    );
  });

  it('counts failures, not results, as problems and reports errors', () => {
    const report = analyze(
      createSnapshot([
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'j', namespace: 'n' },
          spec: { suspend: true },
          status: { failed: 1 },
        },
      ]),
      { filters: ['Job'] },
    );
    const out = toK8sgptJson({ ...report, errors: ['boom'] });
    expect(out.problems).toBe(2);
    expect(out.status).toBe('ProblemDetected');
    expect(out.errors).toEqual(['boom']);
    expect(out.results).toHaveLength(1);
  });

  it('escapes HTML characters like Go', () => {
    expect(formatGoJson({ t: 'a<b>&c' })).toBe(
      '{\n  "t": "a\\u003cb\\u003e\\u0026c"\n}',
    );
  });

  it('renders text with severity and parent', () => {
    const report = analyze(createSnapshot(toNowhere), { filters: ['Service'] });
    expect(formatText(report)).toBe(
      '0: [high] Service default/to-nowhere\n- high: Service has no endpoints, expected label app=to-nowhere\n\n1 objects with 1 problems\n',
    );
    expect(formatText(analyze(createSnapshot([]), { filters: ['Pod'] }))).toBe(
      'No problems detected (analyzers: Pod)\n',
    );
  });
});

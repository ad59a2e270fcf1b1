import { AnalysisReport, AnalysisResult, ObjectRef } from './model';

/** @public */
export interface K8sgptSensitive {
  Unmasked: string;
  Masked: string;
}

/** @public */
export interface K8sgptFailure {
  Text: string;
  KubernetesDoc: string;
  Sensitive: K8sgptSensitive[];
}

/** @public */
export interface K8sgptResult {
  kind: string;
  name: string;
  error: K8sgptFailure[];
  details: string;
  parentObject: string;
}

/**
 * k8sgpt's `analyze -o json` document (`JsonOutput` in pkg/analysis/output.go).
 *
 * @public
 */
export interface K8sgptJsonOutput {
  provider: string;
  errors: string[] | null;
  status: 'OK' | 'ProblemDetected';
  problems: number;
  results: K8sgptResult[] | null;
}

function parentString(p?: ObjectRef): string {
  return p ? `${p.kind}/${p.name}` : '';
}

function toResult(r: AnalysisResult): K8sgptResult {
  return {
    kind: r.kind,
    name: r.name,
    error: r.failures.map(f => ({
      Text: f.text,
      KubernetesDoc: f.kubernetesDoc,
      Sensitive: f.sensitive.map(s => ({
        Unmasked: s.unmasked,
        Masked: s.masked,
      })),
    })),
    details: '',
    parentObject: parentString(r.parentObject),
  };
}

/**
 * Converts a report to k8sgpt's JSON document: `problems` counts failures (not results),
 * empty `results`/`errors` are `null` as Go prints nil slices.
 *
 * @public
 */
export function toK8sgptJson(
  report: AnalysisReport,
  options: { provider?: string } = {},
): K8sgptJsonOutput {
  const problems = report.results.reduce((n, r) => n + r.failures.length, 0);
  return {
    provider: options.provider ?? '',
    errors: report.errors.length > 0 ? [...report.errors] : null,
    status: problems > 0 ? 'ProblemDetected' : 'OK',
    problems,
    results: report.results.length > 0 ? report.results.map(toResult) : null,
  };
}

/**
 * Serialises like Go's `json.MarshalIndent(v, "", "  ")`: two-space indent, and `<`, `>`, `&`,
 * U+2028, U+2029 escaped as `\u003c` etc.
 *
 * @public
 */
export function formatGoJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[<>&\u2028\u2029]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A plain-text rendering: one block per result with severity, parent and failures.
 *
 * @public
 */
export function formatText(report: AnalysisReport): string {
  const lines: string[] = [];
  if (report.errors.length > 0) {
    lines.push('Warnings:');
    report.errors.forEach(e => lines.push(`- ${e}`));
    lines.push('');
  }
  if (report.results.length === 0) {
    lines.push(
      `No problems detected (analyzers: ${report.analyzers.join(', ')})`,
    );
    return `${lines.join('\n')}\n`;
  }
  report.results.forEach((r, i) => {
    const parent = r.parentObject ? `(${parentString(r.parentObject)})` : '';
    lines.push(`${i}: [${r.severity}] ${r.kind} ${r.name}${parent}`);
    r.failures.forEach(f => lines.push(`- ${f.severity}: ${f.text}`));
  });
  const problems = report.results.reduce((n, r) => n + r.failures.length, 0);
  lines.push('');
  lines.push(`${report.results.length} objects with ${problems} problems`);
  return `${lines.join('\n')}\n`;
}

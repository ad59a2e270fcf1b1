import { stringify } from 'yaml';
import {
  DeployWarning,
  KubeObject,
  ObjectDiff,
} from '@periscope/backstage-plugin-module-deploy-common';

/**
 * Output formats of `periscope module render`.
 *
 * @public
 */
export type OutputFormat = 'yaml' | 'json';

/**
 * Parses `--output`.
 *
 * @public
 */
export function parseOutputFormat(v: string | undefined): OutputFormat {
  const f = (v ?? 'yaml').toLowerCase();
  if (f !== 'yaml' && f !== 'json')
    throw new Error(`--output must be yaml or json, got '${v}'`);
  return f;
}

/**
 * Renders objects as a multi-document YAML stream (like `timoni build`) or a JSON array.
 *
 * @public
 */
export function formatObjects(
  objects: KubeObject[],
  format: OutputFormat,
): string {
  if (format === 'json') return `${JSON.stringify(objects, null, 2)}\n`;
  return objects.map(o => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}

function short(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return '<none>';
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Human-readable diff: one line per object, one indented line per changed field.
 *
 * @public
 */
export function formatDiff(diff: ObjectDiff[]): string {
  const sign = {
    create: '+',
    change: '~',
    unchanged: '=',
    prune: '-',
  } as const;
  const label = {
    create: 'created',
    change: 'changed',
    unchanged: 'unchanged',
    prune: 'to be pruned',
  } as const;
  const lines: string[] = [];
  for (const d of diff) {
    lines.push(`${sign[d.action]} ${d.ref} ${label[d.action]}`);
    for (const c of d.changes) {
      if (c.op === 'add') lines.push(`    + ${c.path}: ${short(c.after)}`);
      else if (c.op === 'remove')
        lines.push(`    - ${c.path}: ${short(c.before)}`);
      else
        lines.push(`    ~ ${c.path}: ${short(c.before)} -> ${short(c.after)}`);
    }
  }
  const count = (a: ObjectDiff['action']) =>
    diff.filter(d => d.action === a).length;
  lines.push(
    `${count('create')} to create, ${count('change')} to change, ${count(
      'unchanged',
    )} unchanged, ${count('prune')} to prune`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * One indented line per object: `  Kind/ns/name: state (message)`.
 *
 * @public
 */
export function formatObjectStates(
  objects: { ref: string; state: string; message: string }[],
): string {
  return objects
    .map(ob => `  ${ob.ref}: ${ob.state} (${ob.message})\n`)
    .join('');
}

/**
 * Warnings before a deploy, one line each (`warning: <check> <object>: <message>`, blocking
 * ones marked), then what could not be checked (`note: ...`); nothing when there is nothing.
 *
 * @public
 */
export function formatPreflight(report: {
  warnings: DeployWarning[];
  notChecked: string[];
}): string {
  const lines = [
    ...report.warnings.map(
      w =>
        `warning: ${w.analyzer} ${w.object}: ${w.message}${
          w.blocking ? ' (blocks the deploy)' : ''
        }`,
    ),
    ...report.notChecked.map(n => `note: preflight: ${n}`),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

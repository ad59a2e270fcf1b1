import { stringify } from 'yaml';
import {
  toPolicyReports,
  type Finding,
  type PolicyReportApi,
  type SecurityAnalysis,
} from '@periscope/backstage-plugin-runtime-security-common';

/**
 * One finding in the `--output json` document.
 * @public
 */
export interface JsonFinding {
  rule: string;
  severity: string;
  title: string;
  mitre: { id: string; name: string };
  cluster?: string;
  namespace: string;
  pod?: string;
  workload: string;
  workloadKind?: string;
  binary: string;
  arguments: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  outcome: string;
  detail?: string;
  remediation: string;
  /** Binaries from the root to the process. */
  ancestry: string[];
  eventId: string;
}

/**
 * The `--output json` document.
 * @public
 */
export interface JsonReport {
  events: {
    total: number;
    parsed: number;
    skipped: Record<string, number>;
    byType: Record<string, number>;
  };
  findings: JsonFinding[];
}

function jsonFinding(f: Finding): JsonFinding {
  return {
    rule: f.rule,
    severity: f.severity,
    title: f.title,
    mitre: f.mitre,
    cluster: f.cluster,
    namespace: f.namespace,
    pod: f.pod,
    workload: f.workload,
    workloadKind: f.workloadKind,
    binary: f.binary,
    arguments: f.arguments,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    outcome: f.outcome,
    detail: f.sample.detail,
    remediation: f.remediation,
    ancestry: f.sample.ancestry.map(a => a.binary),
    eventId: f.sample.eventId,
  };
}

/** The analysis as the JSON document, with a trailing newline. */
export function toJsonReport(r: SecurityAnalysis): JsonReport {
  return {
    events: {
      total: r.events.total,
      parsed: r.events.parsed,
      skipped: r.events.skipped as Record<string, number>,
      byType: r.events.byType as Record<string, number>,
    },
    findings: r.findings.map(jsonFinding),
  };
}

export function formatJson(r: SecurityAnalysis): string {
  return `${JSON.stringify(toJsonReport(r), null, 2)}\n`;
}

function where(f: Finding): string {
  if (f.namespace)
    return `${f.namespace}/${f.workload}${
      f.pod && f.pod !== f.workload ? ` (pod ${f.pod})` : ''
    }`;
  if (f.workload) return f.workload;
  return f.sample.node ? `node ${f.sample.node}` : 'host';
}

/** Human-readable report. */
export function formatText(r: SecurityAnalysis): string {
  const e = r.events;
  const skipped = Object.entries(e.skipped)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `Events: ${e.total} lines, ${e.parsed} parsed${
      skipped ? `, skipped: ${skipped}` : ''
    }`,
    `Findings: ${r.findings.length}`,
  ];
  for (const f of r.findings) {
    lines.push(
      '',
      `[${f.severity.toUpperCase()}] ${f.rule}: ${f.title}${
        f.outcome === 'blocked' ? ' (blocked)' : ''
      }`,
      `  where:   ${where(f)}${f.cluster ? ` in cluster ${f.cluster}` : ''}`,
      `  process: ${[f.binary, f.arguments].filter(Boolean).join(' ') || '-'}`,
    );
    if (f.sample.detail) lines.push(`  detail:  ${f.sample.detail}`);
    if (f.sample.ancestry.length > 1)
      lines.push(
        `  chain:   ${f.sample.ancestry.map(a => a.binary).join(' > ')}`,
      );
    lines.push(
      `  seen:    ${f.count}x, ${f.firstSeen || '?'} .. ${f.lastSeen || '?'}`,
      `  mitre:   ${f.mitre.id} ${f.mitre.name}`,
      `  fix:     ${f.remediation}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Multi-document YAML of the policy reports (one per namespace). */
export function formatPolicyReports(
  r: SecurityAnalysis,
  api?: PolicyReportApi,
): string {
  const reports = toPolicyReports(r.findings, { api });
  if (reports.length === 0) return '';
  return reports.map(rep => stringify(rep, { lineWidth: 0 })).join('---\n');
}

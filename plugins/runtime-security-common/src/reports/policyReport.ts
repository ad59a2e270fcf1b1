import type { Finding } from '../findings/aggregator';
import { SEVERITIES } from '../rules/types';

/**
 * Report APIs Kyverno's Policy Reporter reads.
 * @public
 */
export type PolicyReportApi =
  | 'wgpolicyk8s.io/v1alpha2'
  | 'openreports.io/v1alpha1';

/**
 * A Kubernetes object reference in a report result.
 * @public
 */
export interface ReportResource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * One result of a (Policy)Report; the same shape in both APIs.
 * @public
 */
export interface ReportResult {
  source: string;
  policy: string;
  rule: string;
  category: string;
  severity: string;
  result: 'pass' | 'fail' | 'warn' | 'error' | 'skip';
  scored: boolean;
  message: string;
  timestamp: { seconds: number; nanos: number };
  resources?: ReportResource[];
  properties: Record<string, string>;
}

/**
 * A PolicyReport / ClusterPolicyReport (wgpolicyk8s.io/v1alpha2) or
 * Report / ClusterReport (openreports.io/v1alpha1).
 * @public
 */
export interface PolicyReportResource {
  apiVersion: PolicyReportApi;
  kind: 'PolicyReport' | 'ClusterPolicyReport' | 'Report' | 'ClusterReport';
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
  };
  /** Report-level source (openreports only; wgpolicy has it per result). */
  source?: string;
  summary: {
    pass: number;
    fail: number;
    warn: number;
    error: number;
    skip: number;
  };
  results: ReportResult[];
}

/**
 * Options of {@link toPolicyReports}.
 * @public
 */
export interface PolicyReportOptions {
  api?: PolicyReportApi;
  /** `source` of every result. Default `periscope-runtime-security`. */
  source?: string;
  /** metadata.name of every report. Default `periscope-runtime-security`. */
  name?: string;
}

function timestampOf(iso: string): { seconds: number; nanos: number } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { seconds: 0, nanos: 0 };
  const seconds = Math.floor(ms / 1000);
  // Keep the nanoseconds Tetragon wrote (RFC 3339 fraction), not just ms.
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const nanos = frac
    ? Number(frac.slice(0, 9).padEnd(9, '0'))
    : (ms % 1000) * 1e6;
  return { seconds, nanos };
}

function resourcesOf(f: Finding): ReportResource[] | undefined {
  if (!f.namespace || !f.pod) return undefined;
  return [
    { apiVersion: 'v1', kind: 'Pod', name: f.pod, namespace: f.namespace },
  ];
}

function propertiesOf(f: Finding): Record<string, string> {
  const p: Record<string, string> = {
    count: String(f.count),
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    mitre: `${f.mitre.id} ${f.mitre.name}`,
    binary: f.binary,
    outcome: f.outcome,
    findingKey: f.key,
    eventId: f.sample.eventId,
  };
  if (f.arguments) p.arguments = f.arguments;
  if (f.workload)
    p.workload = f.workloadKind
      ? `${f.workloadKind}/${f.workload}`
      : f.workload;
  if (f.cluster) p.cluster = f.cluster;
  if (f.sample.node) p.node = f.sample.node;
  if (f.sample.container) p.container = f.sample.container;
  if (f.sample.image) p.image = f.sample.image;
  if (f.sample.detail) p.detail = f.sample.detail;
  if (f.sample.policy) p.tracingPolicy = f.sample.policy;
  if (f.sample.ancestry.length > 0)
    p.ancestry = f.sample.ancestry.map(a => a.binary).join(' > ');
  return p;
}

function resultOf(f: Finding, source: string): ReportResult {
  return {
    source,
    policy: f.rule,
    rule: f.rule,
    category: `MITRE ATT&CK ${f.mitre.id}`,
    severity: f.severity,
    // Policy Reporter treats "fail" as a violation; informational findings warn.
    result: f.severity === 'info' ? 'warn' : 'fail',
    scored: true,
    message: `${f.title}${f.sample.detail ? `: ${f.sample.detail}` : ''} (${
      f.count
    }x). ${f.remediation}`,
    timestamp: timestampOf(f.lastSeen),
    resources: resourcesOf(f),
    properties: propertiesOf(f),
  };
}

function kindOf(
  api: PolicyReportApi,
  namespaced: boolean,
): PolicyReportResource['kind'] {
  if (api === 'openreports.io/v1alpha1')
    return namespaced ? 'Report' : 'ClusterReport';
  return namespaced ? 'PolicyReport' : 'ClusterPolicyReport';
}

/**
 * Turns findings into one report per namespace (a cluster-scoped report for
 * host and non-Kubernetes findings), in the wgpolicyk8s.io/v1alpha2
 * PolicyReport or the openreports.io/v1alpha1 Report API, for Kyverno's
 * Policy Reporter. Reports are plain objects; serialize them as YAML.
 * @public
 */
export function toPolicyReports(
  findings: readonly Finding[],
  options: PolicyReportOptions = {},
): PolicyReportResource[] {
  const api = options.api ?? 'wgpolicyk8s.io/v1alpha2';
  if (api !== 'wgpolicyk8s.io/v1alpha2' && api !== 'openreports.io/v1alpha1') {
    throw new Error(
      `unknown report API "${String(
        api,
      )}"; use wgpolicyk8s.io/v1alpha2 or openreports.io/v1alpha1`,
    );
  }
  const source = options.source ?? 'periscope-runtime-security';
  const name = options.name ?? 'periscope-runtime-security';
  const byNamespace = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byNamespace.get(f.namespace) ?? [];
    list.push(f);
    byNamespace.set(f.namespace, list);
  }
  const namespaces = [...byNamespace.keys()].sort();
  return namespaces.map(ns => {
    const list = byNamespace.get(ns)!;
    const results = list
      .slice()
      .sort(
        (a, b) =>
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
          b.count - a.count,
      )
      .map(f => resultOf(f, source));
    const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    for (const r of results) summary[r.result]++;
    const report: PolicyReportResource = {
      apiVersion: api,
      kind: kindOf(api, ns !== ''),
      metadata: {
        name,
        ...(ns ? { namespace: ns } : {}),
        labels: { 'app.kubernetes.io/managed-by': 'periscope' },
      },
      summary,
      results,
    };
    if (api === 'openreports.io/v1alpha1') report.source = source;
    return report;
  });
}

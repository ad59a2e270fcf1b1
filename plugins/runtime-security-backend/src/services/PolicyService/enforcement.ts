/**
 * From findings to enforcement: a policy's matches over the window, whether a monitoring policy
 * deployed by the tracing-policy module may be proposed for enforcement, and the exact values
 * change (pure functions over the live object and the stored findings).
 */
import {
  EnforcementAction,
  EnforcementCandidacy,
  EnforcementChange,
  PolicyMatches,
  PolicyRuleMatches,
  SecurityFinding,
  TracingPolicySummary,
} from '@periscope/backstage-plugin-runtime-security-common';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The probes of the tracing-policy module: the hook each renders and the value of its action. */
export const MODULE_PROBES = [
  {
    key: 'files',
    call: 'security_file_permission',
    value: 'actions.files',
    argsValue: 'sensitivePaths',
  },
  {
    key: 'connect',
    call: 'tcp_connect',
    value: 'actions.connect',
    argsValue: 'allowedCidrs',
  },
] as const;

/** What the listing learns of one live policy: matches and candidacy (public) and what a proposal needs. */
export interface LivePolicyMatch {
  matches: PolicyMatches;
  enforcement?: EnforcementCandidacy;
  own: PolicyFinding[];
  values: ModulePolicyValues | string;
  entityRef?: string;
}

/** One stored finding of a policy with its events in the window. */
export interface PolicyFinding {
  finding: SecurityFinding;
  hits: number;
  /** The hooked function of the sample event. */
  call?: string;
  /** Events per day (UTC, ms of the day's start) in the window. */
  days?: Array<{ dayMs: number; hits: number }>;
}

/** Whether a finding belongs to this policy: its name, its cluster, and (namespaced) its namespace. */
export function findingOfPolicy(
  p: Pick<TracingPolicySummary, 'cluster' | 'name' | 'namespace' | 'kind'>,
  f: SecurityFinding,
): boolean {
  if (f.policy !== p.name) return false;
  if (f.cluster && f.cluster !== p.cluster) return false;
  return p.kind !== 'TracingPolicyNamespaced' || f.namespace === p.namespace;
}

const TRIAGE_COUNTER: Record<
  string,
  'open' | 'acknowledged' | 'falsePositive'
> = {
  open: 'open',
  acknowledged: 'acknowledged',
  'false-positive': 'falsePositive',
};

const workloadOf = (f: SecurityFinding) =>
  `${f.namespace}/${f.workload || f.pod || 'unknown workload'}`;

/** Hits, triage and workloads of a policy's findings, per rule and per day. */
export function summarizeMatches(
  findings: PolicyFinding[],
  windowDays: number,
  mapped: (f: SecurityFinding) => boolean,
): PolicyMatches {
  const rules = new Map<string, PolicyRuleMatches>();
  const workloads = new Set<string>();
  const unmapped = new Set<string>();
  const m: PolicyMatches = {
    windowDays,
    hits: 0,
    open: 0,
    acknowledged: 0,
    falsePositive: 0,
    workloads: [],
    unmapped: [],
    rules: [],
    days: [],
  };
  const policyDays = new Map<number, number>();
  const ruleDays = new Map<string, Map<number, number>>();
  for (const { finding: f, hits, call, days = [] } of findings) {
    let r = rules.get(f.rule);
    if (!r) {
      r = {
        rule: f.rule,
        title: f.title,
        hits: 0,
        open: 0,
        acknowledged: 0,
        falsePositive: 0,
        workloads: [],
        calls: [],
        days: [],
      };
      rules.set(f.rule, r);
    }
    const state = TRIAGE_COUNTER[f.triage.state] ?? 'open';
    r[state]++;
    m[state]++;
    r.hits += hits;
    m.hits += hits;
    const w = workloadOf(f);
    if (!r.workloads.includes(w)) r.workloads.push(w);
    if (call && !r.calls.includes(call)) r.calls.push(call);
    workloads.add(w);
    if (!mapped(f)) unmapped.add(w);
    const perRule = ruleDays.get(f.rule) ?? new Map<number, number>();
    ruleDays.set(f.rule, perRule);
    for (const d of days) {
      policyDays.set(d.dayMs, (policyDays.get(d.dayMs) ?? 0) + d.hits);
      perRule.set(d.dayMs, (perRule.get(d.dayMs) ?? 0) + d.hits);
    }
  }
  const series = (perDay: Map<number, number>) =>
    [...perDay.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([dayMs, hits]) => ({ start: new Date(dayMs).toISOString(), hits }));
  m.workloads = [...workloads].sort();
  m.unmapped = [...unmapped].sort();
  m.rules = [...rules.values()].sort(
    (a, b) => b.hits - a.hits || a.rule.localeCompare(b.rule),
  );
  for (const r of m.rules) {
    r.workloads.sort();
    r.days = series(ruleDays.get(r.rule) ?? new Map());
  }
  m.days = series(policyDays);
  return m;
}

/** The instance values of a policy the tracing-policy module rendered, read back from the live object. */
export interface ModulePolicyValues {
  service: string;
  podLabel: string;
  sensitivePaths: string[];
  allowedCidrs: string[];
  action: string;
  actions: { files: string; connect: string };
  overrideError?: number;
}

/**
 * Reads the module's values back from a live TracingPolicyNamespaced the tracing-policy module
 * rendered (labels `app.kubernetes.io/managed-by: timoni`, one pod label, the module's probes);
 * a string saying why not for any other policy.
 */
export function moduleValuesOf(object: {
  kind: string;
  labels: Record<string, string>;
  spec: unknown;
}): ModulePolicyValues | string {
  if (object.kind !== 'TracingPolicyNamespaced') {
    return 'it is a cluster-wide TracingPolicy; the tracing-policy module deploys TracingPolicyNamespaced objects';
  }
  if (object.labels['app.kubernetes.io/managed-by'] !== 'timoni') {
    return 'it was not deployed through Deploy (no label app.kubernetes.io/managed-by: timoni): change its action where it is kept, or deploy it with the runtime-security policy template';
  }
  const spec = isObj(object.spec) ? object.spec : {};
  const match =
    isObj(spec.podSelector) && isObj(spec.podSelector.matchLabels)
      ? Object.entries(spec.podSelector.matchLabels)
      : [];
  if (match.length !== 1 || typeof match[0][1] !== 'string') {
    return 'its podSelector is not the one label the tracing-policy module writes';
  }
  const kprobes = arr(spec.kprobes).filter(isObj);
  const probe = (call: string) => kprobes.find(k => k.call === call);
  const files = probe('security_file_permission');
  if (
    !files ||
    kprobes.some(k => !MODULE_PROBES.some(p => p.call === k.call)) ||
    arr(spec.tracepoints).length ||
    arr(spec.lsmhooks).length
  ) {
    return 'its hooks are not those of the tracing-policy module (kprobes security_file_permission and tcp_connect)';
  }
  const selectorOf = (k: Obj) => arr(k.selectors).filter(isObj)[0] ?? {};
  const actionOf = (
    k: Obj | undefined,
  ): { action: string; argError?: number } => {
    const a = arr(selectorOf(k ?? {}).matchActions).filter(isObj)[0] ?? {};
    return {
      action: typeof a.action === 'string' ? a.action : 'Post',
      argError: typeof a.argError === 'number' ? a.argError : undefined,
    };
  };
  const argValues = (k: Obj | undefined) =>
    arr(arr(selectorOf(k ?? {}).matchArgs).filter(isObj)[0]?.values).filter(
      (v): v is string => typeof v === 'string',
    );
  const connect = probe('tcp_connect');
  const fa = actionOf(files);
  const ca = connect ? actionOf(connect) : fa;
  const overrideError = fa.argError ?? ca.argError;
  return {
    service: match[0][1] as string,
    podLabel: match[0][0],
    sensitivePaths: argValues(files),
    allowedCidrs: connect ? argValues(connect) : [],
    action: fa.action,
    actions: { files: fa.action, connect: ca.action },
    ...(overrideError !== undefined ? { overrideError } : {}),
  };
}

/** Whether a monitoring policy may be proposed for enforcement; every reason says what to do. */
export function judgeCandidacy(
  policy: TracingPolicySummary,
  matches: PolicyMatches,
  findings: PolicyFinding[],
  values: ModulePolicyValues | string,
): EnforcementCandidacy {
  const reasons: string[] = [];
  if (typeof values === 'string')
    reasons.push(`${policy.name} cannot be changed through Deploy: ${values}`);
  if (matches.hits === 0) {
    reasons.push(
      `no matches in the last ${matches.windowDays} days: there is no evidence of what enforcing would stop; wait for matches of known workloads and triage them`,
    );
  }
  if (matches.open > 0) {
    reasons.push(
      `${matches.open} finding(s) of the last ${matches.windowDays} days are open: acknowledge them or mark them false positive on the entity's Security tab (or investigate: they may be attacks)`,
    );
  }
  if (matches.unmapped.length) {
    reasons.push(
      `matches from workloads no catalog entity claims (${matches.unmapped.join(
        ', ',
      )}): annotate their entities (backstage.io/kubernetes-id) so the behaviour is a known workload's`,
    );
  }
  if (typeof values !== 'string') {
    const unknownCalls = [
      ...new Set(findings.map(f => f.call ?? '(none)')),
    ].filter(c => !MODULE_PROBES.some(p => p.call === c));
    if (unknownCalls.length) {
      reasons.push(
        `matches of hooks the module's selectors do not have (${unknownCalls.join(
          ', ',
        )}): only the module's probes can be enforced`,
      );
    }
  }
  return { eligible: reasons.length === 0, reasons };
}

/** The values change of a proposal: the actions of the probes that matched, nothing else. */
export function enforcementChange(
  values: ModulePolicyValues,
  findings: PolicyFinding[],
  action: EnforcementAction,
): { values: Record<string, unknown>; changes: EnforcementChange[] } {
  const next: ModulePolicyValues = {
    ...values,
    actions: { ...values.actions },
  };
  const changes: EnforcementChange[] = [];
  for (const p of MODULE_PROBES) {
    const n = findings.filter(f => f.call === p.call).length;
    if (!n) continue;
    const from = values.actions[p.key];
    if (from === action) continue;
    next.actions[p.key] = action;
    changes.push({
      value: p.value,
      hook: `kprobe ${p.call}`,
      from,
      to: action,
      findings: n,
    });
  }
  if (action === 'Override' && next.overrideError === undefined)
    next.overrideError = -1;
  return { values: next as unknown as Record<string, unknown>, changes };
}

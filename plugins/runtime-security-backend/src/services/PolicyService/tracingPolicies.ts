/**
 * TracingPolicy objects of the clusters: read them (a 404 means the CRDs are not installed),
 * summarize their mode, hooks and calls, and name the rules no installed policy feeds.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  BUILTIN_RULES,
  DetectionRule,
  PoliciesResponse,
  TetragonEventType,
  TracingPolicySummary,
  UnfedRule,
} from '@periscope/backstage-plugin-runtime-security-common';
import {
  ClusterDetails,
  fanOutClusters,
  kubeConfigFor,
} from '@periscope/kube-access';
import { FindingsStore } from '../FindingsStore';
import { LivePolicy } from './types';

const ENFORCING = new Set(['sigkill', 'override', 'notifyenforcer']);
const HOOKS: Record<string, TetragonEventType> = {
  kprobes: 'process_kprobe',
  tracepoints: 'process_tracepoint',
  lsmhooks: 'process_lsm',
  uprobes: 'process_uprobe',
  usdts: 'process_usdt',
};
/** Events Tetragon emits without any policy. */
const BASE_EVENTS: TetragonEventType[] = [
  'process_exec',
  'process_exit',
  'process_throttle',
  'rate_limit_info',
  'process_loader',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function callOf(hook: string, h: Obj): string | undefined {
  if (hook === 'tracepoints')
    return h.subsystem && h.event ? `${h.subsystem}/${h.event}` : undefined;
  if (hook === 'uprobes')
    return [h.path, ...arr(h.symbols)].filter(Boolean).join(':') || undefined;
  if (hook === 'usdts')
    return h.provider && h.name ? `${h.provider}:${h.name}` : undefined;
  if (typeof h.call === 'string') return h.call;
  return typeof h.hook === 'string' ? h.hook : undefined;
}

/**
 * Mode, hooks and calls of a TracingPolicy object (pure; the spec as the API returns it).
 * @public
 */
export function summarizePolicySpec(
  spec: unknown,
): Pick<TracingPolicySummary, 'mode' | 'hooks' | 'calls'> {
  const s = isObj(spec) ? spec : {};
  let enforcing = false;
  const hooks: string[] = [];
  const calls: string[] = [];
  for (const hook of Object.keys(HOOKS)) {
    const list = arr(s[hook]).filter(isObj);
    if (!list.length) continue;
    hooks.push(hook);
    for (const h of list) {
      const call = callOf(hook, h);
      if (call) calls.push(call);
      for (const sel of arr(h.selectors).filter(isObj)) {
        for (const a of arr(sel.matchActions).filter(isObj)) {
          if (
            typeof a.action === 'string' &&
            ENFORCING.has(a.action.toLowerCase())
          )
            enforcing = true;
        }
      }
    }
  }
  return { mode: enforcing ? 'enforcement' : 'monitoring', hooks, calls };
}

/**
 * Rules whose event types are all probe events and no installed policy has a
 * hook section emitting one of them (so the rule can never fire).
 * @public
 */
export function unfedRules(
  rules: readonly DetectionRule[],
  policies: TracingPolicySummary[],
): UnfedRule[] {
  const emitted = new Set<TetragonEventType>(BASE_EVENTS);
  for (const p of policies) for (const h of p.hooks) emitted.add(HOOKS[h]);
  return rules
    .filter(r => !r.eventTypes.some(t => emitted.has(t)))
    .map(r => ({ rule: r.id, title: r.title, eventTypes: [...r.eventTypes] }));
}

/** Reads TracingPolicy and TracingPolicyNamespaced objects of every cluster (a 404: CRDs not installed). */
export async function readPolicies(deps: {
  clusters: ClusterDetails[];
  timeoutMs: number;
}): Promise<{
  live: LivePolicy[];
  notInstalled: string[];
  errors: PoliciesResponse['errors'];
}> {
  const notInstalled: string[] = [];
  const { results, errors } = await fanOutClusters(
    deps.clusters,
    async (cluster, signal) => {
      const api = kubeConfigFor(cluster, { signal }).makeApiClient(
        CustomObjectsApi,
      );
      const out: LivePolicy[] = [];
      for (const [plural, kind] of [
        ['tracingpolicies', 'TracingPolicy'],
        ['tracingpoliciesnamespaced', 'TracingPolicyNamespaced'],
      ] as const) {
        let list: { items?: unknown[] };
        try {
          list = (await api.listClusterCustomObject({
            group: 'cilium.io',
            version: 'v1alpha1',
            plural,
          })) as { items?: unknown[] };
        } catch (e) {
          if ((e as { code?: number }).code === 404) {
            if (!notInstalled.includes(cluster.name))
              notInstalled.push(cluster.name);
            continue;
          }
          throw e;
        }
        for (const item of arr(list.items).filter(isObj)) {
          const meta = isObj(item.metadata) ? item.metadata : {};
          const labels = isObj(meta.labels)
            ? Object.fromEntries(
                Object.entries(meta.labels).filter(
                  (e): e is [string, string] => typeof e[1] === 'string',
                ),
              )
            : {};
          out.push({
            summary: {
              cluster: cluster.name,
              kind,
              name: String(meta.name ?? ''),
              namespace:
                typeof meta.namespace === 'string' ? meta.namespace : undefined,
              ...summarizePolicySpec(item.spec),
              findings: 0,
            },
            labels,
            spec: item.spec,
          });
        }
      }
      return out;
    },
    { timeoutMs: deps.timeoutMs },
  );
  return { live: results.flatMap(r => r.value), notInstalled, errors };
}

/**
 * Lists TracingPolicy (cluster-scoped) and TracingPolicyNamespaced objects
 * (cilium.io/v1alpha1) of every cluster; a 404 means the CRDs are not installed.
 * @public
 */
export async function listPolicies(deps: {
  clusters: ClusterDetails[];
  store: FindingsStore;
  timeoutMs: number;
  rules?: readonly DetectionRule[];
}): Promise<PoliciesResponse> {
  const { live, notInstalled, errors } = await readPolicies(deps);
  const counts = await deps.store.countsByPolicy();
  const policies = live.map(l => ({
    ...l.summary,
    findings: counts.get(l.summary.name) ?? 0,
  }));
  return {
    policies,
    notInstalled,
    unfedRules: unfedRules(deps.rules ?? BUILTIN_RULES, policies),
    errors,
  };
}

/**
 * The PolicyService: TracingPolicies of every cluster with their findings and matches, and the
 * values change that proposes a monitoring policy for enforcement.
 */
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  BUILTIN_RULES,
  SecurityFinding,
  TracingPolicySummary,
} from '@periscope/backstage-plugin-runtime-security-common';
import {
  ClusterDetails,
  ClusterSource,
  inSelectorNamespace,
  matchesLabelSelector,
  toClusterSource,
  WorkloadSelector,
} from '@periscope/kube-access';
import { EnforcementSettings } from '../../config';
import { FindingsStore } from '../FindingsStore';
import {
  enforcementChange,
  findingOfPolicy,
  judgeCandidacy,
  LivePolicyMatch,
  moduleValuesOf,
  PolicyFinding,
  summarizeMatches,
} from './enforcement';
import { readPolicies, unfedRules } from './tracingPolicies';
import { KnownWorkloads, LivePolicy, PolicyService } from './types';

/** module-deploy's entity annotation naming the module an entity deploys. */
const MODULE_ANNOTATION = 'periscope.dev/module';
const DAY_MS = 24 * 3600_000;

function claims(
  selector: WorkloadSelector,
  namespace: string,
  labels: Record<string, string>,
): boolean {
  return (
    namespace !== '' &&
    inSelectorNamespace(selector, namespace) &&
    matchesLabelSelector(labels, selector.labelSelector)
  );
}

/**
 * Creates the service: GET /policies (TracingPolicies of every configured cluster, with their
 * matches and whether they can be proposed for enforcement) and POST /policies/enforcement.
 */
export function createPolicyService(deps: {
  clusters: ClusterSource | ClusterDetails[];
  store: FindingsStore;
  timeoutMs: number;
  /** Matches and enforcement candidacy need both; without them policies are listed as before. */
  enforcement?: EnforcementSettings;
  knownWorkloads?: KnownWorkloads;
  now?: () => number;
}): PolicyService {
  const source = toClusterSource(deps.clusters);
  const now = deps.now ?? Date.now;

  async function read(requestAuth?: KubernetesRequestAuth) {
    const clusters = await source.listClusters({ requestAuth });
    const listed = await readPolicies({ clusters, timeoutMs: deps.timeoutMs });
    const counts = await deps.store.countsByPolicy();
    const matchesOf = await matcher();
    const policies = listed.live.map(l => {
      const summary: TracingPolicySummary = {
        ...l.summary,
        findings: counts.get(l.summary.name) ?? 0,
      };
      if (!matchesOf) return { summary };
      const m = matchesOf(l);
      return {
        summary: {
          ...summary,
          matches: m.matches,
          ...(m.enforcement ? { enforcement: m.enforcement } : {}),
        },
        match: m,
      };
    });
    return { listed, policies };
  }

  /** Matches and candidacy of each policy (undefined without the enforcement settings). */
  async function matcher(): Promise<
    ((l: LivePolicy) => LivePolicyMatch) | undefined
  > {
    if (!deps.enforcement || !deps.knownWorkloads) return undefined;
    const { windowDays } = deps.enforcement;
    const since = Math.floor((now() - windowDays * DAY_MS) / DAY_MS) * DAY_MS;
    let catalogError: string | undefined;
    const [{ findings }, known] = await Promise.all([
      deps.store.policyMatches(since),
      deps.knownWorkloads().catch(e => {
        // the policies still list; no workload counts as known until the catalog answers
        catalogError = (e as Error).message;
        return [];
      }),
    ]);
    const mapped = (f: SecurityFinding) =>
      known.some(k => claims(k.selector, f.namespace, f.labels));
    const candidacy = (...args: Parameters<typeof judgeCandidacy>) => {
      const c = judgeCandidacy(...args);
      if (!catalogError) return c;
      return {
        eligible: false,
        reasons: [
          `the catalog could not be read to tell known workloads (${catalogError}): try again later`,
          ...c.reasons,
        ],
      };
    };
    return l => {
      const own: PolicyFinding[] = findings.filter(f =>
        findingOfPolicy(l.summary, f.finding),
      );
      const matches = summarizeMatches(own, windowDays, mapped);
      const values = moduleValuesOf({
        kind: l.summary.kind,
        labels: l.labels,
        spec: l.spec,
      });
      return {
        matches,
        ...(l.summary.mode === 'monitoring'
          ? { enforcement: candidacy(l.summary, matches, own, values) }
          : {}),
        own,
        values,
        entityRef:
          typeof values === 'string'
            ? undefined
            : ownerEntity(known, l, values.podLabel, values.service),
      };
    };
  }

  /** The entity whose workloads the policy watches and that may own the instance (declares no other module). */
  function ownerEntity(
    known: Array<{ entity: Entity; selector: WorkloadSelector }>,
    l: LivePolicy,
    podLabel: string,
    service: string,
  ): string | undefined {
    const ns = l.summary.namespace ?? '';
    const candidates = known
      .filter(k => claims(k.selector, ns, { [podLabel]: service }))
      .map(k => k.entity)
      .sort((a, b) =>
        stringifyEntityRef(a).localeCompare(stringifyEntityRef(b)),
      );
    const owner = candidates.find(
      e => !e.metadata.annotations?.[MODULE_ANNOTATION],
    );
    return owner ? stringifyEntityRef(owner) : undefined;
  }

  return {
    async list(options) {
      const { listed, policies } = await read(options?.requestAuth);
      const out = policies.map(p => p.summary);
      return {
        policies: out,
        notInstalled: listed.notInstalled,
        unfedRules: unfedRules(BUILTIN_RULES, out),
        errors: listed.errors,
      };
    },

    async propose(req, options) {
      if (!deps.enforcement || !deps.knownWorkloads) {
        throw new ConflictError(
          'proposing policies for enforcement is not set up in this backend (no catalog access)',
        );
      }
      const { listed, policies } = await read(options?.requestAuth);
      const found = policies.find(
        ({ summary: p }) =>
          p.cluster === req.cluster &&
          p.name === req.name &&
          (p.namespace ?? '') === req.namespace,
      );
      if (!found?.match) {
        const unreachable = listed.errors.find(e => e.cluster === req.cluster);
        throw new NotFoundError(
          unreachable
            ? `cluster '${req.cluster}' could not be read (${unreachable.message}), so policy '${req.namespace}/${req.name}' cannot be proposed: try again when the cluster answers`
            : `no TracingPolicyNamespaced '${req.name}' in namespace '${req.namespace}' of cluster '${req.cluster}': pick a policy GET /policies lists`,
        );
      }
      const { summary } = found;
      const { own, values, entityRef, enforcement } = found.match;
      if (summary.mode !== 'monitoring') {
        throw new ConflictError(
          `policy '${req.namespace}/${req.name}' already enforces (mode ${summary.mode}): nothing to propose`,
        );
      }
      if (!enforcement?.eligible || typeof values === 'string') {
        throw new ConflictError(
          `policy '${req.namespace}/${
            req.name
          }' cannot be proposed for enforcement: ${(
            enforcement?.reasons ?? ['its matches could not be judged']
          ).join('; ')}`,
        );
      }
      const { values: next, changes } = enforcementChange(
        values,
        own,
        req.action,
      );
      if (!changes.length) {
        throw new ConflictError(
          `policy '${req.namespace}/${req.name}': every probe that matched already has action ${req.action}; nothing to change`,
        );
      }
      return {
        policy: summary,
        target: {
          module: deps.enforcement.module,
          instanceName: summary.name,
          namespace: req.namespace,
          clusters: [req.cluster],
          ...(entityRef ? { entityRef } : {}),
        },
        currentValues: values as unknown as Record<string, unknown>,
        values: next,
        changes,
      };
    },
  };
}

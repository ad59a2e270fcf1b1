import {
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  ClusterDetails,
  ClusterSource,
  KUBERNETES_ID_ANNOTATION,
  toClusterSource,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  WorkloadSelectorOptions,
  workloadSelectorFor,
  WorkloadSelector,
} from '@periscope/kube-access';
import { mapLimit } from '@periscope/backstage-plugin-k8s-diagnostics-node';
import { DiagnosticsConfig, operatorResultsFor } from '../../config';
import {
  ClusterFindings,
  EntityHealth,
  EntityHealthHistory,
} from '../../types';
import { CLUSTER_SCOPE, FindingsStore } from '../FindingsStore';
import {
  belongsTo,
  countBySeverity,
  groupByWorkload,
  ObjectIndex,
} from './findings';
import {
  ClusterScan,
  entityWorkloads,
  prefetchEntityWorkloads,
  scanClusters,
  ScanOutcome,
} from './scanner';
import { HealthService } from './types';

const RESOLVED_WINDOW_MS = 7 * 86_400_000;
/** Entities whose workloads the scheduled scan reads (and records) at a time. */
const ENTITY_READS = 8;
/** History points of GET /entity (also the default page of GET /entity/history). */
const HISTORY_POINTS = 48;

/** Each scan's object index, built once for every entity matched against it. */
const indexes = new WeakMap<ClusterScan, ObjectIndex>();
function indexOf(scan: ClusterScan): ObjectIndex {
  let index = indexes.get(scan);
  if (!index) indexes.set(scan, (index = new ObjectIndex(scan.snapshot)));
  return index;
}

/** The part of a scan outcome that belongs to one entity (its workloads read on demand where the scan read rows). */
async function entityPart(outcome: ScanOutcome, selector: WorkloadSelector) {
  const findings = outcome.scans.flatMap(s => {
    const index = indexOf(s);
    return s.findings.filter(f => belongsTo(index, f, selector));
  });
  const workloads = await Promise.all(
    outcome.scans.map(s => entityWorkloads(s, selector)),
  );
  const clusters = outcome.scans.map((s, i) => ({
    name: s.cluster,
    workloads: workloads[i].workloads,
  }));
  const warnings = workloads.flatMap(w => (w.warning ? [w.warning] : []));
  return { findings, clusters, warnings };
}

/** @public */
export function createHealthService(deps: {
  /** The clusters to scan (`periscopeClustersServiceRef`), or a fixed list. */
  clusters: ClusterSource | ClusterDetails[];
  config: DiagnosticsConfig;
  catalog: CatalogService;
  store: FindingsStore;
  logger: LoggerService;
  auth: AuthService;
  /** Where entities without a namespace annotation are read (periscope.namespacesWithoutAnnotation). */
  selectors?: WorkloadSelectorOptions;
  now?: () => Date;
  /** Told of every background refresh as it starts (tests await it). */
  onBackgroundRefresh?: (entityRef: string, done: Promise<void>) => void;
}): HealthService {
  const { config, catalog, store, logger } = deps;
  const source = toClusterSource(deps.clusters);
  const now = deps.now ?? (() => new Date());
  const inFlight = new Map<string, Promise<void>>();
  /** Background refreshes of stale entities in this process: at most one per entity. */
  const refreshing = new Map<string, Promise<void>>();
  // a fixed list is checked at start-up; supplied clusters (catalog, GKE) change, so per scan
  if (Array.isArray(deps.clusters))
    operatorResultsFor(
      config.operatorResults,
      deps.clusters.map(c => c.name),
    );
  const operatorResults = (cluster: string) =>
    config.operatorResults.enabled &&
    (!config.operatorResults.clusters ||
      config.operatorResults.clusters.includes(cluster));

  /** Runs one scan per key at a time; concurrent callers share it. */
  function once(key: string, fn: () => Promise<void>): Promise<void> {
    let p = inFlight.get(key);
    if (!p) {
      p = fn().finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  }

  const scan = async (
    namespace?: string,
    requestAuth?: KubernetesRequestAuth,
  ) =>
    scanClusters(await source.listClusters({ requestAuth }), {
      analyzers: config.analyzers,
      namespace,
      timeoutMs: config.scanTimeoutMs,
      operatorResults,
    });

  async function recordEntity(
    entityRef: string,
    outcome: ScanOutcome,
    at: Date,
    part: Awaited<ReturnType<typeof entityPart>>,
  ) {
    await store.recordScan({
      scope: entityRef,
      at,
      scannedClusters: outcome.scans.map(s => s.cluster),
      findings: part.findings,
      errors: outcome.errors,
      warnings: [...outcome.scans.flatMap(s => s.warnings), ...part.warnings],
      clusters: part.clusters,
    });
  }

  async function scanEntity(
    entityRef: string,
    selector: WorkloadSelector,
    requestAuth?: KubernetesRequestAuth,
  ) {
    const outcome = await scan(selector.namespace, requestAuth);
    for (const e of outcome.errors)
      logger.warn(`k8s-diagnostics scan of ${entityRef}: ${e.message}`);
    await recordEntity(
      entityRef,
      outcome,
      now(),
      await entityPart(outcome, selector),
    );
  }

  /**
   * Scans a stale entity in the background, once per entity at a time: in this process by the
   * `refreshing` map, across replicas on one database by a claim in the store (one refresh of an
   * entity per UTC minute, the rate-slot table the rescan limit uses). A failure is logged; the
   * stored result stays and the next request after it tries again.
   */
  function refreshInBackground(
    entityRef: string,
    selector: WorkloadSelector,
    requestAuth?: KubernetesRequestAuth,
  ) {
    if (refreshing.has(entityRef)) return;
    const key = `refresh:${createHash('sha256')
      .update(entityRef)
      .digest('hex')
      .slice(0, 40)}`;
    const done = (async () => {
      if (
        !(await store.takeRateSlot({
          userRef: key,
          minute: now().toISOString().slice(0, 16),
          limit: 1,
        }))
      )
        return;
      await scanEntity(entityRef, selector, requestAuth);
    })()
      .catch(e =>
        logger.warn(
          `k8s-diagnostics background refresh of ${entityRef} failed, the stored result stays: ${
            (e as Error).message
          }`,
        ),
      )
      .finally(() => refreshing.delete(entityRef));
    refreshing.set(entityRef, done);
    deps.onBackgroundRefresh?.(entityRef, done);
  }

  async function loadEntity(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity)
      throw new NotFoundError(
        `entity '${entityRef}' is not in the catalog: check the reference, or register the entity first`,
      );
    return entity;
  }

  /** The stored result; `known` is the last scan when the caller has just read it (no scan since). */
  async function readEntity(
    entityRef: string,
    selector: WorkloadSelector,
    known?: Awaited<ReturnType<FindingsStore['lastScan']>>,
  ): Promise<EntityHealth> {
    const [last, open, resolved, history] = await Promise.all([
      known ?? store.lastScan(entityRef),
      store.openFindings(entityRef),
      store.resolvedSince(
        entityRef,
        new Date(now().getTime() - RESOLVED_WINDOW_MS),
      ),
      store.history(entityRef, HISTORY_POINTS),
    ]);
    const strip = <T extends { sensitive?: string[] }>({
      sensitive: _s,
      ...rest
    }: T) => rest;
    const findings = open.map(strip);
    return {
      entityRef,
      status: 'ok',
      labelSelector: selector.labelSelector,
      namespace: selector.namespace,
      scannedAt: last?.scannedAt,
      summary: countBySeverity(findings),
      groups: groupByWorkload(findings),
      resolved: resolved.map(strip),
      history,
      clusters: last?.clusters ?? [],
      errors: last?.errors ?? [],
      warnings: last?.warnings ?? [],
    };
  }

  const empty = (
    entityRef: string,
    status: 'not-configured' | 'not-annotated',
  ): EntityHealth => ({
    entityRef,
    status,
    summary: countBySeverity([]),
    groups: [],
    resolved: [],
    history: [],
    clusters: [],
    errors: [],
    warnings: [],
  });

  async function annotatedEntities(): Promise<Entity[]> {
    const credentials = await deps.auth.getOwnServiceCredentials();
    const { items } = await catalog.getEntities(
      {
        filter: [
          {
            [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
          {
            [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
      },
      { credentials },
    );
    return items;
  }

  async function scanAll(): Promise<void> {
    if ((await source.listClusters()).length === 0) return;
    const at = now();
    const outcome = await scan();
    for (const e of outcome.errors)
      logger.warn(`k8s-diagnostics scheduled scan: ${e.message}`);
    await store.recordScan({
      scope: CLUSTER_SCOPE,
      at,
      scannedClusters: outcome.scans.map(s => s.cluster),
      findings: outcome.scans.flatMap(s => s.findings),
      errors: outcome.errors,
      warnings: outcome.scans.flatMap(s => s.warnings),
      clusters: [],
    });
    let entities: Entity[] = [];
    try {
      entities = await annotatedEntities();
    } catch (e) {
      logger.warn(
        `k8s-diagnostics scheduled scan: cannot list catalog entities, entity histories not updated: ${
          (e as Error).message
        }`,
      );
    }
    const selected: Array<{ ref: string; selector: WorkloadSelector }> = [];
    for (const entity of entities) {
      try {
        const selector = workloadSelectorFor(entity, deps.selectors);
        if (selector)
          selected.push({ ref: stringifyEntityRef(entity), selector });
      } catch (e) {
        // an annotation too broad to be safe: the entity's own tab shows the reason
        logger.warn(
          `k8s-diagnostics scheduled scan: ${stringifyEntityRef(
            entity,
          )} skipped: ${(e as Error).message}`,
        );
      }
    }
    // each entity's workloads where the scan read rows (Table requests by selector, batched per
    // namespace for one-label selectors), a few at a time; then the records, one after another
    for (const s of outcome.scans)
      prefetchEntityWorkloads(
        s,
        selected.map(e => e.selector),
      );
    const parts = await mapLimit(selected, ENTITY_READS, ({ selector }) =>
      entityPart(outcome, selector),
    );
    for (const [i, { ref }] of selected.entries())
      await recordEntity(ref, outcome, at, parts[i]);
    logger.info(
      `k8s-diagnostics scan: ${outcome.scans.length} cluster(s), ${outcome.errors.length} error(s), ${entities.length} entities`,
    );
  }

  /** A user's rescans of one entity are limited per minute (in the store, so across replicas). */
  async function takeRescanSlot(
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const limit = config.rescansPerMinute;
    const principal = credentials.principal as {
      type?: string;
      userEntityRef?: string;
    };
    if (!limit || principal.type !== 'user' || !principal.userEntityRef) return;
    const user = principal.userEntityRef;
    const key = `rescan:${createHash('sha256')
      .update(`${user}\n${entityRef}`)
      .digest('hex')
      .slice(0, 40)}`;
    if (
      !(await store.takeRateSlot({
        userRef: key,
        minute: now().toISOString().slice(0, 16),
        limit,
      }))
    ) {
      throw Object.assign(
        new ServiceUnavailableError(
          `too many rescans: ${user} may rescan ${entityRef} ${limit} times a minute (k8sDiagnostics.rescansPerMinute); the findings shown are at most a minute old, try again shortly`,
        ),
        { statusCode: 429 },
      );
    }
  }

  return {
    async getEntityHealth({ entityRef, credentials, refresh, requestAuth }) {
      const entity = await loadEntity(entityRef, credentials);
      if (refresh) await takeRescanSlot(entityRef, credentials);
      if ((await source.listClusters()).length === 0)
        return empty(entityRef, 'not-configured');
      const selector = workloadSelectorFor(entity, deps.selectors);
      if (!selector) return empty(entityRef, 'not-annotated');
      const last = await store.lastScan(entityRef);
      // only a rescan or an entity never scanned waits on the clusters; a scan with the user's
      // own cluster tokens is that user's: not shared with a concurrent caller
      if (refresh || !last) {
        if (requestAuth) await scanEntity(entityRef, selector, requestAuth);
        else await once(entityRef, () => scanEntity(entityRef, selector));
        return readEntity(entityRef, selector);
      }
      // served from the store (the last scan just read is the one shown); a stale one is scanned
      // again in the background, with the caller's cluster tokens where it sent them
      const stale =
        now().getTime() - Date.parse(last.scannedAt) >
        config.cacheTtlSeconds * 1000;
      if (stale) refreshInBackground(entityRef, selector, requestAuth);
      const result = await readEntity(entityRef, selector, last);
      return stale ? { ...result, stale: true, refreshing: true } : result;
    },

    async getEntityHistory({
      entityRef,
      credentials,
      limit,
      offset,
    }): Promise<EntityHealthHistory> {
      await loadEntity(entityRef, credentials);
      // one more than the page, oldest first: an extra first point means older scans exist
      const points = await store.history(entityRef, limit + 1, offset);
      return {
        entityRef,
        history: points.length > limit ? points.slice(1) : points,
        ...(points.length > limit ? { nextOffset: offset + limit } : {}),
      };
    },

    async getEntityFinding({ entityRef, findingId, credentials }) {
      await loadEntity(entityRef, credentials);
      const finding = await store.getFinding(entityRef, findingId);
      if (!finding) {
        throw new NotFoundError(
          `finding '${findingId}' is not a finding of ${entityRef}: reload the Health tab (or rescan) and use an id it lists`,
        );
      }
      return finding;
    },

    async listClusterFindings({ filter }): Promise<ClusterFindings> {
      if ((await source.listClusters()).length === 0) {
        return {
          status: 'not-configured',
          findings: [],
          errors: [],
          warnings: [],
          facets: { clusters: [], namespaces: [], kinds: [] },
        };
      }
      if (!(await store.lastScan(CLUSTER_SCOPE)))
        await once(CLUSTER_SCOPE, scanAll);
      const [last, open] = await Promise.all([
        store.lastScan(CLUSTER_SCOPE),
        store.openFindings(CLUSTER_SCOPE),
      ]);
      const all = open.map(({ sensitive: _s, ...rest }) => rest);
      const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))].sort();
      const findings = all.filter(
        f =>
          (!filter.cluster || f.cluster === filter.cluster) &&
          (!filter.namespace || f.object.namespace === filter.namespace) &&
          (!filter.kind || f.object.kind === filter.kind) &&
          (!filter.severity || f.severity === filter.severity),
      );
      return {
        status: 'ok',
        scannedAt: last?.scannedAt,
        findings,
        errors: last?.errors ?? [],
        warnings: last?.warnings ?? [],
        facets: {
          clusters: uniq(all.map(f => f.cluster)),
          namespaces: uniq(all.map(f => f.object.namespace ?? '')),
          kinds: uniq(all.map(f => f.object.kind)),
        },
      };
    },

    scanAll,
  };
}

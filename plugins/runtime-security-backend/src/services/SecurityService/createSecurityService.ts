/**
 * The SecurityService: an entity's findings (the catalog entity's workload selector over the
 * stored findings), triage, the findings list and ingest health.
 */
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  inSelectorNamespace,
  matchesLabelSelector,
  WorkloadSelector,
  WorkloadSelectorOptions,
  workloadSelectorFor,
} from '@periscope/kube-access';
import type {
  EntitySecurity,
  Severity,
  TimelineBucket,
} from '@periscope/backstage-plugin-runtime-security-common';
import { FindingsStore, StoredFinding } from '../FindingsStore';
import { SecurityService } from './types';

const DAY = 24 * 3600_000;
/** Findings read from the store at a time. */
const PAGE = 1000;
/** Default page size of an entity's findings (GET /entity `limit`); the rest by `nextOffset`. */
export const MAX_ENTITY_FINDINGS = 2000;

/** Creates the service; entities are read through the catalog with the caller's credentials. */
export function createSecurityService(deps: {
  configured: boolean;
  catalog: CatalogService;
  logger: LoggerService;
  store: FindingsStore;
  queuedLines: () => number;
  /** Where entities without a namespace annotation are read (periscope.namespacesWithoutAnnotation). */
  selectors?: WorkloadSelectorOptions;
  now?: () => number;
}): SecurityService {
  const now = () => (deps.now ? deps.now() : Date.now());

  async function entityOf(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await deps.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity)
      throw new NotFoundError(`entity '${entityRef}' is not in the catalog`);
    return entity;
  }

  /** Whether a finding (or a workload's findings) is the entity's: its namespace and pod labels. */
  function ofSelector(
    selector: WorkloadSelector,
    f: { namespace: string; labels: Record<string, string> },
  ): boolean {
    return (
      f.namespace !== '' &&
      inSelectorNamespace(selector, f.namespace) &&
      matchesLabelSelector(f.labels, selector.labelSelector)
    );
  }

  /**
   * The entity's findings in store pages (memory stays bounded however many findings the
   * namespace has), the most severe and recent first as the store orders them: one batch of the
   * entity's matches per page read.
   */
  async function* entityFindings(
    selector: WorkloadSelector,
  ): AsyncGenerator<StoredFinding[]> {
    for (let offset = 0; ; offset += PAGE) {
      const rows = await deps.store.list({
        ...(selector.namespace ? { namespace: selector.namespace } : {}),
        limit: PAGE,
        offset,
      });
      yield rows.filter(f => ofSelector(selector, f));
      if (rows.length < PAGE) return;
    }
  }

  /** `limit` of the entity's findings after the first `offset`; reads no further than one past the page. */
  async function findingsPage(
    selector: WorkloadSelector,
    limit: number,
    offset: number,
  ) {
    const page: StoredFinding[] = [];
    let skipped = 0;
    for await (const batch of entityFindings(selector)) {
      const skip = Math.min(offset - skipped, batch.length);
      skipped += skip;
      page.push(...batch.slice(skip));
      if (page.length > limit)
        return { findings: page.slice(0, limit), nextOffset: offset + limit };
    }
    return { findings: page };
  }

  async function entityFinding(
    entityRef: string,
    id: string,
    credentials: BackstageCredentials,
  ) {
    const entity = await entityOf(entityRef, credentials);
    const finding = await deps.store.get(id);
    const selector = workloadSelectorFor(entity, deps.selectors);
    const belongs = finding && selector && ofSelector(selector, finding);
    if (!finding || !belongs) {
      throw new NotFoundError(
        `finding '${id}' does not exist for ${entityRef} (it may have expired, or belong to another entity)`,
      );
    }
    return finding;
  }

  async function sourceErrors(): Promise<EntitySecurity['errors']> {
    const sources = await deps.store.listSources();
    return sources
      .filter(s => s.error)
      .map(s => ({
        cluster: s.id,
        errorType: 'INGEST_ERROR',
        message: s.error!,
      }));
  }

  return {
    async getEntitySecurity({
      entityRef,
      credentials,
      limit = MAX_ENTITY_FINDINGS,
      offset = 0,
    }) {
      const entity = await entityOf(entityRef, credentials);
      const none = { findings: [], openCounts: {}, total: 0, errors: [] };
      if (!deps.configured)
        return { entityRef, status: 'not-configured', ...none };
      const selector = workloadSelectorFor(entity, deps.selectors);
      if (!selector) return { entityRef, status: 'not-annotated', ...none };
      const page = await findingsPage(selector, limit, offset);
      // over every finding of the entity (the same selector as the page), not only this page
      const counts = await deps.store.severityCounts({
        ...(selector.namespace ? { namespace: selector.namespace } : {}),
        workload: w => ofSelector(selector, w),
      });
      return {
        entityRef,
        status: 'ok',
        labelSelector: selector.labelSelector,
        namespace: selector.namespace,
        findings: page.findings,
        ...(page.nextOffset !== undefined
          ? { nextOffset: page.nextOffset }
          : {}),
        openCounts: counts.open,
        total: counts.total,
        errors: await sourceErrors(),
      };
    },

    async getEntityFinding({ entityRef, id, credentials }) {
      return entityFinding(entityRef, id, credentials);
    },

    async triageEntityFinding({
      entityRef,
      id,
      state,
      reason,
      by,
      credentials,
    }) {
      await entityFinding(entityRef, id, credentials);
      await deps.store.triage(id, {
        state,
        reason,
        by,
        at: new Date(now()).toISOString(),
      });
      return entityFinding(entityRef, id, credentials);
    },

    async getEntityTimeline({ entityRef, days, credentials }) {
      const entity = await entityOf(entityRef, credentials);
      const selector = workloadSelectorFor(entity, deps.selectors);
      const bucket = days <= 2 ? 'hour' : 'day';
      const bucketMs = bucket === 'hour' ? 3600_000 : DAY;
      const sinceMs = Math.floor((now() - days * DAY) / bucketMs) * bucketMs;
      // every finding of the entity, one store page at a time, the counts summed per bucket
      const merged = new Map<string, TimelineBucket>();
      if (selector) {
        for await (const batch of entityFindings(selector)) {
          if (batch.length === 0) continue;
          for (const b of await deps.store.timeline(
            batch.map(f => f.id),
            { sinceMs, bucketMs },
          )) {
            const into = merged.get(b.start);
            if (!into)
              merged.set(b.start, { start: b.start, counts: { ...b.counts } });
            else
              for (const [sev, n] of Object.entries(b.counts) as Array<
                [Severity, number]
              >)
                into.counts[sev] = (into.counts[sev] ?? 0) + n;
          }
        }
      }
      // ISO starts of one format sort as their times do
      const buckets = [...merged.values()].sort((a, b) =>
        a.start.localeCompare(b.start),
      );
      return { entityRef, bucket, buckets };
    },

    async listFindings(filter) {
      return { findings: await deps.store.list(filter) };
    },

    async getIngestHealth() {
      return {
        sources: await deps.store.listSources(),
        queuedLines: deps.queuedLines(),
      };
    },

    async getUnknownEvents() {
      return { events: await deps.store.listUnknown() };
    },
  };
}

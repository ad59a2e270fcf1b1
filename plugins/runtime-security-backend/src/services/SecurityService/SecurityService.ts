import { BackstageCredentials, LoggerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { inSelectorNamespace, matchesLabelSelector, WorkloadSelectorOptions, workloadSelectorFor } from '@periscope/kube-access';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import type {
  EntitySecurity,
  EntityTimeline,
  IngestHealth,
  UnknownEventsResponse,
} from '@periscope/backstage-plugin-runtime-security-common';
import {
  FindingFilter,
  StoredFinding,
  StoredFindingDetail,
  TriageState,
} from '../FindingsStore/types';

export type { EntitySecurity, EntityTimeline, IngestHealth } from '@periscope/backstage-plugin-runtime-security-common';

/**
 * Reads and triages findings. Entity-scoped methods resolve the entity through
 * the catalog with the caller's credentials; permission checks happen in the router.
 * @public
 */
export interface SecurityService {
  getEntitySecurity(options: { entityRef: string; credentials: BackstageCredentials }): Promise<EntitySecurity>;
  getEntityFinding(options: { entityRef: string; id: string; credentials: BackstageCredentials }): Promise<StoredFindingDetail>;
  triageEntityFinding(options: {
    entityRef: string;
    id: string;
    state: TriageState;
    reason?: string;
    by: string;
    credentials: BackstageCredentials;
  }): Promise<StoredFindingDetail>;
  getEntityTimeline(options: { entityRef: string; days: number; credentials: BackstageCredentials }): Promise<EntityTimeline>;
  listFindings(filter: FindingFilter): Promise<{ findings: StoredFinding[] }>;
  getIngestHealth(): Promise<IngestHealth>;
  /** Unknown event types and fields per source, with the latest raw event of each. */
  getUnknownEvents(): Promise<UnknownEventsResponse>;
}

const DAY = 24 * 3600_000;
/** Findings read from the store at a time. */
const PAGE = 1000;
/** The most findings one entity's tab gets (the rest: `truncated`, narrow with the overview's filters). */
export const MAX_ENTITY_FINDINGS = 2000;

/** @public */
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

  async function entityOf(entityRef: string, credentials: BackstageCredentials): Promise<Entity> {
    const entity = await deps.catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) throw new NotFoundError(`entity '${entityRef}' is not in the catalog`);
    return entity;
  }

  /**
   * The entity's findings, read page by page (memory stays bounded however many findings the
   * namespace has) and capped at {@link MAX_ENTITY_FINDINGS}, the most severe and recent first as
   * the store orders them.
   */
  async function findingsOf(entity: Entity): Promise<{ findings: StoredFinding[]; truncated: boolean } | undefined> {
    const selector = workloadSelectorFor(entity, deps.selectors);
    if (!selector) return undefined;
    const matches: StoredFinding[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const rows = await deps.store.list({ ...(selector.namespace ? { namespace: selector.namespace } : {}), limit: PAGE, offset });
      matches.push(
        ...rows.filter(
          f => f.namespace !== '' && inSelectorNamespace(selector, f.namespace) && matchesLabelSelector(f.labels, selector.labelSelector),
        ),
      );
      if (matches.length > MAX_ENTITY_FINDINGS) return { findings: matches.slice(0, MAX_ENTITY_FINDINGS), truncated: true };
      if (rows.length < PAGE) return { findings: matches, truncated: false };
    }
  }

  async function entityFinding(entityRef: string, id: string, credentials: BackstageCredentials) {
    const entity = await entityOf(entityRef, credentials);
    const finding = await deps.store.get(id);
    const selector = workloadSelectorFor(entity, deps.selectors);
    const belongs =
      finding &&
      selector &&
      finding.namespace !== '' &&
      inSelectorNamespace(selector, finding.namespace) &&
      matchesLabelSelector(finding.labels, selector.labelSelector);
    if (!finding || !belongs) {
      throw new NotFoundError(`finding '${id}' does not exist for ${entityRef} (it may have expired, or belong to another entity)`);
    }
    return finding;
  }

  async function sourceErrors(): Promise<EntitySecurity['errors']> {
    const sources = await deps.store.listSources();
    return sources
      .filter(s => s.error)
      .map(s => ({ cluster: s.id, errorType: 'INGEST_ERROR', message: s.error! }));
  }

  return {
    async getEntitySecurity({ entityRef, credentials }) {
      const entity = await entityOf(entityRef, credentials);
      if (!deps.configured) return { entityRef, status: 'not-configured', findings: [], errors: [] };
      const selector = workloadSelectorFor(entity, deps.selectors);
      const found = await findingsOf(entity);
      if (!selector || !found) return { entityRef, status: 'not-annotated', findings: [], errors: [] };
      return {
        entityRef,
        status: 'ok',
        labelSelector: selector.labelSelector,
        namespace: selector.namespace,
        findings: found.findings,
        ...(found.truncated ? { truncated: true } : {}),
        errors: await sourceErrors(),
      };
    },

    async getEntityFinding({ entityRef, id, credentials }) {
      return entityFinding(entityRef, id, credentials);
    },

    async triageEntityFinding({ entityRef, id, state, reason, by, credentials }) {
      await entityFinding(entityRef, id, credentials);
      await deps.store.triage(id, { state, reason, by, at: new Date(now()).toISOString() });
      return entityFinding(entityRef, id, credentials);
    },

    async getEntityTimeline({ entityRef, days, credentials }) {
      const entity = await entityOf(entityRef, credentials);
      const findings = (await findingsOf(entity))?.findings ?? [];
      const bucket = days <= 2 ? 'hour' : 'day';
      const bucketMs = bucket === 'hour' ? 3600_000 : DAY;
      const sinceMs = Math.floor((now() - days * DAY) / bucketMs) * bucketMs;
      const buckets = await deps.store.timeline(findings.map(f => f.id), { sinceMs, bucketMs });
      return { entityRef, bucket, buckets };
    },

    async listFindings(filter) {
      return { findings: await deps.store.list(filter) };
    },

    async getIngestHealth() {
      return { sources: await deps.store.listSources(), queuedLines: deps.queuedLines() };
    },

    async getUnknownEvents() {
      return { events: await deps.store.listUnknown() };
    },
  };
}

/** The SecurityService's interface: an entity's findings, triage, the findings list and ingest health. */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
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
} from '../FindingsStore';

export type {
  EntitySecurity,
  EntityTimeline,
  IngestHealth,
} from '@periscope/backstage-plugin-runtime-security-common';

/**
 * Reads and triages findings. Entity-scoped methods resolve the entity through
 * the catalog with the caller's credentials; permission checks happen in the router.
 * @public
 */
export interface SecurityService {
  /**
   * The entity's findings, most severe and recent first: `limit` of them (default
   * 2000) after the first `offset` (default 0); `nextOffset` when more exist. `openCounts`
   * (open findings per severity) and `total` count every finding of the entity, not only the page.
   */
  getEntitySecurity(options: {
    entityRef: string;
    credentials: BackstageCredentials;
    limit?: number;
    offset?: number;
  }): Promise<EntitySecurity>;
  getEntityFinding(options: {
    entityRef: string;
    id: string;
    credentials: BackstageCredentials;
  }): Promise<StoredFindingDetail>;
  triageEntityFinding(options: {
    entityRef: string;
    id: string;
    state: TriageState;
    reason?: string;
    by: string;
    credentials: BackstageCredentials;
  }): Promise<StoredFindingDetail>;
  /** Events per bucket of every finding of the entity (not only one page of them). */
  getEntityTimeline(options: {
    entityRef: string;
    days: number;
    credentials: BackstageCredentials;
  }): Promise<EntityTimeline>;
  listFindings(filter: FindingFilter): Promise<{ findings: StoredFinding[] }>;
  getIngestHealth(): Promise<IngestHealth>;
  /** Unknown event types and fields per source, with the latest raw event of each. */
  getUnknownEvents(): Promise<UnknownEventsResponse>;
}

import type { Severity } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterError } from '@periscope/kube-access';
import {
  HealthFinding,
  HistoryPoint,
  TokenUsage,
  WorkloadSummary,
} from '../../types';
import { ScannedFinding } from '../HealthService/findings';

/** The scope of the cluster-wide scan; entity scans use the entity reference. */
export const CLUSTER_SCOPE = '*';

/** A finding as stored, with what is needed to explain it. */
export type StoredFinding = HealthFinding & { sensitive: string[] };

/** One recorded scan of a scope. */
export interface ScanRecord {
  scope: string;
  scannedAt: string;
  errors: ClusterError[];
  warnings: string[];
  clusters: Array<{ name: string; workloads: WorkloadSummary[] }>;
}

/** What one scan of a scope saw. */
export interface ScanInput {
  scope: string;
  at: Date;
  /** Clusters that answered: only their unseen findings become resolved. */
  scannedClusters: string[];
  findings: ScannedFinding[];
  errors: ClusterError[];
  warnings: string[];
  clusters: Array<{ name: string; workloads: WorkloadSummary[] }>;
}

/** The token usage of one LLM call, recorded per user and entity. */
export interface UsageEntry {
  cacheKey: string;
  entityRef: string;
  /** Who asked: a user entity ref, `service:<subject>` or `anonymous`. Absent on rows recorded before users were. */
  userRef?: string;
  findingId: string;
  provider: string;
  model: string;
  usage: TokenUsage;
  at: Date;
}

/** The outcome of reserving tokens of a day's budget, with the day's state after it. */
export interface TokenReservation {
  granted: boolean;
  /** Tokens recorded as used that day. */
  used: number;
  /** Tokens reserved by calls in progress (this one included when granted). */
  reserved: number;
}

/** A day's usage by user and entity. */
export interface UsageTotal {
  userRef?: string;
  entityRef: string;
  calls: number;
  totalTokens: number;
}

/** Persistence of findings, scans, cached explanations and token usage. */
export interface FindingsStore {
  recordScan(input: ScanInput): Promise<void>;
  lastScan(scope: string): Promise<ScanRecord | undefined>;
  openFindings(scope: string): Promise<StoredFinding[]>;
  resolvedSince(scope: string, since: Date): Promise<StoredFinding[]>;
  /** `limit` scans of the scope, oldest first, after skipping the newest `offset` (default 0). */
  history(
    scope: string,
    limit: number,
    offset?: number,
  ): Promise<HistoryPoint[]>;
  getFinding(scope: string, id: string): Promise<StoredFinding | undefined>;
  getExplanation(cacheKey: string): Promise<string | undefined>;
  putExplanation(entry: {
    cacheKey: string;
    provider: string;
    model: string;
    promptVersion: string;
    language: string;
    inputHash: string;
    answer: string;
    at: Date;
  }): Promise<void>;
  /** Records usage that was not reserved (counted on the day of `at`). */
  recordUsage(entry: UsageEntry): Promise<void>;
  tokensUsedOn(day: string): Promise<number>;
  /**
   * Reserves `tokens` of `day`'s budget in one conditional UPDATE (used + reserved + tokens <=
   * budget), so concurrent calls, also from other replicas on the same database, cannot overshoot.
   */
  reserveTokens(request: {
    day: string;
    tokens: number;
    budget: number;
  }): Promise<TokenReservation>;
  /**
   * Releases a reservation of `day` (0 when none was made) and, in the same transaction, records
   * what the call really used (nothing when `usage` is absent, e.g. the provider was unreachable).
   */
  settleTokens(settlement: {
    day: string;
    reserved: number;
    usage?: UsageEntry;
  }): Promise<void>;
  /** Takes one of `limit` calls of a caller in a UTC minute (`YYYY-MM-DDTHH:MM`); false when all are taken. */
  takeRateSlot(request: {
    userRef: string;
    minute: string;
    limit: number;
  }): Promise<boolean>;
  /** Usage of a day by user and entity. */
  usageOn(day: string): Promise<UsageTotal[]>;
}

export type { Severity };

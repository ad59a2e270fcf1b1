import type { Severity } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { ClusterError } from '@periscope/kube-access';
import { HealthFinding, HistoryPoint, TokenUsage, WorkloadSummary } from '../../types';
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

/** Persistence of findings, scans, cached explanations and token usage. */
export interface FindingsStore {
  recordScan(input: ScanInput): Promise<void>;
  lastScan(scope: string): Promise<ScanRecord | undefined>;
  openFindings(scope: string): Promise<StoredFinding[]>;
  resolvedSince(scope: string, since: Date): Promise<StoredFinding[]>;
  history(scope: string, limit: number): Promise<HistoryPoint[]>;
  getFinding(scope: string, id: string): Promise<StoredFinding | undefined>;
  getExplanation(cacheKey: string): Promise<string | undefined>;
  putExplanation(entry: { cacheKey: string; provider: string; model: string; promptVersion: string; language: string; inputHash: string; answer: string; at: Date }): Promise<void>;
  recordUsage(entry: { cacheKey: string; entityRef: string; findingId: string; provider: string; model: string; usage: TokenUsage; at: Date }): Promise<void>;
  tokensUsedOn(day: string): Promise<number>;
}

export type { Severity };

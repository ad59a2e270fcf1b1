/** The Health store: findings, scans, cached explanations, token usage, budget and rate limits. */
export { createFindingsStore } from './createFindingsStore';
export { CLUSTER_SCOPE } from './types';
export type {
  FindingsStore,
  ScanInput,
  ScanRecord,
  StoredFinding,
  TokenReservation,
  UsageEntry,
  UsageTotal,
} from './types';

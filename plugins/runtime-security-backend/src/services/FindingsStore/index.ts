/** The FindingsStore: findings, events, triage and per-source ingest state in the plugin's database. */
export * from './types';
export {
  createFindingsStore,
  MAX_UNKNOWN_PER_SOURCE,
} from './createFindingsStore';

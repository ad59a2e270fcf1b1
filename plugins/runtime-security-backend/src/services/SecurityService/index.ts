/** The SecurityService: findings of entities, triage, the findings list and ingest health. */
export * from './types';
export {
  createSecurityService,
  MAX_ENTITY_FINDINGS,
} from './createSecurityService';

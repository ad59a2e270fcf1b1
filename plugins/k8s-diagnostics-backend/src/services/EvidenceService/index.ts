/** Reads a finding's evidence and its pods' logs in the finding's cluster at request time. */
export { createEvidenceService } from './createEvidenceService';
export type { EvidenceService, EvidenceResult } from './types';

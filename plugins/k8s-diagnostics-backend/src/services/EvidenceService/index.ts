export { createEvidenceService } from './createEvidenceService';
export type { EvidenceService, EvidenceResult } from './types';

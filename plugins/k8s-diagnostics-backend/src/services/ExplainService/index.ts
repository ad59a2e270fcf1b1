/** Explanations of findings: through the LLM (masked) or the built-in remediation catalog. */
export { createExplainService } from './createExplainService';
export type { ExplainService } from './types';

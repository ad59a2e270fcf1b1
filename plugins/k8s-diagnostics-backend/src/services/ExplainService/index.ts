export * from './types';
export { createExplainService } from './createExplainService';

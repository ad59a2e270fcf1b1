export * from './types';
export { createFindingsStore } from './createFindingsStore';

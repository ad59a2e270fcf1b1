export { FindingsStore } from './FindingsStore';
export * from './types';

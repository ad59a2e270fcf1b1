export * from './types';
export { createModuleCatalog } from './createModuleCatalog';
export { listTags, sortTags } from './registry';

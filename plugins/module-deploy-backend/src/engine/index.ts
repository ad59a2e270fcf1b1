/**
 * The module-deploy engine: Timoni modules rendered with the real `cue`, values, schema,
 * server-side diff/apply/prune, Timoni-compatible instance storage, OCI pulls.
 */
export * from './engine';
export * from './render';
export * from './schema';
export * from './cluster';
export * from './kubeApi';
export * from './bundle';
export * from './bundleEngine';
export * from './runtime';
export * from './mask';
export { injectRuntimeValues, runtimeLiteral } from './runtimeInject';
export type { RuntimeAttribute, InjectResult } from './runtimeInject';
export * from './storage';
export * from './oci';
export * from './tar';
export * from './tools';
export * from './errors';
export {
  CueEvaluationError,
  cueEnv,
  runningProcesses,
  setMaxConcurrentProcesses,
  parseCueErrors,
  condenseIssues,
  runProcess,
} from './cue';
export { loadValuesFile, loadModuleDefaults } from './valuesFiles';
export {
  copyModule,
  parseIgnore,
  isIgnored,
  scanModuleTags,
  readModuleName,
} from './moduleFiles';

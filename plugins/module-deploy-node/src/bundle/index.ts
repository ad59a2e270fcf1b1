/** Timoni bundles: bundle files, rendering and applying their instances, runtime values. */
export {
  BUNDLE_NAME_LABEL,
  BUNDLE_SCHEMA,
  BundleError,
  bundleModuleRef,
  loadBundle,
  loadBundleName,
} from './bundle';
export type {
  Bundle,
  BundleFile,
  BundleInstance,
  BundleIssue,
  LoadBundleOptions,
} from './bundle';
export {
  applyBundleInstances,
  bundleInstancesStatus,
  bundleRelease,
  checkBundleOwnership,
  deleteBundleInstances,
  renderBundleInstances,
} from './bundleEngine';
export type {
  BundleInstanceApply,
  BundleInstanceDiff,
  BundleInstanceRender,
  BundleInstanceStatus,
  InstanceRenderer,
} from './bundleEngine';
export {
  clusterRuntimeValues,
  DEFAULT_RUNTIME_CLUSTER,
  defaultRuntimeCluster,
  isDefaultRuntimeCluster,
  loadRuntime,
  maskSecrets,
  mergeRuntimeValues,
  parseRuntimeQuery,
  readRuntimeValues,
  RUNTIME_SCHEMA,
  selectRuntimeClusters,
} from './runtime';
export type {
  RuntimeCluster,
  RuntimeQuery,
  RuntimeSpec,
  RuntimeValues,
} from './runtime';
export { injectRuntimeValues, runtimeLiteral } from './runtimeInject';
export type { InjectResult, RuntimeAttribute } from './runtimeInject';

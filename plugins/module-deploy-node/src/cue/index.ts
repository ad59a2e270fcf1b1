/** The CUE side: the cue runner, render, values schema, values files, module files, packaging. */
export {
  copyModule,
  isIgnored,
  parseIgnore,
  readModuleName,
  scanModuleTags,
} from './moduleFiles';
export {
  buildModuleArtifact,
  collectLayerEntries,
  gitAnnotations,
  gitIgnoreMatcher,
  readTimoniIgnore,
  TEST_FILE_PATTERN,
  validateModuleVersion,
} from './modulePackage';
export type { ArtifactBlob, ModuleArtifact } from './modulePackage';
export {
  checkInstanceNames,
  collectImages,
  DEFAULT_KUBE_VERSION,
  DEFAULT_MODULE_VERSION,
  prepareWorkspace,
  renderModule,
} from './render';
export type { ModuleWorkspace, RenderOptions, RenderResult } from './render';
export {
  condenseIssues,
  cueEnv,
  CueEvaluationError,
  parseCueErrors,
  runningProcesses,
  runProcess,
  setMaxConcurrentProcesses,
} from './runner';
export { valuesSchema } from './schema';
export type { SchemaOptions } from './schema';
export { loadModuleDefaults, loadValuesFile } from './valuesFiles';

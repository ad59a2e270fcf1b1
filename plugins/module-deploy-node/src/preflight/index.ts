/** Warnings before a deploy: the reference checks over the rendered objects and the live target namespace. */
export {
  parsePreflightChecks,
  PREFLIGHT_CHECKS,
  preflightKinds,
  preflightWarnings,
} from './preflight';
export type {
  PreflightInput,
  PreflightLiveObjects,
  PreflightReport,
} from './preflight';
export { readPreflightObjects, runPreflight } from './live';

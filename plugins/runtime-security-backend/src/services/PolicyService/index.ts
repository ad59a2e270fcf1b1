/** The PolicyService: TracingPolicies, their matches and enforcement proposals. */
export * from './types';
export { createPolicyService } from './createPolicyService';
export { knownWorkloadsFromCatalog } from './knownWorkloadsFromCatalog';
export {
  listPolicies,
  readPolicies,
  summarizePolicySpec,
  unfedRules,
} from './tracingPolicies';

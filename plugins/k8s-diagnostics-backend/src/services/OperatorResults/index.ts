export { listOperatorResults } from './listResults';
export {
  mergeSources,
  operatorFindings,
  OPERATOR_SEVERITY,
} from './operatorFindings';
export { parseOperatorResult } from './parse';
export { OPERATOR_SOURCE, RESULT_RESOURCE } from './types';
export type { OperatorResult, OperatorResultList } from './types';

export {
  PERISCOPE_SEVERITIES,
  severityColor,
  severityColors,
  useSeverityColors,
} from './severityColors';
export type { PeriscopeSeverity, SeverityColor } from './severityColors';
export { SeverityChip, SeveritySummary } from './SeverityChip';

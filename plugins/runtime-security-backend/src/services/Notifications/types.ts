/** The FindingNotifier's interface. */
import { DetectionRecord } from '../FindingsStore';

/** Told about the findings one ingest created (never about findings seen before). */
export interface FindingNotifier {
  notifyNewFindings(findings: DetectionRecord[]): Promise<void>;
}

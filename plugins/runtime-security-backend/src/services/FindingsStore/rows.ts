/**
 * The FindingsStore's tables as the store reads them: table names, and stored rows turned into
 * findings (a corrupt JSON column is a 503 that names the row and what to do).
 */
import { ServiceUnavailableError } from '@backstage/errors';
import {
  SEVERITIES,
  Severity,
} from '@periscope/backstage-plugin-runtime-security-common';
import { StoredFinding, TriageState } from './types';

export const FINDINGS = 'runtime_security_findings';
export const EVENTS = 'runtime_security_finding_events';
export const SOURCES = 'runtime_security_sources';
export const UNKNOWN = 'runtime_security_unknown_events';
export const DAY_MS = 24 * 3600_000;
/** Rows per INSERT statement (SQLite allows 999 bound variables; 4 columns per event row). */
export const CHUNK = 200;

export function rankToSeverity(rank: number): Severity {
  return SEVERITIES[4 - Math.max(0, Math.min(4, rank))];
}

export function iso(ms: number | string | null | undefined): string {
  const n = Number(ms);
  return Number.isFinite(n) ? new Date(n).toISOString() : '';
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || !text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * Parses a stored JSON column. A corrupt value (a bad restore, a hand edit) is a 503 naming the
 * table, the row and the column and saying what to do, never a 500 from a SyntaxError and never
 * silently replaced by an empty value.
 */
export function parseStored<T>(
  text: unknown,
  fallback: T,
  where: { table: string; id: string; column: string; remedy: string },
): T {
  if (typeof text !== 'string' || !text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const cond = `id = '${where.id.replace(/'/g, "''")}'`;
    throw new ServiceUnavailableError(
      `runtime-security: the stored row of table ${
        where.table
      } where ${cond} is corrupt: column '${where.column}' is not valid JSON (${
        (e as Error).message
      }). Delete the row: DELETE FROM ${where.table} WHERE ${cond}; ${
        where.remedy
      }`,
    );
  }
}

/** Why deleting a corrupt row is safe. */
export const FINDING_REMEDY =
  "the finding's next event records it anew, its count recomputed from the stored events.";
export const SOURCE_REMEDY = 'the source writes the row anew on its next run.';

/** A row of the findings table as served. */
export function toFinding(r: any): StoredFinding {
  return {
    id: r.id,
    rule: r.rule,
    severity: rankToSeverity(Number(r.severity_rank)),
    title: r.title,
    mitre: { id: r.mitre_id, name: r.mitre_name },
    remediation: r.remediation,
    outcome: r.outcome === 'blocked' ? 'blocked' : 'observed',
    cluster: r.cluster,
    namespace: r.namespace,
    workload: r.workload,
    pod: r.pod,
    binary: r.binary,
    labels: parseStored(
      r.labels,
      {},
      {
        table: FINDINGS,
        id: String(r.id),
        column: 'labels',
        remedy: FINDING_REMEDY,
      },
    ),
    count: Number(r.count),
    firstSeen: iso(r.first_seen_ms),
    lastSeen: iso(r.last_seen_ms),
    policy: r.policy ?? undefined,
    triage: {
      state: (r.triage_state ?? 'open') as TriageState,
      by: r.triage_by ?? undefined,
      reason: r.triage_reason ?? undefined,
      at: r.triage_at ?? undefined,
    },
  };
}

/**
 * FindingsStore ingest: one transaction that stores detections idempotently (one row per
 * (finding, event id), counts recomputed from those rows) and tells which findings it created.
 */
import { severityRank } from '@periscope/backstage-plugin-runtime-security-common';
import { Knex } from 'knex';
import { CHUNK, EVENTS, FINDINGS } from './rows';
import { DetectionRecord, IngestOutcome } from './types';

/** The best sample of a batch: most severe, then earliest, then smallest event id. */
function better(a: DetectionRecord, b: DetectionRecord): boolean {
  const ra = severityRank(a.severity);
  const rb = severityRank(b.severity);
  if (ra !== rb) return ra > rb;
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  return a.eventId < b.eventId;
}

async function insertFindings(
  tx: Knex.Transaction,
  rows: DetectionRecord[],
): Promise<void> {
  const values = rows.map(r => ({
    id: r.findingId,
    rule: r.rule,
    severity_rank: severityRank(r.severity),
    title: r.title,
    mitre_id: r.mitre.id,
    mitre_name: r.mitre.name,
    remediation: r.remediation,
    outcome: r.outcome,
    cluster: r.cluster,
    namespace: r.namespace,
    workload: r.workload,
    pod: r.pod,
    binary: r.binary,
    policy: r.sample.policy ?? null,
    labels: JSON.stringify(r.labels),
    sample: JSON.stringify(r.sample),
    sample_rank: severityRank(r.severity),
    sample_time_ms: r.timeMs,
    count: 0,
    first_seen_ms: r.timeMs,
    last_seen_ms: r.timeMs,
  }));
  for (let i = 0; i < values.length; i += 20) {
    await tx(FINDINGS)
      .insert(values.slice(i, i + 20))
      .onConflict('id')
      .ignore();
  }
}

async function lockFindings(
  tx: Knex.Transaction,
  ids: string[],
): Promise<void> {
  if (/sqlite/.test(String(tx.client.config.client))) return;
  for (let i = 0; i < ids.length; i += CHUNK) {
    await tx(FINDINGS)
      .select('id')
      .whereIn('id', ids.slice(i, i + CHUNK))
      .orderBy('id')
      .forUpdate();
  }
}

async function eventCounts(
  tx: Knex.Transaction,
  ids: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await tx(EVENTS)
      .select('finding_id')
      .count({ n: '*' })
      .whereIn('finding_id', ids.slice(i, i + CHUNK))
      .groupBy('finding_id');
    for (const r of rows as Array<{ finding_id: string; n: number | string }>)
      out.set(r.finding_id, Number(r.n));
  }
  return out;
}

/** Count, first/last seen and severity from the event rows: one statement, safe under concurrency. */
export async function recompute(
  tx: Knex.Transaction,
  ids: string[],
): Promise<void> {
  const sub = (agg: string) =>
    tx.raw(
      `(select ${agg} from ${EVENTS} e where e.finding_id = ${FINDINGS}.id)`,
    );
  for (let i = 0; i < ids.length; i += CHUNK) {
    await tx(FINDINGS)
      .whereIn('id', ids.slice(i, i + CHUNK))
      .update({
        count: sub('count(*)'),
        first_seen_ms: sub('min(e.time_ms)'),
        last_seen_ms: sub('max(e.time_ms)'),
        severity_rank: sub('max(e.severity_rank)'),
      });
  }
}

/** Replaces the sample when this one is more severe, or as severe and earlier (order-independent). */
async function offerSample(
  tx: Knex.Transaction,
  r: DetectionRecord,
): Promise<void> {
  const rank = severityRank(r.severity);
  await tx(FINDINGS)
    .where('id', r.findingId)
    .andWhere(q =>
      q
        .where('sample_rank', '<', rank)
        .orWhere(q2 =>
          q2
            .where('sample_rank', rank)
            .andWhere('sample_time_ms', '>', r.timeMs),
        ),
    )
    .update({
      sample: JSON.stringify(r.sample),
      sample_rank: rank,
      sample_time_ms: r.timeMs,
      pod: r.pod,
      labels: JSON.stringify(r.labels),
      policy: r.sample.policy ?? null,
    });
}

/** {@link FindingsStore.ingest}: stores detections in one transaction. */
export async function ingestRecords(
  knex: Knex,
  records: DetectionRecord[],
): Promise<IngestOutcome> {
  if (records.length === 0)
    return { newEvents: 0, findings: 0, newFindings: [] };
  const byFinding = new Map<string, DetectionRecord>();
  for (const r of records) {
    const cur = byFinding.get(r.findingId);
    if (!cur || better(r, cur)) byFinding.set(r.findingId, r);
  }
  // in one order everywhere: two replicas lock the same findings in the same order (no deadlock)
  const ids = [...byFinding.keys()].sort();
  return knex.transaction(async tx => {
    await insertFindings(
      tx,
      ids.map(id => byFinding.get(id)!),
    );
    // Two replicas ingesting events of one finding at once: each recompute below reads the
    // event rows under its statement's snapshot, so without a lock the later commit could
    // write a count that misses the other's events. The finding rows' locks make them take
    // turns (PostgreSQL and MySQL; SQLite runs one write transaction at a time anyway).
    await lockFindings(tx, ids);
    const before = await eventCounts(tx, ids);
    const eventRows = records.map(r => ({
      finding_id: r.findingId,
      event_id: r.eventId,
      time_ms: r.timeMs,
      severity_rank: severityRank(r.severity),
    }));
    for (let i = 0; i < eventRows.length; i += CHUNK) {
      await tx(EVENTS)
        .insert(eventRows.slice(i, i + CHUNK))
        .onConflict(['finding_id', 'event_id'])
        .ignore();
    }
    await recompute(tx, ids);
    for (const best of byFinding.values()) await offerSample(tx, best);
    const after = await eventCounts(tx, ids);
    let newEvents = 0;
    const newFindings: DetectionRecord[] = [];
    for (const id of ids) {
      newEvents += (after.get(id) ?? 0) - (before.get(id) ?? 0);
      if (!before.get(id) && after.get(id))
        newFindings.push(byFinding.get(id)!);
    }
    return { newEvents, findings: ids.length, newFindings };
  });
}

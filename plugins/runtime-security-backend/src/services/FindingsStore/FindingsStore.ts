import { DatabaseService } from '@backstage/backend-plugin-api';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  SEVERITIES,
  Severity,
  severityRank,
} from '@periscope/backstage-plugin-runtime-security-common';
import type { UnknownEventSummary } from '@periscope/backstage-plugin-runtime-security-common';
import { Knex } from 'knex';
import { createHash } from 'node:crypto';
import {
  DetectionRecord,
  FindingFilter,
  FindingTriage,
  SourceStats,
  StoredFinding,
  StoredFindingDetail,
  TimelineBucket,
  TriageState,
} from './types';

const FINDINGS = 'runtime_security_findings';
const EVENTS = 'runtime_security_finding_events';
const SOURCES = 'runtime_security_sources';
const UNKNOWN = 'runtime_security_unknown_events';
/** Distinct unknown event types and fields kept per source (each with its count and latest raw event). */
export const MAX_UNKNOWN_PER_SOURCE = 200;
const DAY_MS = 24 * 3600_000;
/** Rows per INSERT statement (SQLite allows 999 bound variables; 4 columns per event row). */
const CHUNK = 200;

function rankToSeverity(rank: number): Severity {
  return SEVERITIES[4 - Math.max(0, Math.min(4, rank))];
}

function iso(ms: number | string | null | undefined): string {
  const n = Number(ms);
  return Number.isFinite(n) ? new Date(n).toISOString() : '';
}

function parseJson<T>(text: unknown, fallback: T): T {
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
const FINDING_REMEDY =
  "the finding's next event records it anew, its count recomputed from the stored events.";
const SOURCE_REMEDY = 'the source writes the row anew on its next run.';

/**
 * Creates the table unless it exists. Two replicas starting at once both see it missing: the
 * one whose CREATE fails because the other's won goes on.
 */
async function create(
  knex: Knex,
  table: string,
  build: (t: Knex.CreateTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasTable(table)) return;
  try {
    await knex.schema.createTable(table, build);
  } catch (e) {
    if (!(await knex.schema.hasTable(table))) throw e;
  }
}

async function createTables(knex: Knex): Promise<void> {
  // The first schema (before ingest existed) had no severity_rank; it never held ingested data.
  if (
    (await knex.schema.hasTable(FINDINGS)) &&
    !(await knex.schema.hasColumn(FINDINGS, 'severity_rank'))
  ) {
    await knex.schema.dropTableIfExists(FINDINGS);
  }
  await create(knex, FINDINGS, t => {
    t.string('id', 64).primary();
    t.string('rule', 128).notNullable().index();
    t.integer('severity_rank').notNullable();
    t.text('title').notNullable();
    t.string('mitre_id', 32).notNullable();
    t.text('mitre_name').notNullable();
    t.text('remediation').notNullable();
    t.string('outcome', 16).notNullable();
    t.string('cluster', 255).notNullable().index();
    t.string('namespace', 255).notNullable().index();
    t.string('workload', 255).notNullable();
    t.string('pod', 255).notNullable();
    t.text('binary').notNullable();
    t.string('policy', 255).nullable().index();
    t.text('labels').notNullable();
    t.text('sample').notNullable();
    t.integer('sample_rank').notNullable();
    t.bigInteger('sample_time_ms').notNullable();
    t.bigInteger('count').notNullable().defaultTo(0);
    t.bigInteger('first_seen_ms').notNullable();
    t.bigInteger('last_seen_ms').notNullable().index();
    t.string('triage_state', 32).notNullable().defaultTo('open');
    t.string('triage_by', 255).nullable();
    t.text('triage_reason').nullable();
    t.string('triage_at', 40).nullable();
  });
  await create(knex, EVENTS, t => {
    t.string('finding_id', 64).notNullable();
    t.string('event_id', 64).notNullable();
    t.bigInteger('time_ms').notNullable().index();
    t.integer('severity_rank').notNullable();
    t.primary(['finding_id', 'event_id']);
  });
  await create(knex, SOURCES, t => {
    t.string('id', 512).primary();
    t.string('kind', 32).notNullable();
    t.text('stats').notNullable();
    t.text('checkpoint').nullable();
    t.string('updated_at', 40).notNullable();
  });
  // Added with unknown-event storage: created here in databases of earlier versions too.
  await create(knex, UNKNOWN, t => {
    t.string('id', 64).primary();
    t.string('source', 512).notNullable().index();
    t.string('cluster', 255).nullable();
    t.string('kind', 16).notNullable();
    t.string('name', 512).notNullable();
    t.bigInteger('count').notNullable().defaultTo(0);
    t.bigInteger('first_seen_ms').notNullable();
    t.bigInteger('last_seen_ms').notNullable().index();
    t.text('sample').nullable();
  });
}

/** The row id of one unknown type or field of one source. */
function unknownId(source: string, kind: string, name: string): string {
  return createHash('sha256')
    .update(`${source}\u0000${kind}\u0000${name}`)
    .digest('hex')
    .slice(0, 32);
}

/** The best sample of a batch: most severe, then earliest, then smallest event id. */
function better(a: DetectionRecord, b: DetectionRecord): boolean {
  const ra = severityRank(a.severity);
  const rb = severityRank(b.severity);
  if (ra !== rb) return ra > rb;
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  return a.eventId < b.eventId;
}

/**
 * Findings, the events counted for each, triage state and per-source ingest
 * state, in the plugin's database (SQLite or PostgreSQL).
 *
 * Ingest is idempotent: every (finding, event id) pair is one row with a
 * unique key, inserted with ON CONFLICT DO NOTHING, and counts, first/last
 * seen and severity are recomputed from those rows in one statement. A
 * replayed stream, a restart that re-reads a window, or two replicas reading
 * the same source never count an event twice.
 * @public
 */
export class FindingsStore {
  static async create(database: DatabaseService): Promise<FindingsStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) await createTables(knex);
    return new FindingsStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  /**
   * Stores detections. Returns how many (finding, event) pairs were new, and the findings this
   * call created: those that had no stored event before it (judged from the stored rows under the
   * finding locks, never from the batch), each with its most severe record. A replayed stream, or
   * a second replica storing the same events, creates none.
   */
  async ingest(records: DetectionRecord[]): Promise<{
    newEvents: number;
    findings: number;
    newFindings: DetectionRecord[];
  }> {
    if (records.length === 0)
      return { newEvents: 0, findings: 0, newFindings: [] };
    const byFinding = new Map<string, DetectionRecord>();
    for (const r of records) {
      const cur = byFinding.get(r.findingId);
      if (!cur || better(r, cur)) byFinding.set(r.findingId, r);
    }
    // in one order everywhere: two replicas lock the same findings in the same order (no deadlock)
    const ids = [...byFinding.keys()].sort();
    return this.knex.transaction(async tx => {
      await this.insertFindings(
        tx,
        ids.map(id => byFinding.get(id)!),
      );
      // Two replicas ingesting events of one finding at once: each recompute below reads the
      // event rows under its statement's snapshot, so without a lock the later commit could
      // write a count that misses the other's events. The finding rows' locks make them take
      // turns (PostgreSQL and MySQL; SQLite runs one write transaction at a time anyway).
      await this.lockFindings(tx, ids);
      const before = await this.eventCounts(tx, ids);
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
      await this.recompute(tx, ids);
      for (const best of byFinding.values()) await this.offerSample(tx, best);
      const after = await this.eventCounts(tx, ids);
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

  private async insertFindings(
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

  private async lockFindings(
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

  private async eventCounts(
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
  private async recompute(tx: Knex.Transaction, ids: string[]): Promise<void> {
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
  private async offerSample(
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

  private toFinding(r: any): StoredFinding {
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

  /** Findings matching the filter, most severe and most recent first. */
  async list(filter: FindingFilter = {}): Promise<StoredFinding[]> {
    const q = this.knex(FINDINGS).select(
      'id',
      'rule',
      'severity_rank',
      'title',
      'mitre_id',
      'mitre_name',
      'remediation',
      'outcome',
      'cluster',
      'namespace',
      'workload',
      'pod',
      'binary',
      'policy',
      'labels',
      'count',
      'first_seen_ms',
      'last_seen_ms',
      'triage_state',
      'triage_by',
      'triage_reason',
      'triage_at',
    );
    if (filter.namespace !== undefined) q.where('namespace', filter.namespace);
    if (filter.namespaces) q.whereIn('namespace', filter.namespaces);
    if (filter.cluster) q.where('cluster', filter.cluster);
    if (filter.rule) q.where('rule', filter.rule);
    if (filter.policy) q.where('policy', filter.policy);
    if (filter.severity?.length)
      q.whereIn('severity_rank', filter.severity.map(severityRank));
    if (filter.triage?.length) q.whereIn('triage_state', filter.triage);
    if (filter.search) {
      const like = `%${filter.search
        .toLowerCase()
        .replace(/[\\%_]/g, m => `\\${m}`)}%`;
      q.where(w => {
        for (const col of ['title', 'rule', 'binary', 'workload', 'pod']) {
          w.orWhereRaw(`lower(??) like ? escape '\\'`, [col, like]);
        }
      });
    }
    q.orderBy([
      { column: 'severity_rank', order: 'desc' },
      { column: 'last_seen_ms', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
    if (filter.limit !== undefined) q.limit(filter.limit);
    if (filter.offset) q.offset(filter.offset);
    return (await q).map(r => this.toFinding(r));
  }

  /** One finding with its sample (ancestry and raw event), or undefined. */
  async get(id: string): Promise<StoredFindingDetail | undefined> {
    const row = await this.knex(FINDINGS).where('id', id).first();
    if (!row) return undefined;
    return {
      ...this.toFinding(row),
      sample: parseStored(row.sample, {} as StoredFindingDetail['sample'], {
        table: FINDINGS,
        id: String(row.id),
        column: 'sample',
        remedy: FINDING_REMEDY,
      }),
    };
  }

  /** Sets the triage state; ingest never changes it. Throws NotFoundError for an unknown id. */
  async triage(
    id: string,
    triage: Required<Pick<FindingTriage, 'state' | 'by' | 'at'>> & {
      reason?: string;
    },
  ): Promise<void> {
    const n = await this.knex(FINDINGS)
      .where('id', id)
      .update({
        triage_state: triage.state,
        triage_by: triage.by,
        triage_reason: triage.reason ?? null,
        triage_at: triage.at,
      });
    if (!n)
      throw new NotFoundError(
        `finding '${id}' does not exist (it may have expired under runtimeSecurity.retention)`,
      );
  }

  /** Events over time of the given findings, bucketed, per severity of the event. */
  async timeline(
    findingIds: string[],
    options: { sinceMs: number; bucketMs: number },
  ): Promise<TimelineBucket[]> {
    const buckets = new Map<number, TimelineBucket>();
    // An integer literal (not a bound parameter) so SQLite divides integers, as PostgreSQL does.
    const bucketMs = Math.max(1000, Math.floor(options.bucketMs));
    for (let i = 0; i < findingIds.length; i += CHUNK) {
      const rows = await this.knex(EVENTS)
        .select(this.knex.raw(`(time_ms / ${bucketMs}) as b`), 'severity_rank')
        .count({ n: '*' })
        .whereIn('finding_id', findingIds.slice(i, i + CHUNK))
        .andWhere('time_ms', '>=', options.sinceMs)
        .groupByRaw(`(time_ms / ${bucketMs}), severity_rank`);
      for (const r of rows as Array<{
        b: number | string;
        severity_rank: number;
        n: number | string;
      }>) {
        const start = Math.floor(Number(r.b)) * bucketMs;
        let b = buckets.get(start);
        if (!b) {
          b = { start: iso(start), counts: {} };
          buckets.set(start, b);
        }
        const sev = rankToSeverity(Number(r.severity_rank));
        b.counts[sev] = (b.counts[sev] ?? 0) + Number(r.n);
      }
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
  }

  /** Finding counts per policy name (the Tetragon policy of the sample events). */
  async countsByPolicy(): Promise<Map<string, number>> {
    const rows = await this.knex(FINDINGS)
      .select('policy')
      .count({ n: '*' })
      .whereNotNull('policy')
      .groupBy('policy');
    return new Map(
      (rows as Array<{ policy: string; n: number | string }>).map(r => [
        r.policy,
        Number(r.n),
      ]),
    );
  }

  /** Finding counts per rule id. */
  async countsByRule(): Promise<Map<string, number>> {
    const rows = await this.knex(FINDINGS)
      .select('rule')
      .count({ n: '*' })
      .groupBy('rule');
    return new Map(
      (rows as Array<{ rule: string; n: number | string }>).map(r => [
        r.rule,
        Number(r.n),
      ]),
    );
  }

  /**
   * Findings of policies with events since `sinceMs`: each with its events in the window (hits)
   * and per day (UTC). For the policy page's matches and enforcement candidacy.
   */
  async policyMatches(sinceMs: number): Promise<{
    findings: Array<{
      finding: StoredFinding;
      hits: number;
      call?: string;
      days: Array<{ dayMs: number; hits: number }>;
    }>;
  }> {
    const counted = (await this.knex(EVENTS)
      .join(FINDINGS, `${FINDINGS}.id`, `${EVENTS}.finding_id`)
      .whereNotNull(`${FINDINGS}.policy`)
      .andWhere(`${EVENTS}.time_ms`, '>=', sinceMs)
      .select(`${EVENTS}.finding_id as id`)
      .count({ n: '*' })
      .groupBy(`${EVENTS}.finding_id`)) as Array<{
      id: string;
      n: number | string;
    }>;
    const hits = new Map(counted.map(r => [r.id, Number(r.n)]));
    const findings: Array<{
      finding: StoredFinding;
      hits: number;
      call?: string;
    }> = [];
    const ids = [...hits.keys()].sort();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.knex(FINDINGS).whereIn(
        'id',
        ids.slice(i, i + CHUNK),
      );
      for (const row of rows) {
        const sample = parseJson<{ function?: string }>(row.sample, {});
        findings.push({
          finding: this.toFinding(row),
          hits: hits.get(row.id) ?? 0,
          call: sample.function || undefined,
        });
      }
    }
    // events per finding and day: each policy and rule sums its own findings' (exact for namespaced policies of one name)
    const dayRows = (await this.knex(EVENTS)
      .join(FINDINGS, `${FINDINGS}.id`, `${EVENTS}.finding_id`)
      .whereNotNull(`${FINDINGS}.policy`)
      .andWhere(`${EVENTS}.time_ms`, '>=', sinceMs)
      .select(
        `${EVENTS}.finding_id as id`,
        this.knex.raw(`(${EVENTS}.time_ms / ${DAY_MS}) as d`),
      )
      .count({ n: '*' })
      .groupBy(`${EVENTS}.finding_id`)
      .groupByRaw(`(${EVENTS}.time_ms / ${DAY_MS})`)) as Array<{
      id: string;
      d: number | string;
      n: number | string;
    }>;
    const days = new Map<string, Array<{ dayMs: number; hits: number }>>();
    for (const r of dayRows) {
      const list = days.get(r.id) ?? [];
      list.push({ dayMs: Math.floor(Number(r.d)) * DAY_MS, hits: Number(r.n) });
      days.set(r.id, list);
    }
    return {
      findings: findings.map(f => ({
        ...f,
        days: days.get(f.finding.id) ?? [],
      })),
    };
  }

  /**
   * Counts unknown event types and fields of one source and keeps the latest raw event of each:
   * at most {@link MAX_UNKNOWN_PER_SOURCE} names per source (more are counted in no row, and the
   * answer says how many were dropped).
   */
  async recordUnknown(
    source: string,
    entries: Array<{
      kind: 'type' | 'field';
      name: string;
      count: number;
      sample?: string;
      timeMs: number;
      cluster?: string;
    }>,
  ): Promise<{ dropped: number }> {
    if (!entries.length) return { dropped: 0 };
    return this.knex.transaction(async tx => {
      const existing = new Set(
        (
          (await tx(UNKNOWN).select('id').where('source', source)) as Array<{
            id: string;
          }>
        ).map(r => r.id),
      );
      let dropped = 0;
      for (const e of entries) {
        const id = unknownId(source, e.kind, e.name);
        if (!existing.has(id)) {
          if (existing.size >= MAX_UNKNOWN_PER_SOURCE) {
            dropped++;
            continue;
          }
          existing.add(id);
          await tx(UNKNOWN)
            .insert({
              id,
              source,
              cluster: e.cluster ?? null,
              kind: e.kind,
              name: e.name.slice(0, 512),
              count: 0,
              first_seen_ms: e.timeMs,
              last_seen_ms: e.timeMs,
              sample: null,
            })
            .onConflict('id')
            .ignore();
        }
        const update: Record<string, unknown> = {
          count: tx.raw('count + ?', [e.count]),
          last_seen_ms: tx.raw(
            `case when last_seen_ms > ? then last_seen_ms else ? end`,
            [e.timeMs, e.timeMs],
          ),
        };
        if (e.sample !== undefined) update.sample = e.sample;
        if (e.cluster) update.cluster = e.cluster;
        await tx(UNKNOWN).where('id', id).update(update);
      }
      return { dropped };
    });
  }

  /** Unknown event types and fields of every source, most recent first. */
  async listUnknown(limit = 500): Promise<UnknownEventSummary[]> {
    const rows = await this.knex(UNKNOWN)
      .select('*')
      .orderBy([
        { column: 'last_seen_ms', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map((r: any) => ({
      source: r.source,
      ...(r.cluster ? { cluster: r.cluster } : {}),
      kind: r.kind === 'field' ? 'field' : 'type',
      name: r.name,
      count: Number(r.count),
      firstSeen: iso(r.first_seen_ms),
      lastSeen: iso(r.last_seen_ms),
      ...(r.sample ? { sample: parseJson<unknown>(r.sample, undefined) } : {}),
    }));
  }

  /**
   * Deletes events older than `cutoffMs` and findings with no event left,
   * then recomputes the counts of findings that lost events.
   */
  async enforceRetention(
    cutoffMs: number,
  ): Promise<{ events: number; findings: number }> {
    return this.knex.transaction(async tx => {
      const touched = (
        await tx(EVENTS).distinct('finding_id').where('time_ms', '<', cutoffMs)
      ).map((r: { finding_id: string }) => r.finding_id);
      const events = await tx(EVENTS).where('time_ms', '<', cutoffMs).delete();
      const findings = await tx(FINDINGS)
        .where('last_seen_ms', '<', cutoffMs)
        .whereNotExists(
          tx(EVENTS)
            .select(tx.raw('1'))
            .whereRaw(`${EVENTS}.finding_id = ${FINDINGS}.id`),
        )
        .delete();
      if (touched.length) await this.recompute(tx, touched);
      await tx(UNKNOWN).where('last_seen_ms', '<', cutoffMs).delete();
      return { events, findings };
    });
  }

  /**
   * The stored checkpoint of a source (undefined when it never ran). A corrupt checkpoint is
   * undefined too: the source starts over, and ingest is idempotent (an event read twice counts once).
   */
  async getCheckpoint<T>(sourceId: string): Promise<T | undefined> {
    const row = await this.knex(SOURCES)
      .where('id', sourceId)
      .first('checkpoint');
    return row?.checkpoint
      ? parseJson<T | undefined>(row.checkpoint, undefined)
      : undefined;
  }

  /** Saves a source's stats and (when given) its checkpoint. */
  async saveSource(stats: SourceStats, checkpoint?: unknown): Promise<void> {
    const row: Record<string, string> = {
      id: stats.id,
      kind: stats.kind,
      stats: JSON.stringify(stats),
      updated_at: stats.updatedAt,
    };
    if (checkpoint !== undefined) row.checkpoint = JSON.stringify(checkpoint);
    await this.knex(SOURCES)
      .insert(row)
      .onConflict('id')
      .merge(Object.keys(row).filter(k => k !== 'id'));
  }

  /** Stats of every source that ever reported. */
  async listSources(): Promise<SourceStats[]> {
    const rows = await this.knex(SOURCES).select('id', 'stats').orderBy('id');
    return rows.map((r: { id: string; stats: string }) =>
      parseStored<SourceStats>(r.stats, {} as SourceStats, {
        table: SOURCES,
        id: r.id,
        column: 'stats',
        remedy: SOURCE_REMEDY,
      }),
    );
  }

  /** Stats of one source. */
  async getSource(id: string): Promise<SourceStats | undefined> {
    const row = await this.knex(SOURCES).where('id', id).first('stats');
    return row
      ? parseStored<SourceStats>(row.stats, {} as SourceStats, {
          table: SOURCES,
          id,
          column: 'stats',
          remedy: SOURCE_REMEDY,
        })
      : undefined;
  }
}

/**
 * The knex-backed FindingsStore (SQLite or PostgreSQL through coreServices.database): its schema
 * comes from the plugin's migrations, run here unless `database.migrations.skip` is set.
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { NotFoundError } from '@backstage/errors';
import { severityRank } from '@periscope/backstage-plugin-runtime-security-common';
import type { UnknownEventSummary } from '@periscope/backstage-plugin-runtime-security-common';
import { createHash } from 'node:crypto';
import { migrateRuntimeSecurityDatabase } from '../../database/migrate';
import { ingestRecords, recompute } from './ingestRecords';
import {
  CHUNK,
  DAY_MS,
  EVENTS,
  FINDINGS,
  iso,
  parseJson,
  parseStored,
  rankToSeverity,
  SOURCE_REMEDY,
  FINDING_REMEDY,
  SOURCES,
  toFinding,
  UNKNOWN,
} from './rows';
import {
  FindingCounts,
  FindingFilter,
  FindingsStore,
  PolicyMatchRow,
  SourceStats,
  StoredFinding,
  StoredFindingDetail,
  TimelineBucket,
} from './types';

/** Distinct unknown event types and fields kept per source (each with its count and latest raw event). */
export const MAX_UNKNOWN_PER_SOURCE = 200;

/** The row id of one unknown type or field of one source. */
function unknownId(source: string, kind: string, name: string): string {
  return createHash('sha256')
    .update(`${source}\u0000${kind}\u0000${name}`)
    .digest('hex')
    .slice(0, 32);
}

/** Groups of (namespace, labels, severity, triage state) read per `severityCounts` query. */
const COUNT_PAGE = 1000;

/** The namespace and cluster filters, the same for `list` and `severityCounts`. */
function whereScope(
  q: Knex.QueryBuilder,
  filter: Pick<FindingFilter, 'namespace' | 'namespaces' | 'cluster'>,
) {
  if (filter.namespace !== undefined) q.where('namespace', filter.namespace);
  if (filter.namespaces) q.whereIn('namespace', filter.namespaces);
  if (filter.cluster) q.where('cluster', filter.cluster);
}

/** Creates the store, bringing its tables to the latest schema first (see {@link FindingsStore}). */
export async function createFindingsStore(
  database: DatabaseService,
): Promise<FindingsStore> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) await migrateRuntimeSecurityDatabase(knex);
  return {
    ingest: records => ingestRecords(knex, records),

    /** Findings matching the filter, most severe and most recent first. */
    async list(filter = {}): Promise<StoredFinding[]> {
      const q = knex(FINDINGS).select(
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
      whereScope(q, filter);
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
      return (await q).map(r => toFinding(r));
    },

    /**
     * How many findings the filter keeps, and the open ones per severity: a grouped count, a page
     * of groups at a time, each (namespace, labels) group asked of `filter.workload` once.
     */
    async severityCounts(filter = {}): Promise<FindingCounts> {
      const counts: FindingCounts = { total: 0, open: {} };
      // groups come ordered by namespace and labels: one answer per workload group, asked once
      let group: { key: string; keep: boolean } | undefined;
      for (let offset = 0; ; offset += COUNT_PAGE) {
        const q = knex(FINDINGS)
          .select('namespace', 'labels', 'severity_rank', 'triage_state')
          .min({ id: 'id' })
          .count({ n: '*' });
        whereScope(q, filter);
        const rows = (await q
          .groupBy('namespace', 'labels', 'severity_rank', 'triage_state')
          .orderBy(['namespace', 'labels', 'severity_rank', 'triage_state'])
          .limit(COUNT_PAGE)
          .offset(offset)) as Array<{
          namespace: string;
          labels: string;
          severity_rank: number | string;
          triage_state: string | null;
          id: string;
          n: number | string;
        }>;
        for (const r of rows) {
          if (filter.workload) {
            const key = `${r.namespace}\u0000${r.labels}`;
            if (group?.key !== key) {
              const labels = parseStored<Record<string, string>>(
                r.labels,
                {},
                {
                  table: FINDINGS,
                  id: String(r.id),
                  column: 'labels',
                  remedy: FINDING_REMEDY,
                },
              );
              group = {
                key,
                keep: filter.workload({ namespace: r.namespace, labels }),
              };
            }
            if (!group.keep) continue;
          }
          const n = Number(r.n);
          counts.total += n;
          if ((r.triage_state ?? 'open') === 'open') {
            const severity = rankToSeverity(Number(r.severity_rank));
            counts.open[severity] = (counts.open[severity] ?? 0) + n;
          }
        }
        if (rows.length < COUNT_PAGE) return counts;
      }
    },

    /** One finding with its sample (ancestry and raw event), or undefined. */
    async get(id: string): Promise<StoredFindingDetail | undefined> {
      const row = await knex(FINDINGS).where('id', id).first();
      if (!row) return undefined;
      return {
        ...toFinding(row),
        sample: parseStored(row.sample, {} as StoredFindingDetail['sample'], {
          table: FINDINGS,
          id: String(row.id),
          column: 'sample',
          remedy: FINDING_REMEDY,
        }),
      };
    },

    /** Sets the triage state; ingest never changes it. Throws NotFoundError for an unknown id. */
    async triage(id, triage) {
      const n = await knex(FINDINGS)
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
    },

    /** Events over time of the given findings, bucketed, per severity of the event. */
    async timeline(
      findingIds: string[],
      options: { sinceMs: number; bucketMs: number },
    ): Promise<TimelineBucket[]> {
      const buckets = new Map<number, TimelineBucket>();
      // An integer literal (not a bound parameter) so SQLite divides integers, as PostgreSQL does.
      const bucketMs = Math.max(1000, Math.floor(options.bucketMs));
      for (let i = 0; i < findingIds.length; i += CHUNK) {
        const rows = await knex(EVENTS)
          .select(knex.raw(`(time_ms / ${bucketMs}) as b`), 'severity_rank')
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
      return [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, b]) => b);
    },

    /** Finding counts per policy name (the Tetragon policy of the sample events). */
    async countsByPolicy(): Promise<Map<string, number>> {
      const rows = await knex(FINDINGS)
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
    },

    /** Finding counts per rule id. */
    async countsByRule(): Promise<Map<string, number>> {
      const rows = await knex(FINDINGS)
        .select('rule')
        .count({ n: '*' })
        .groupBy('rule');
      return new Map(
        (rows as Array<{ rule: string; n: number | string }>).map(r => [
          r.rule,
          Number(r.n),
        ]),
      );
    },

    /**
     * Findings of policies with events since `sinceMs`: each with its events in the window (hits)
     * and per day (UTC). For the policy page's matches and enforcement candidacy.
     */
    async policyMatches(sinceMs): Promise<{ findings: PolicyMatchRow[] }> {
      const counted = (await knex(EVENTS)
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
        const rows = await knex(FINDINGS).whereIn(
          'id',
          ids.slice(i, i + CHUNK),
        );
        for (const row of rows) {
          const sample = parseJson<{ function?: string }>(row.sample, {});
          findings.push({
            finding: toFinding(row),
            hits: hits.get(row.id) ?? 0,
            call: sample.function || undefined,
          });
        }
      }
      // events per finding and day: each policy and rule sums its own findings' (exact for namespaced policies of one name)
      const dayRows = (await knex(EVENTS)
        .join(FINDINGS, `${FINDINGS}.id`, `${EVENTS}.finding_id`)
        .whereNotNull(`${FINDINGS}.policy`)
        .andWhere(`${EVENTS}.time_ms`, '>=', sinceMs)
        .select(
          `${EVENTS}.finding_id as id`,
          knex.raw(`(${EVENTS}.time_ms / ${DAY_MS}) as d`),
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
        list.push({
          dayMs: Math.floor(Number(r.d)) * DAY_MS,
          hits: Number(r.n),
        });
        days.set(r.id, list);
      }
      return {
        findings: findings.map(f => ({
          ...f,
          days: days.get(f.finding.id) ?? [],
        })),
      };
    },

    /**
     * Counts unknown event types and fields of one source and keeps the latest raw event of each:
     * at most {@link MAX_UNKNOWN_PER_SOURCE} names per source (more are counted in no row, and the
     * answer says how many were dropped).
     */
    async recordUnknown(source, entries) {
      if (!entries.length) return { dropped: 0 };
      return knex.transaction(async tx => {
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
    },

    /** Unknown event types and fields of every source, most recent first. */
    async listUnknown(limit = 500): Promise<UnknownEventSummary[]> {
      const rows = await knex(UNKNOWN)
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
        ...(r.sample
          ? { sample: parseJson<unknown>(r.sample, undefined) }
          : {}),
      }));
    },

    /**
     * Deletes events older than `cutoffMs` and findings with no event left,
     * then recomputes the counts of findings that lost events.
     */
    async enforceRetention(
      cutoffMs: number,
    ): Promise<{ events: number; findings: number }> {
      return knex.transaction(async tx => {
        const touched = (
          await tx(EVENTS)
            .distinct('finding_id')
            .where('time_ms', '<', cutoffMs)
        ).map((r: { finding_id: string }) => r.finding_id);
        const events = await tx(EVENTS)
          .where('time_ms', '<', cutoffMs)
          .delete();
        const findings = await tx(FINDINGS)
          .where('last_seen_ms', '<', cutoffMs)
          .whereNotExists(
            tx(EVENTS)
              .select(tx.raw('1'))
              .whereRaw(`${EVENTS}.finding_id = ${FINDINGS}.id`),
          )
          .delete();
        if (touched.length) await recompute(tx, touched);
        await tx(UNKNOWN).where('last_seen_ms', '<', cutoffMs).delete();
        return { events, findings };
      });
    },

    /**
     * The stored checkpoint of a source (undefined when it never ran). A corrupt checkpoint is
     * undefined too: the source starts over, and ingest is idempotent (an event read twice counts once).
     */
    async getCheckpoint<T>(sourceId: string): Promise<T | undefined> {
      const row = await knex(SOURCES).where('id', sourceId).first('checkpoint');
      return row?.checkpoint
        ? parseJson<T | undefined>(row.checkpoint, undefined)
        : undefined;
    },

    /** Saves a source's stats and (when given) its checkpoint. */
    async saveSource(stats: SourceStats, checkpoint?: unknown): Promise<void> {
      const row: Record<string, string> = {
        id: stats.id,
        kind: stats.kind,
        stats: JSON.stringify(stats),
        updated_at: stats.updatedAt,
      };
      if (checkpoint !== undefined) row.checkpoint = JSON.stringify(checkpoint);
      await knex(SOURCES)
        .insert(row)
        .onConflict('id')
        .merge(Object.keys(row).filter(k => k !== 'id'));
    },

    /** Stats of every source that ever reported. */
    async listSources(): Promise<SourceStats[]> {
      const rows = await knex(SOURCES).select('id', 'stats').orderBy('id');
      return rows.map((r: { id: string; stats: string }) =>
        parseStored<SourceStats>(r.stats, {} as SourceStats, {
          table: SOURCES,
          id: r.id,
          column: 'stats',
          remedy: SOURCE_REMEDY,
        }),
      );
    },

    /** Stats of one source. */
    async getSource(id: string): Promise<SourceStats | undefined> {
      const row = await knex(SOURCES).where('id', id).first('stats');
      return row
        ? parseStored<SourceStats>(row.stats, {} as SourceStats, {
            table: SOURCES,
            id,
            column: 'stats',
            remedy: SOURCE_REMEDY,
          })
        : undefined;
    },
  };
}

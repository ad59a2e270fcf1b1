/**
 * The Health store over knex (SQLite or PostgreSQL): findings with first/last seen and resolution,
 * scans, the explanation cache, token usage, the daily token budget and per-user call counts. Its
 * schema comes from the migrations in `src/database`.
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { Knex } from 'knex';
import {
  SEVERITIES,
  Severity,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { migrateK8sDiagnosticsDatabase } from '../../database/migrate';
import { HistoryPoint } from '../../types';
import {
  FindingsStore,
  ScanInput,
  ScanRecord,
  StoredFinding,
  UsageEntry,
} from './types';

const FINDINGS = 'k8s_diagnostics_findings';
const SCANS = 'k8s_diagnostics_scans';
/** One row per scope, locked while a scan of it is recorded: concurrent scans (two replicas) take turns. */
const SCOPE_LOCKS = 'k8s_diagnostics_scope_locks';
const EXPLANATIONS = 'k8s_diagnostics_explanations';
const USAGE = 'k8s_diagnostics_token_usage';
/** One row a UTC day: tokens used and reserved by calls in progress (the atomic budget check). */
const BUDGET = 'k8s_diagnostics_token_budget';
/** Calls per caller and UTC minute (the per-user rate limit). */
const RATE = 'k8s_diagnostics_ai_rate';
/** Scans and resolved findings older than this are deleted. */
const RETENTION_DAYS = 30;

/** Creates a day's budget row, starting from the usage recorded before it existed. */
async function ensureBudgetDay(
  db: Knex | Knex.Transaction,
  day: string,
): Promise<void> {
  if (await db(BUDGET).where({ day }).first()) return;
  const row = await db(USAGE)
    .where({ day })
    .sum({ total: 'total_tokens' })
    .first();
  await db(BUDGET)
    .insert({ day, used_tokens: Number(row?.total ?? 0), reserved_tokens: 0 })
    .onConflict('day')
    .ignore();
}

function usageRow(day: string, e: UsageEntry) {
  return {
    day,
    cache_key: e.cacheKey,
    entity_ref: e.entityRef,
    user_ref: e.userRef ?? null,
    finding_id: e.findingId,
    provider: e.provider,
    model: e.model,
    prompt_tokens: e.usage.promptTokens,
    completion_tokens: e.usage.completionTokens,
    total_tokens: e.usage.totalTokens,
    estimated: !!e.usage.estimated,
    created_at: e.at.toISOString(),
  };
}

async function settleTokens(
  knex: Knex,
  s: { day: string; reserved: number; usage?: UsageEntry },
): Promise<void> {
  await knex.transaction(async tx => {
    await ensureBudgetDay(tx, s.day);
    const used = Math.max(0, s.usage?.usage.totalTokens ?? 0);
    await tx(BUDGET)
      .where({ day: s.day })
      .update({
        reserved_tokens: tx.raw(
          'CASE WHEN reserved_tokens > ? THEN reserved_tokens - ? ELSE 0 END',
          [s.reserved, s.reserved],
        ),
        used_tokens: tx.raw('used_tokens + ?', [used]),
      });
    if (s.usage) await tx(USAGE).insert(usageRow(s.day, s.usage));
  });
}

/** SQL literal of a key value, for the DELETE statement a corrupt-row error suggests. */
const literal = (v: string | number) =>
  typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;

/**
 * Parses a stored JSON column. A corrupt value (a bad restore, a hand edit) is a 503 naming the
 * table, the row and the column and saying what to do, never a 500 from a SyntaxError.
 */
export function parseStored<T>(
  text: string,
  where: {
    table: string;
    key: Record<string, string | number>;
    column: string;
    remedy: string;
  },
): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const cond = Object.entries(where.key)
      .map(([k, v]) => `${k} = ${literal(v)}`)
      .join(' AND ');
    throw new ServiceUnavailableError(
      `k8s-diagnostics: the stored row of table ${
        where.table
      } where ${cond} is corrupt: column '${where.column}' is not valid JSON (${
        (e as Error).message
      }). Delete the row: DELETE FROM ${where.table} WHERE ${cond}; ${
        where.remedy
      }`,
    );
  }
}

interface FindingRow {
  scope: string;
  id: string;
  cluster: string;
  data: string;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
}

function fromRow(r: FindingRow): StoredFinding {
  const data = parseStored<
    Omit<StoredFinding, 'firstSeen' | 'lastSeen' | 'resolvedAt'>
  >(r.data, {
    table: FINDINGS,
    key: { scope: r.scope, id: r.id },
    column: 'data',
    remedy:
      'the next scan of the entity records the finding again if it still applies.',
  });
  return {
    ...data,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    ...(r.resolved_at ? { resolvedAt: r.resolved_at } : {}),
  };
}

function countsOf(
  findings: Array<{ severity: Severity }>,
): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map(s => [s, 0])) as Record<
    Severity,
    number
  >;
  findings.forEach(f => counts[f.severity]++);
  return counts;
}

async function recordScan(knex: Knex, input: ScanInput): Promise<void> {
  const at = input.at.toISOString();
  await knex.transaction(async tx => {
    // Two replicas recording the same scope at once would both insert a new finding (a primary
    // key conflict) or resolve each other's findings: take the scope's row lock first (PostgreSQL
    // and MySQL; SQLite runs one write transaction at a time anyway).
    await tx(SCOPE_LOCKS)
      .insert({ scope: input.scope })
      .onConflict('scope')
      .ignore();
    if (!/sqlite/.test(String(tx.client.config.client))) {
      await tx(SCOPE_LOCKS).where({ scope: input.scope }).forUpdate().first();
    }
    const existing: FindingRow[] = await tx(FINDINGS)
      .where({ scope: input.scope })
      .select();
    const byId = new Map(existing.map(r => [r.id, r]));
    const seen = new Set<string>();
    for (const f of input.findings) {
      seen.add(f.id);
      const row = {
        cluster: f.cluster,
        namespace: f.object.namespace ?? '',
        kind: f.object.kind,
        severity: f.severity,
        data: JSON.stringify(f),
        last_seen: at,
        resolved_at: null,
      };
      const old = byId.get(f.id);
      if (old) {
        // A finding that comes back after being resolved starts a new occurrence.
        const firstSeen = old.resolved_at ? at : old.first_seen;
        await tx(FINDINGS)
          .where({ scope: input.scope, id: f.id })
          .update({ ...row, first_seen: firstSeen });
      } else {
        await tx(FINDINGS).insert({
          scope: input.scope,
          id: f.id,
          ...row,
          first_seen: at,
        });
      }
    }
    const answered = new Set(input.scannedClusters);
    const gone = existing
      .filter(r => !r.resolved_at && !seen.has(r.id))
      // the cluster column, not the JSON: a corrupt row cannot stop the scans of its scope
      .filter(r => answered.has(r.cluster))
      .map(r => r.id);
    for (let i = 0; i < gone.length; i += 200) {
      await tx(FINDINGS)
        .where({ scope: input.scope })
        .whereIn('id', gone.slice(i, i + 200))
        .update({ resolved_at: at });
    }
    await tx(SCANS).insert({
      scope: input.scope,
      scanned_at: at,
      counts: JSON.stringify(countsOf(input.findings)),
      errors: JSON.stringify(input.errors),
      warnings: JSON.stringify(input.warnings),
      clusters: JSON.stringify(input.clusters),
    });
    const cutoff = new Date(
      input.at.getTime() - RETENTION_DAYS * 86_400_000,
    ).toISOString();
    await tx(SCANS)
      .where({ scope: input.scope })
      .andWhere('scanned_at', '<', cutoff)
      .delete();
    await tx(FINDINGS)
      .where({ scope: input.scope })
      .whereNotNull('resolved_at')
      .andWhere('resolved_at', '<', cutoff)
      .delete();
  });
}

/**
 * Creates the knex-backed store (SQLite or PostgreSQL through coreServices.database), bringing
 * its schema up to date first (`src/database/migrations`).
 */
export async function createFindingsStore(
  database: DatabaseService,
): Promise<FindingsStore> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) await migrateK8sDiagnosticsDatabase(knex);
  return {
    recordScan: input => recordScan(knex, input),
    async lastScan(scope): Promise<ScanRecord | undefined> {
      const row = await knex(SCANS)
        .where({ scope })
        .orderBy('seq', 'desc')
        .first();
      if (!row) return undefined;
      const at = (column: string) => ({
        table: SCANS,
        key: { seq: Number(row.seq) },
        column,
        remedy: 'Rescan the entity to record a new scan.',
      });
      return {
        scope,
        scannedAt: row.scanned_at,
        errors: parseStored(row.errors, at('errors')),
        warnings: parseStored(row.warnings, at('warnings')),
        clusters: parseStored(row.clusters, at('clusters')),
      };
    },
    async openFindings(scope) {
      const rows: FindingRow[] = await knex(FINDINGS)
        .where({ scope })
        .whereNull('resolved_at')
        .select();
      return rows.map(fromRow);
    },
    async resolvedSince(scope, since) {
      const rows: FindingRow[] = await knex(FINDINGS)
        .where({ scope })
        .whereNotNull('resolved_at')
        .andWhere('resolved_at', '>=', since.toISOString())
        .orderBy('resolved_at', 'desc')
        .select();
      return rows.map(fromRow);
    },
    async history(scope, limit, offset = 0): Promise<HistoryPoint[]> {
      const rows = await knex(SCANS)
        .where({ scope })
        .orderBy('seq', 'desc')
        .limit(limit)
        .offset(offset)
        .select('seq', 'scanned_at', 'counts');
      return rows
        .reverse()
        .map((r: { seq: number; scanned_at: string; counts: string }) => ({
          at: r.scanned_at,
          counts: parseStored(r.counts, {
            table: SCANS,
            key: { seq: Number(r.seq) },
            column: 'counts',
            remedy: 'Only that scan leaves the history chart.',
          }),
        }));
    },
    async getFinding(scope, id) {
      const row: FindingRow | undefined = await knex(FINDINGS)
        .where({ scope, id })
        .first();
      return row ? fromRow(row) : undefined;
    },
    async getExplanation(cacheKey) {
      const row = await knex(EXPLANATIONS)
        .where({ cache_key: cacheKey })
        .first();
      return row?.answer;
    },
    async putExplanation(e) {
      await knex(EXPLANATIONS)
        .insert({
          cache_key: e.cacheKey,
          provider: e.provider,
          model: e.model,
          prompt_version: e.promptVersion,
          language: e.language,
          input_hash: e.inputHash,
          answer: e.answer,
          created_at: e.at.toISOString(),
        })
        .onConflict('cache_key')
        .merge(['answer', 'created_at']);
    },
    async recordUsage(e) {
      await settleTokens(knex, {
        day: e.at.toISOString().slice(0, 10),
        reserved: 0,
        usage: e,
      });
    },
    async tokensUsedOn(day) {
      const row = await knex(USAGE)
        .where({ day })
        .sum({ total: 'total_tokens' })
        .first();
      return Number(row?.total ?? 0);
    },
    async reserveTokens({ day, tokens, budget }) {
      await ensureBudgetDay(knex, day);
      // One conditional UPDATE: atomic on SQLite and PostgreSQL (the row lock makes a concurrent
      // update re-check the condition), so no two replicas can both take the last tokens.
      const updated = await knex(BUDGET)
        .where({ day })
        .andWhereRaw('used_tokens + reserved_tokens + ? <= ?', [tokens, budget])
        .increment('reserved_tokens', tokens);
      const row = await knex(BUDGET).where({ day }).first();
      return {
        granted: Number(updated) === 1,
        used: Number(row?.used_tokens ?? 0),
        reserved: Number(row?.reserved_tokens ?? 0),
      };
    },
    settleTokens: s => settleTokens(knex, s),
    async takeRateSlot({ userRef, minute, limit }) {
      await knex(RATE)
        .insert({ user_ref: userRef, minute, calls: 0 })
        .onConflict(['user_ref', 'minute'])
        .ignore();
      const updated = await knex(RATE)
        .where({ user_ref: userRef, minute })
        .andWhere('calls', '<', limit)
        .increment('calls', 1);
      // Earlier minutes are done with.
      await knex(RATE).where('minute', '<', minute).delete();
      return Number(updated) === 1;
    },
    async usageOn(day) {
      const rows: Array<{
        user_ref: string | null;
        entity_ref: string;
        calls: number | string;
        total: number | string;
      }> = await knex(USAGE)
        .where({ day })
        .groupBy('user_ref', 'entity_ref')
        .select(
          'user_ref',
          'entity_ref',
          knex.raw('count(*) as calls'),
          knex.raw('sum(total_tokens) as total'),
        )
        .orderBy(['user_ref', 'entity_ref']);
      return rows.map(r => ({
        ...(r.user_ref ? { userRef: r.user_ref } : {}),
        entityRef: r.entity_ref,
        calls: Number(r.calls),
        totalTokens: Number(r.total),
      }));
    },
  };
}

import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** One aggregated runtime finding row (rule + workload + binary). @public */
export interface StoredFinding {
  id: string;
  rule: string;
  severity: string;
  title: string;
  cluster: string;
  namespace: string;
  pod: string;
  workload: string;
  labels: Record<string, string>;
  binary: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

const TABLE = 'runtime_security_findings';

/**
 * Database access for findings. Creates its table on first use (one migration, idempotent).
 * @public
 */
export class FindingsStore {
  static async create(database: DatabaseService): Promise<FindingsStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      if (!(await knex.schema.hasTable(TABLE))) {
        await knex.schema.createTable(TABLE, t => {
          t.string('id', 128).primary();
          t.string('rule', 128).notNullable();
          t.string('severity', 16).notNullable();
          t.text('title').notNullable();
          t.string('cluster', 255).notNullable();
          t.string('namespace', 255).notNullable().index();
          t.string('pod', 255).notNullable();
          t.string('workload', 255).notNullable();
          t.text('labels').notNullable();
          t.text('binary').notNullable();
          t.bigInteger('count').notNullable();
          t.string('first_seen', 40).notNullable();
          t.string('last_seen', 40).notNullable();
        });
      }
    }
    return new FindingsStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  /** Findings in the given namespaces (all when undefined). */
  async list(filter: { namespace?: string }): Promise<StoredFinding[]> {
    const q = this.knex(TABLE).select();
    if (filter.namespace) q.where({ namespace: filter.namespace });
    const rows = await q.orderBy('last_seen', 'desc');
    return rows.map((r: any) => ({
      id: r.id,
      rule: r.rule,
      severity: r.severity,
      title: r.title,
      cluster: r.cluster,
      namespace: r.namespace,
      pod: r.pod,
      workload: r.workload,
      labels: JSON.parse(r.labels),
      binary: r.binary,
      count: Number(r.count),
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  }
}

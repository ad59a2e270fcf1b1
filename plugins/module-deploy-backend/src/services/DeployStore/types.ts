import {
  JsonObject,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { AuditRecord, DriftState } from '../../types';

/** Identifies one instance in one cluster. @public */
export interface InstanceKey {
  entityRef: string;
  cluster: string;
  namespace: string;
  instanceName: string;
}

/** A revision as Periscope recorded it in the database. @public */
export interface StoredRevision extends InstanceKey {
  revision: number;
  at: string;
  actor: string;
  action: 'deploy' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  result: 'success' | 'failure';
}

/** Audit trail, revision history and drift, in the plugin's database. @public */
export interface DeployStore {
  recordAudit(record: AuditRecord): Promise<void>;
  /** Newest first. */
  listAudit(entityRef: string, limit?: number): Promise<AuditRecord[]>;
  recordRevision(rev: StoredRevision): Promise<void>;
  /** Newest first. */
  listRevisions(entityRef: string, limit?: number): Promise<StoredRevision[]>;
  putDrift(key: InstanceKey, drift: DriftState): Promise<void>;
  getDrift(key: InstanceKey): Promise<DriftState | undefined>;
}

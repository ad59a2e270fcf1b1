/**
 * The wire types live in `@periscope/backstage-plugin-module-deploy-common`, shared with the
 * frontend and the scaffolder actions; the names this package has always exported stay available.
 */
export {
  CLUSTERS_ANNOTATION,
  INSTANCE_ANNOTATION,
  MODULE_ANNOTATION,
} from '@periscope/backstage-plugin-module-deploy-common';
export type {
  AuditAction,
  AuditRecord,
  ClusterDrift,
  ClusterPreview,
  ClusterResult,
  DeployStreamEvent,
  DeployTarget,
  DriftState,
  EntityDeployState,
  EntityDriftCheck,
  EntityHistory,
  EntitySchema,
  EntityStatus,
  InstanceState,
  LastOperation,
  ModuleInfo,
  ObjectHealth,
  PreviewResult,
  RevisionInfo,
} from '@periscope/backstage-plugin-module-deploy-common';

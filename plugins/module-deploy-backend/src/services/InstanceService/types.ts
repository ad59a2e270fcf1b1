import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ClusterError } from '@periscope/kube-access';

/** Entity annotation naming the module an entity deploys (a directory or oci:// reference). @public */
export const MODULE_ANNOTATION = 'periscope.dev/module';
/** Entity annotation naming the instance (defaults to the entity name). @public */
export const INSTANCE_ANNOTATION = 'periscope.dev/instance';

/** A Timoni instance found in a cluster (Secret `timoni.<name>` of type `timoni.sh/instance`). @public */
export interface InstanceSummary {
  cluster: string;
  namespace: string;
  name: string;
  module?: { name?: string; repository?: string; version?: string; digest?: string };
  lastTransitionTime?: string;
}

/** What an entity's Deploy tab shows. @public */
export interface EntityInstances {
  entityRef: string;
  status: 'ok' | 'not-configured' | 'not-annotated';
  module?: string;
  instanceName?: string;
  namespace?: string;
  instances: InstanceSummary[];
  errors: ClusterError[];
}

/** @public */
export interface InstanceService {
  getEntityInstances(options: { entityRef: string; credentials: BackstageCredentials }): Promise<EntityInstances>;
}

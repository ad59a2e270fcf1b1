/** What the operations on a resolved target (preview, deploy, rollback, delete) are built from. */
import { DeployContext } from './context';
import { InstanceValues } from './instanceValues';
import { OwnerChecks } from './owners';
import { Preflight } from './preflight';
import { Rollout } from './rollout';

/** The service's parts an operation uses. */
export interface OperationParts {
  ctx: DeployContext;
  owners: OwnerChecks;
  values: InstanceValues;
  preflight: Preflight;
  /** Runs a rollout, then stores the state of its clusters read again. */
  rollout: Rollout;
}

import { Entity } from '@backstage/catalog-model';
import { ValuesJsonSchema } from '@periscope/backstage-plugin-module-deploy-common';
import { ModuleInfo } from '../../types';

/** Modules the portal may deploy: those configured in `moduleDeploy.modules`, plus local paths of file-based entities. @public */
export interface ModuleCatalog {
  /** Every configured module with its versions and the schema of the newest one; failures are per module data. */
  list(): Promise<ModuleInfo[]>;
  /**
   * Turns an annotation or request value into what the engine renders, or throws an `InputError`
   * saying what is accepted. `entity` lets a relative path resolve against the entity's file.
   */
  resolve(value: string, entity?: Entity): string;
  /** The values schema of a resolved source (cached briefly). */
  schema(source: string): Promise<ValuesJsonSchema>;
}

/**
 * An instance's values: the current ones (the latest revision's, as the form shows them),
 * submitted ones made ready to render (a masked sensitive field gets its current value back),
 * and values as the database keeps them.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  JsonObject,
  SENSITIVE_MASK,
  ValuesJsonSchema,
  maskSensitiveValues,
  maskedSensitivePaths,
  restoreSensitiveValues,
  sensitiveStrings,
} from '@periscope/backstage-plugin-module-deploy-common';
import { DeployTarget, EntitySchema } from '../../types';
import { sensitiveValueRef } from '../DeployStore';
import { DeployContext, errorMessage } from './context';
import { EntityLookups } from './entities';
import { OwnerChecks } from './owners';
import { Resolved } from './rollout';
import { valuesOverlay } from './values';

/** Values as the database keeps them: sensitive fields as references to the cluster's Secret. */
export const storedValues = (
  t: DeployTarget,
  values: JsonObject | undefined,
  schema: ValuesJsonSchema | undefined,
) => values && maskSensitiveValues(values, schema, sensitiveValueRef(t));

/** The values reads of `ctx`'s engine and module catalog. */
export function createInstanceValues(
  ctx: DeployContext,
  parts: { owners: OwnerChecks; entities: EntityLookups },
) {
  const { engine, modules, logger, kc } = ctx;
  const { owners, entities } = parts;

  /** The module's schema for masking: without it (module unreachable), the naming rule alone. */
  async function schemaOf(
    t: DeployTarget,
  ): Promise<ValuesJsonSchema | undefined> {
    return modules.schema(t.source).catch(() => undefined);
  }

  /**
   * The values of the latest revision, from the first target cluster that has one (and whose
   * instance this entity owns): what the form shows as current, and what a masked sensitive
   * field sent back stands for.
   */
  async function currentValues(
    r: Resolved,
  ): Promise<
    { cluster: string; revision: number; values: JsonObject } | undefined
  > {
    for (const c of r.clusters) {
      try {
        await owners.guardOwner(r.target, c, 'deploy');
        const history = await engine.history(
          r.target.instanceName,
          r.target.namespace,
          kc(c),
        );
        const last = history[history.length - 1];
        if (last)
          return {
            cluster: c.name,
            revision: last.revision,
            values: last.values,
          };
      } catch (e) {
        logger.warn(
          `module-deploy: current values of ${
            r.target.entityRef || r.target.instanceName
          } in ${c.name}: ${errorMessage(e)}`,
        );
      }
    }
    return undefined;
  }

  /**
   * What to render from submitted values: masked sensitive fields get the current value back,
   * then injected fields and untouched defaults are dropped. A masked field with no value to
   * keep is a 400.
   */
  async function prepareValues(r: Resolved, submitted: JsonObject) {
    const t = r.target;
    const schema = await modules.schema(t.source);
    let values = submitted;
    if (maskedSensitivePaths(submitted, schema).length) {
      const current = await currentValues(r);
      values = restoreSensitiveValues(submitted, current?.values, schema);
    }
    const overlay = valuesOverlay(values, schema);
    const left = maskedSensitivePaths(overlay, schema);
    if (left.length) {
      const fields = left.map(p => `values.${p}`).join(', ');
      throw new InputError(
        `${fields} ${
          left.length > 1 ? 'are' : 'is'
        } '${SENSITIVE_MASK}', the mask of a sensitive value, but no revision of instance '${
          t.instanceName
        }' in namespace '${
          t.namespace
        }' has a value to keep: enter the value (or leave the field out for the module default)`,
      );
    }
    return { schema, overlay, secrets: sensitiveStrings(values, schema) };
  }

  /** The entity's values schema and current values (sensitive fields as the mask). */
  async function getSchema({
    entityRef,
    credentials,
    requestAuth,
  }: {
    entityRef: string;
    credentials: BackstageCredentials;
    requestAuth?: KubernetesRequestAuth;
  }): Promise<EntitySchema> {
    const r = await entities.readEntity(entityRef, credentials, requestAuth);
    if (r.status !== 'ok') return { entityRef, status: r.status };
    const schema = await modules.schema(r.target.source);
    const found = {
      entityRef,
      status: 'ok' as const,
      target: r.target,
      schema,
    };
    const current = await currentValues(r);
    if (current)
      return {
        ...found,
        // sensitive fields show as the mask; sent back, the mask keeps the value
        values: maskSensitiveValues(current.values, schema),
        valuesFrom: { cluster: current.cluster, revision: current.revision },
      };
    return { ...found, values: {}, valuesFrom: 'defaults' };
  }

  return { schemaOf, prepareValues, getSchema };
}

/** What {@link createInstanceValues} returns. */
export type InstanceValues = ReturnType<typeof createInstanceValues>;

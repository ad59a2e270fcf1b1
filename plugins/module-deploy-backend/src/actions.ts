/** The actions an AI assistant may call: preview-module-deploy and deploy-module. */
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError } from '@backstage/errors';
import {
  CHANGE_MESSAGE_MAX_LENGTH,
  changeMessageProblem,
  JsonObject,
} from '@periscope/backstage-plugin-module-deploy-common';
import { parseEntityRefParam } from '@periscope/kube-access';
import { DeployService } from './services/DeployService';
import { DeployStreamEvent } from './types';

/** The change message of a `deploy-module` call that gives none. */
const DEFAULT_ACTION_CHANGE_MESSAGE =
  'Deployed through the AI action deploy-module';

/**
 * The change message of a `deploy-module` call: trimmed, the default when none or empty; one that
 * POST /entity/deploy would refuse (too long, control characters) is an InputError saying why.
 */
function actionChangeMessage(given: string | undefined): string {
  const message = given?.trim();
  if (!message) return DEFAULT_ACTION_CHANGE_MESSAGE;
  const problem = changeMessageProblem(message);
  if (problem)
    throw new InputError(
      `invalid input to deploy-module: changeMessage: ${problem}`,
    );
  return message;
}

/**
 * Registers the actions an AI assistant (through the MCP actions backend) may call. Both check
 * the caller's permission on the entity exactly like the HTTP routes.
 */
export function registerActions(deps: {
  actionsRegistry: ActionsRegistryService;
  deploys: DeployService;
}) {
  const { actionsRegistry, deploys } = deps;

  actionsRegistry.register({
    name: 'preview-module-deploy',
    title: "Preview a change to an entity's module values",
    description:
      "Renders the entity's Timoni module with the given values and diffs it against every target cluster with a server-side dry run: per object create / change (per field) / unchanged / prune, or the values' validation issues. Changes nothing.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/checkout'),
          values: z
            .record(z.string(), z.unknown())
            .describe(
              'Module values to preview (only the fields to change are needed)',
            ),
        }),
      output: z =>
        z.object({
          status: z.enum(['ok', 'not-configured', 'not-annotated']),
          valid: z.boolean(),
          issues: z.array(
            z.object({
              path: z.string(),
              valuesPath: z.string().optional(),
              message: z.string(),
            }),
          ),
          clusters: z.array(
            z.object({
              cluster: z.string(),
              objects: z.array(
                z.object({
                  ref: z.string(),
                  action: z.string(),
                  changes: z.array(
                    z.object({ path: z.string(), op: z.string() }),
                  ),
                }),
              ),
            }),
          ),
          errors: z.array(
            z.object({ cluster: z.string(), message: z.string() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      const p = await deploys.preview({
        entityRef,
        values: input.values as JsonObject,
        credentials,
      });
      return {
        output: {
          status: p.status,
          valid: p.valid,
          issues: p.issues.map(i => ({
            path: i.path,
            ...(i.valuesPath !== undefined ? { valuesPath: i.valuesPath } : {}),
            message: i.message,
          })),
          clusters: p.clusters.map(c => ({
            cluster: c.cluster,
            objects: c.objects.map(o => ({
              ref: o.ref,
              action: o.action,
              changes: o.changes.map(ch => ({ path: ch.path, op: ch.op })),
            })),
          })),
          errors: p.errors.map(e => ({
            cluster: e.cluster,
            message: e.message,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'deploy-module',
    title: "Deploy an entity's module with new values",
    description:
      "Applies the entity's Timoni module with the given values to its target clusters one at a time (the next only after the previous is healthy), prunes objects that left the module, and records the revision and the audit entry with the change message. Needs the module-deploy.instance.apply permission on the entity. Preview with preview-module-deploy first.",
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/checkout'),
          values: z
            .record(z.string(), z.unknown())
            .describe('Module values (only the fields to change are needed)'),
          changeMessage: z
            .string()
            .optional()
            .describe(
              `Why this deploy is made, kept with the revision and in the audit trail (at most ${CHANGE_MESSAGE_MAX_LENGTH} characters; default: '${DEFAULT_ACTION_CHANGE_MESSAGE}')`,
            ),
        }),
      output: z =>
        z.object({
          ok: z.boolean(),
          issues: z.array(z.object({ path: z.string(), message: z.string() })),
          results: z.array(
            z.object({
              cluster: z.string(),
              status: z.string(),
              revision: z.number().optional(),
              message: z.string().optional(),
            }),
          ),
          steps: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      const changeMessage = actionChangeMessage(input.changeMessage);
      const op = await deploys.prepareDeploy({ entityRef, credentials });
      const events: DeployStreamEvent[] = [];
      const results = await op.deploy(
        input.values as JsonObject,
        e => events.push(e),
        { changeMessage },
      );
      const invalid = events.find(e => e.type === 'invalid');
      return {
        output: {
          ok: results.length > 0 && results.every(r => r.status !== 'failed'),
          issues:
            invalid?.type === 'invalid'
              ? invalid.issues.map(i => ({
                  path: i.valuesPath ?? i.path,
                  message: i.message,
                }))
              : [],
          results,
          steps: events.flatMap(e =>
            e.type === 'step'
              ? [
                  `${e.cluster}: ${e.event.object ? `${e.event.object} ` : ''}${
                    e.event.message
                  }`,
                ]
              : [],
          ),
        },
      };
    },
  });
}

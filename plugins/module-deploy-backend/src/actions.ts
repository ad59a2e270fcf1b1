import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { JsonObject } from '@periscope/backstage-plugin-module-deploy-common';
import { parseEntityRefParam } from '@periscope/kube-access';
import { DeployService } from './services/DeployService';
import { DeployStreamEvent } from './types';

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
      "Applies the entity's Timoni module with the given values to its target clusters one at a time (the next only after the previous is healthy), prunes objects that left the module, and records the revision and the audit entry. Needs the module-deploy.instance.apply permission on the entity. Preview with preview-module-deploy first.",
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
      const op = await deploys.prepareDeploy({ entityRef, credentials });
      const events: DeployStreamEvent[] = [];
      const results = await op.deploy(input.values as JsonObject, e =>
        events.push(e),
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

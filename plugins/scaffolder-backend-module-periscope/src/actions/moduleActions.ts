import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ModuleDeployClient, PreviewAnswer } from './client';

const inputSchema = {
  module: (z: any) =>
    z
      .string()
      .min(1)
      .describe(
        "A module from moduleDeploy.modules (e.g. 'minimal'), optionally '@<version>', or an oci:// reference under a configured OCI module",
      ),
  name: (z: any) =>
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a lowercase DNS name')
      .max(63)
      .describe('Instance name'),
  namespace: (z: any) =>
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a lowercase DNS name')
      .max(63)
      .describe('Namespace of the instance'),
  clusters: (z: any) =>
    z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Target clusters in rollout order (default: moduleDeploy.defaults.clusters, else all)',
      ),
  entityRef: (z: any) =>
    z
      .string()
      .optional()
      .describe(
        'Entity whose module-deploy.instance.apply permission is checked (conditional policies apply)',
      ),
  values: (z: any) =>
    z.record(z.string(), z.unknown()).optional().describe('Module values'),
} as const;

function request(input: {
  module: string;
  name: string;
  namespace: string;
  clusters?: string[];
  entityRef?: string;
  values?: Record<string, unknown>;
}) {
  return {
    module: input.module,
    instanceName: input.name,
    namespace: input.namespace,
    ...(input.clusters?.length ? { clusters: input.clusters } : {}),
    ...(input.entityRef ? { entityRef: input.entityRef } : {}),
    values: input.values ?? {},
  };
}

function summary(p: PreviewAnswer): string[] {
  return p.clusters.flatMap(c =>
    c.objects
      .filter(o => o.action !== 'unchanged')
      .map(
        o =>
          `${c.cluster}: ${o.action} ${o.ref}${
            o.changes.length
              ? ` (${o.changes.map(ch => ch.path).join(', ')})`
              : ''
          }`,
      ),
  );
}

function rejectInvalid(p: PreviewAnswer): void {
  if (p.valid) return;
  throw new InputError(
    `the module rejected the values: ${p.issues
      .map(i => `values.${i.valuesPath ?? i.path}: ${i.message}`)
      .join('; ')}`,
  );
}

/**
 * `periscope:module:diff`: renders the module with the values and diffs it against each target
 * cluster (server-side dry run). Changes nothing, so it runs in dry-run too.
 * @public
 */
export function createModuleDiffAction(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
}) {
  const client = new ModuleDeployClient(deps);
  return createTemplateAction({
    id: 'periscope:module:diff',
    description:
      'Previews a Timoni module deploy: per object create / change (per field) / unchanged / prune, per target cluster. Changes nothing.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Preview a first instance of the minimal module',
        example: `steps:
  - id: diff
    action: periscope:module:diff
    name: Preview the deploy
    input:
      module: minimal
      name: checkout
      namespace: shop
      values:
        message: Hello from the template`,
      },
    ],
    schema: {
      input: inputSchema,
      output: {
        valid: z => z.boolean(),
        changes: z =>
          z
            .array(z.string())
            .describe(
              "One line per object that changes, e.g. 'local: create Deployment/shop/checkout'",
            ),
        rendered: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      const preview = await client.preview(
        request(ctx.input),
        await ctx.getInitiatorCredentials(),
      );
      rejectInvalid(preview);
      for (const e of preview.errors)
        ctx.logger.warn(`cluster ${e.cluster}: ${e.message}`);
      const changes = summary(preview);
      ctx.logger.info(
        changes.length
          ? changes.join('\n')
          : `renders ${preview.rendered.length} object(s); nothing changes`,
      );
      ctx.output('valid', true);
      ctx.output('changes', changes);
      ctx.output('rendered', preview.rendered);
    },
  });
}

/**
 * `periscope:module:deploy`: deploys through the module-deploy backend (one cluster at a time,
 * waiting for health, audited). In dry-run it only previews.
 * @public
 */
export function createModuleDeployAction(deps: {
  discovery: DiscoveryService;
  auth: AuthService;
}) {
  const client = new ModuleDeployClient(deps);
  return createTemplateAction({
    id: 'periscope:module:deploy',
    description:
      'Deploys a Timoni module instance through the Periscope module-deploy backend: rolled out one cluster at a time, each waited for until healthy, recorded in the audit trail. A dry run previews instead and changes nothing.',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Deploy a first instance of the minimal module for a new service',
        example: `steps:
  - id: deploy
    action: periscope:module:deploy
    name: Deploy the first instance
    input:
      module: minimal
      name: \${{ parameters.name }}
      namespace: \${{ parameters.namespace }}
      values:
        message: Hello from \${{ parameters.name }}`,
      },
    ],
    schema: {
      input: inputSchema,
      output: {
        dryRun: z => z.boolean(),
        results: z =>
          z.array(
            z.object({
              cluster: z.string(),
              status: z.string(),
              revision: z.number().optional(),
              message: z.string().optional(),
            }),
          ),
        changes: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      const req = request(ctx.input);
      if (ctx.isDryRun) {
        const preview = await client.preview(req, credentials);
        rejectInvalid(preview);
        const changes = summary(preview);
        ctx.logger.info(
          `dry run: nothing deployed; the deploy would make these changes:\n${
            changes.join('\n') || '(none)'
          }`,
        );
        ctx.output('dryRun', true);
        ctx.output('results', []);
        ctx.output('changes', changes);
        return;
      }
      const done = await client.deploy(req, credentials, e => {
        if (e.type === 'step')
          ctx.logger.info(
            `${e.cluster}: [${e.event.phase}] ${
              e.event.object ? `${e.event.object} ` : ''
            }${e.event.message}`,
          );
        if (e.type === 'cluster')
          ctx.logger.info(
            `cluster ${e.cluster}: ${e.status}${
              e.message ? ` (${e.message})` : ''
            }`,
          );
        if (e.type === 'invalid')
          ctx.logger.error(`the module rejected the values: ${e.message}`);
      });
      if (!done.ok) {
        const why =
          done.error ??
          done.results.find(r => r.status === 'failed')?.message ??
          'the module rejected the values (see the log)';
        throw new Error(
          `deploy of ${req.namespace}/${req.instanceName} failed: ${why}`,
        );
      }
      ctx.output('dryRun', false);
      ctx.output('results', done.results);
      ctx.output('changes', []);
    },
  });
}

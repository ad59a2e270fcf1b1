import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  CHANGE_MESSAGE_MAX_LENGTH,
  changeMessageProblem,
  DNS_LABEL_PATTERN,
  PreviewResult,
} from '@periscope/backstage-plugin-module-deploy-common';
import { z as zod } from 'zod/v3';
import { InstanceRequest, ModuleDeployClient } from './client';

const ENTITY_REF = /^[A-Za-z0-9_.-]+:([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/;

const dnsLabel = (zi: typeof zod, what: string) =>
  zi
    .string({ invalid_type_error: `${what} must be a string` })
    .min(1, `${what} is empty: give a lowercase DNS name, e.g. 'checkout'`)
    .max(63, `${what} is longer than 63 characters (a Kubernetes limit)`)
    .refine(
      v => DNS_LABEL_PATTERN.test(v),
      v => ({
        message: `${what} is '${v}', which is not a valid Kubernetes name: use lowercase letters, digits and '-', starting and ending with a letter or digit`,
      }),
    );

/**
 * The change message of a deploy whose template gives none: where the deploy came from (the
 * template's entity reference, 'unknown' when the task has none).
 */
function defaultChangeMessage(templateRef: string | undefined): string {
  return `Scaffolder template ${templateRef ?? 'unknown'}`;
}

/** Input of the deploy action only: why, kept with the revision and in the audit trail. */
const changeMessageInput = (zi: typeof zod) =>
  zi
    .string({
      invalid_type_error: `changeMessage must be text (at most ${CHANGE_MESSAGE_MAX_LENGTH} characters) saying why you deploy`,
    })
    .superRefine((v, ctx) => {
      // as POST /entity/deploy checks it: trimmed, at most 500 characters, no control characters
      const problem = changeMessageProblem(v.trim());
      if (problem)
        ctx.addIssue({ code: 'custom', message: `changeMessage: ${problem}` });
    })
    .optional()
    .describe(
      `Why this deploy is made, kept with the revision and in the audit trail (at most ${CHANGE_MESSAGE_MAX_LENGTH} characters; default: 'Scaffolder template <the template's entity reference>')`,
    );

/**
 * Input of both actions. Types and lengths also go into the action's JSON Schema (the
 * scaffolder checks them before the step runs); the rules below are re-checked by the handler
 * with messages that name the input and say what to write instead.
 */
const inputSchema = {
  module: (zi: typeof zod) =>
    zi
      .string({ invalid_type_error: 'module must be a string' })
      .min(
        1,
        "module is empty: name a module from moduleDeploy.modules, e.g. 'minimal'",
      )
      .refine(
        v => !/\s/.test(v),
        v => ({
          message: `module is '${v}', which contains white space: use a name from moduleDeploy.modules, optionally '@<version>', or an oci:// reference`,
        }),
      )
      .describe(
        "A module from moduleDeploy.modules (e.g. 'minimal'), optionally '@<version>', or an oci:// reference under a configured OCI module",
      ),
  name: (zi: typeof zod) =>
    dnsLabel(zi, 'name').describe(
      'Instance name: a lowercase DNS name (letters, digits, -), at most 63 characters',
    ),
  namespace: (zi: typeof zod) =>
    dnsLabel(zi, 'namespace').describe(
      'Namespace of the instance: a lowercase DNS name, at most 63 characters',
    ),
  clusters: (zi: typeof zod) =>
    zi
      .array(
        zi
          .string({ invalid_type_error: 'clusters must list cluster names' })
          .min(1, 'clusters contains an empty name'),
        { invalid_type_error: 'clusters must be a list of cluster names' },
      )
      .refine(
        v => new Set(v).size === v.length,
        v => ({
          message: `clusters lists ${
            v.find((c, i) => v.indexOf(c) !== i) ?? ''
          } twice: name each target cluster once, in rollout order`,
        }),
      )
      .optional()
      .describe(
        'Target clusters in rollout order (default: moduleDeploy.defaults.clusters, else all)',
      ),
  entityRef: (zi: typeof zod) =>
    zi
      .string({ invalid_type_error: 'entityRef must be a string' })
      .refine(
        v => ENTITY_REF.test(v),
        v => ({
          message: `entityRef is '${v}', which is not an entity reference: write kind:namespace/name, e.g. 'component:default/checkout'`,
        }),
      )
      .optional()
      .describe(
        'Entity whose module-deploy.instance.apply permission is checked (conditional policies apply), as kind:namespace/name',
      ),
  values: (zi: typeof zod) =>
    zi
      .record(zi.string(), zi.unknown(), {
        invalid_type_error:
          'values must be an object of module values (field: value), not a list or a scalar',
      })
      .optional()
      .describe(
        "Module values (an object); the module's CUE schema validates them and names any rejected field",
      ),
};

const instanceInput = zod.object({
  module: inputSchema.module(zod),
  name: inputSchema.name(zod),
  namespace: inputSchema.namespace(zod),
  clusters: inputSchema.clusters(zod),
  entityRef: inputSchema.entityRef(zod),
  values: inputSchema.values(zod),
});

/** What both actions take, checked. */
export type InstanceInput = zod.infer<typeof instanceInput>;

const deployInput = instanceInput.extend({
  changeMessage: changeMessageInput(zod),
});

/** What the deploy action takes, checked. */
export type DeployInput = zod.infer<typeof deployInput>;

/**
 * Checks an action's input; an InputError names every wrong input and what to write instead.
 * @public
 */
export function parseInstanceInput(
  action: string,
  input: unknown,
): InstanceInput {
  return parseWith(instanceInput, action, input);
}

/** {@link parseInstanceInput} for the deploy action, which also takes `changeMessage`. */
export function parseDeployInput(action: string, input: unknown): DeployInput {
  return parseWith(deployInput, action, input);
}

function parseWith<T>(
  schema: zod.ZodType<T, zod.ZodTypeDef, unknown>,
  action: string,
  input: unknown,
): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map(i =>
    i.code === 'invalid_type' && i.received === 'undefined'
      ? `${i.path.join('.')} is missing`
      : i.message,
  );
  throw new InputError(`invalid input to ${action}: ${problems.join('; ')}`);
}

function request(input: InstanceInput): InstanceRequest {
  return {
    module: input.module,
    instanceName: input.name,
    namespace: input.namespace,
    ...(input.clusters?.length ? { clusters: input.clusters } : {}),
    ...(input.entityRef ? { entityRef: input.entityRef } : {}),
    values: input.values ?? {},
  };
}

function summary(p: PreviewResult): string[] {
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

/** Logs the preview's warnings before a deploy (what the change would break), one line each. */
function logWarnings(
  logger: { warn(message: string): void },
  p: PreviewResult,
): void {
  for (const w of p.warnings ?? [])
    logger.warn(
      `${w.cluster ? `${w.cluster}: ` : ''}${w.analyzer} ${w.object}: ${
        w.message
      }${w.blocking ? ' (blocks the deploy)' : ''}`,
    );
}

function rejectInvalid(p: PreviewResult): void {
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
        request(parseInstanceInput('periscope:module:diff', ctx.input)),
        await ctx.getInitiatorCredentials(),
      );
      rejectInvalid(preview);
      for (const e of preview.errors)
        ctx.logger.warn(`cluster ${e.cluster}: ${e.message}`);
      logWarnings(ctx.logger, preview);
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
 * waiting for health, audited with the change message: the template's, else where the deploy
 * came from). In dry-run it only previews.
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
        message: Hello from \${{ parameters.name }}
      changeMessage: First deploy of \${{ parameters.name }}`,
      },
    ],
    schema: {
      input: { ...inputSchema, changeMessage: changeMessageInput },
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
      const input = parseDeployInput('periscope:module:deploy', ctx.input);
      const req = request(input);
      if (ctx.isDryRun) {
        const preview = await client.preview(req, credentials);
        rejectInvalid(preview);
        logWarnings(ctx.logger, preview);
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
      const changeMessage =
        input.changeMessage?.trim() ||
        defaultChangeMessage(ctx.templateInfo?.entityRef);
      const done = await client.deploy(
        { ...req, changeMessage },
        credentials,
        e => {
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
        },
      );
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

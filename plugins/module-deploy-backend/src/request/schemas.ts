/** The zod schemas of the request bodies of the module-deploy routes. */
import {
  CHANGE_MESSAGE_MAX_LENGTH,
  changeMessageProblem,
} from '@periscope/backstage-plugin-module-deploy-common';
import { z } from 'zod';

const values = z.record(z.string(), z.unknown(), {
  error: "'values' must be an object of module values",
});
/** Why a deploy is made: optional, trimmed, empty is none; too long or with control characters is a 400. */
const changeMessage = z
  .string({
    error: `'changeMessage' must be text (at most ${CHANGE_MESSAGE_MAX_LENGTH} characters) saying why you deploy`,
  })
  .transform(m => m.trim())
  .superRefine((m, ctx) => {
    const problem = changeMessageProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(m => m || undefined)
  .optional();

/** An explicit target (the scaffolder actions, the Security overview): what and where. */
const target = z.object({
  module: z.string().min(1),
  instanceName: z.string().min(1),
  namespace: z.string().min(1),
  clusters: z.array(z.string().min(1)).optional(),
  entityRef: z.string().min(1).optional(),
  values: values.optional(),
});

/** The body of each route, by route. */
export const schemas = {
  values: z.object({ values }).strict(),
  deploy: z.object({ values, changeMessage }).strict(),
  rollback: z
    .object({
      revision: z.number().int().positive().optional(),
      cluster: z.string().min(1).optional(),
    })
    .strict(),
  delete: z
    .object({
      confirm: z.string({
        error:
          "'confirm' is missing: type the instance name to confirm the delete",
      }),
    })
    .strict(),
  drift: z
    .object({
      cluster: z
        .string({ error: "'cluster' must be the name of a target cluster" })
        .min(
          1,
          "'cluster' must not be empty: omit it to check every target cluster",
        )
        .optional(),
    })
    .strict(),
  target: target.strict(),
  /** POST /instances/deploy: an explicit target, its values and why (as /entity/deploy). */
  targetDeploy: target.extend({ changeMessage }).strict(),
  /** POST /instances/rollback: an explicit target and the revision to re-apply (required). */
  targetRollback: z
    .object({
      module: z.string().min(1),
      instanceName: z.string().min(1),
      namespace: z.string().min(1),
      clusters: z.array(z.string().min(1)).optional(),
      entityRef: z.string().min(1).optional(),
      revision: z
        .number({
          error:
            "'revision' must be the number of the revision to roll back to (a whole number from 1; GET /entity/history lists them)",
        })
        .int("'revision' must be a whole number")
        .positive("'revision' must be 1 or more"),
      cluster: z
        .string({ error: "'cluster' must be the name of a target cluster" })
        .min(
          1,
          "'cluster' must not be empty: omit it to roll back every target cluster",
        )
        .optional(),
    })
    .strict(),
};

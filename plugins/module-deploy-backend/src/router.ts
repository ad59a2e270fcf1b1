import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  CHANGE_MESSAGE_MAX_LENGTH,
  changeMessageProblem,
  JsonObject,
  moduleDeployModulesReadPermission,
  moduleDeployReadPermission,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  authorizeBasic,
  authorizeEntity,
  ClusterSource,
  createNdjsonWriter,
  parseEntityRefParam,
  parseIntParam,
  readKubernetesRequestAuth,
  sendJsonWithEtag,
  summarizeClusters,
} from '@periscope/kube-access';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  DeployService,
  PreparedOperation,
  StreamSink,
} from './services/DeployService';
import { ModuleCatalog } from './services/ModuleCatalog';
import { DeployStreamEvent } from './types';

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
const schemas = {
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
  target: z
    .object({
      module: z.string().min(1),
      instanceName: z.string().min(1),
      namespace: z.string().min(1),
      clusters: z.array(z.string().min(1)).optional(),
      entityRef: z.string().min(1).optional(),
      values: values.optional(),
    })
    .strict(),
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

/** Default and largest page of instances (target clusters) of GET /entity (README, "Routes"). */
const INSTANCES_PAGE = { limit: 50, max: 500 };
/** Default and largest page size of the audit trail of GET /entity/history (README, "Routes"). */
const AUDIT_PAGE = { limit: 50, max: 500 };
const MAX_OFFSET = 1_000_000;

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues
    .map(i => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw new InputError(`invalid ${what} request body: ${issues}`);
}

/**
 * Streams NDJSON: headers go out with the first event, so an error thrown before any event
 * (bad input, denied permission) is still a plain 4xx answer.
 */
async function stream(
  res: express.Response,
  run: (sink: StreamSink) => Promise<unknown>,
): Promise<void> {
  const out = createNdjsonWriter<DeployStreamEvent>(res);
  const sink = (e: DeployStreamEvent) => out.write(e);
  try {
    await run(sink);
  } catch (e) {
    if (!out.started) throw e;
    sink({ type: 'done', ok: false, results: [], error: (e as Error).message });
  }
  res.end();
}

/** The module-deploy HTTP API. @public */
export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  deploys: DeployService;
  modules: ModuleCatalog;
  /** Lists the clusters for `GET /clusters` (names and auth providers, no URL or credential). */
  clusters?: ClusterSource;
}): Promise<express.Router> {
  const { httpAuth, permissions, deploys, modules } = deps;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const who = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });
  /** The caller and, for clusters with client-side auth, the caller's own Kubernetes tokens. */
  const who2 = async (req: express.Request) => ({
    credentials: await who(req),
    requestAuth: readKubernetesRequestAuth(req),
  });
  const ref = (req: express.Request) =>
    parseEntityRefParam(req.query.entityRef);

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Served from the stored instance state (never waits on a cluster while a fresh one is
  // stored), one page of the target clusters; an unchanged answer is a 304 to its ETag.
  router.get('/entity', async (req, res) => {
    const entityRef = ref(req);
    const limit = parseIntParam(
      req.query.limit,
      'limit',
      INSTANCES_PAGE.limit,
      1,
      INSTANCES_PAGE.max,
    );
    const offset = parseIntParam(req.query.offset, 'offset', 0, 0, MAX_OFFSET);
    sendJsonWithEtag(
      req,
      res,
      await deploys.getEntity({
        entityRef,
        limit,
        offset,
        ...(await who2(req)),
      }),
    );
  });

  // Which clusters the tab reaches and with which auth provider, so the frontend can send the
  // signed-in user's token for clusters with client-side auth (as the Kubernetes plugin's /clusters).
  router.get('/clusters', async (req, res) => {
    const entityRef = ref(req);
    await authorizeEntity(
      permissions,
      moduleDeployReadPermission,
      entityRef,
      await who(req),
    );
    res.json({
      items: deps.clusters
        ? summarizeClusters(await deps.clusters.listClusters())
        : [],
    });
  });

  router.get('/entity/schema', async (req, res) => {
    const entityRef = ref(req);
    res.json(await deploys.getSchema({ entityRef, ...(await who2(req)) }));
  });

  router.post('/entity/preview', async (req, res) => {
    const entityRef = ref(req);
    const body = parse(schemas.values, req.body, 'preview');
    res.json(
      await deploys.preview({
        entityRef,
        values: body.values as JsonObject,
        ...(await who2(req)),
      }),
    );
  });

  /** An entity operation that streams its steps: input and permission errors stay plain 4xx answers. */
  const streamRoute = <T>(
    path: string,
    schema: z.ZodType<T>,
    run: (op: PreparedOperation, body: T, sink: StreamSink) => Promise<unknown>,
  ) =>
    router.post(`/entity/${path}`, async (req, res) => {
      const entityRef = ref(req);
      const body = parse(schema, req.body, path);
      const op = await deploys.prepareDeploy({
        entityRef,
        ...(await who2(req)),
      });
      await stream(res, sink => run(op, body, sink));
    });

  streamRoute('deploy', schemas.deploy, (op, body, sink) =>
    op.deploy(body.values as JsonObject, sink, {
      changeMessage: body.changeMessage,
    }),
  );
  streamRoute('rollback', schemas.rollback, (op, body, sink) =>
    op.rollback(body, sink),
  );
  streamRoute('delete', schemas.delete, (op, body, sink) =>
    op.delete(body.confirm, sink),
  );

  router.get('/entity/history', async (req, res) => {
    const entityRef = ref(req);
    const auditLimit = parseIntParam(
      req.query.limit,
      'limit',
      AUDIT_PAGE.limit,
      1,
      AUDIT_PAGE.max,
    );
    const auditOffset = parseIntParam(
      req.query.offset,
      'offset',
      0,
      0,
      MAX_OFFSET,
    );
    res.json(
      await deploys.history({
        entityRef,
        auditLimit,
        auditOffset,
        ...(await who2(req)),
      }),
    );
  });

  router.post('/entity/drift', async (req, res) => {
    const entityRef = ref(req);
    const body = parse(schemas.drift, req.body, 'drift');
    res.json(
      await deploys.checkEntityDrift({
        entityRef,
        cluster: body.cluster,
        ...(await who2(req)),
      }),
    );
  });

  router.get('/modules', async (req, res) => {
    const credentials = await who(req);
    await authorizeBasic(
      permissions,
      moduleDeployModulesReadPermission,
      credentials,
    );
    res.json({ modules: await modules.list() });
  });

  router.post('/instances/preview', async (req, res) => {
    const { values: v, ...target } = parse(
      schemas.target,
      req.body,
      'instances/preview',
    );
    const op = await deploys.prepareTarget({
      target,
      ...(await who2(req)),
      permission: 'read',
    });
    res.json(await op.preview((v ?? {}) as JsonObject));
  });

  router.post('/instances/deploy', async (req, res) => {
    const { values: v, ...target } = parse(
      schemas.target,
      req.body,
      'instances/deploy',
    );
    const op = await deploys.prepareTarget({
      target,
      ...(await who2(req)),
      permission: 'apply',
    });
    await stream(res, sink => op.deploy((v ?? {}) as JsonObject, sink));
  });

  // Rolls an explicit instance back to a stored revision (as /entity/rollback does for an
  // entity's own instance): the apply permission as for /instances/deploy; an instance or
  // revision that a target cluster does not have is a 404 before anything is applied.
  router.post('/instances/rollback', async (req, res) => {
    const { revision, cluster, ...target } = parse(
      schemas.targetRollback,
      req.body,
      'instances/rollback',
    );
    const op = await deploys.prepareTarget({
      target,
      ...(await who2(req)),
      permission: 'apply',
    });
    await stream(res, sink =>
      op.rollback({ revision, cluster, mustExist: true }, sink),
    );
  });

  return router;
}

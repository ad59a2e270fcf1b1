/**
 * The module-deploy HTTP API: each route parses its request (`request/`), checks who calls, and
 * makes one call to the deploy service; operations stream their steps (`response/`).
 */
import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  JsonObject,
  moduleDeployModulesReadPermission,
  moduleDeployReadPermission,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  authorizeBasic,
  authorizeEntity,
  ClusterSource,
  parseEntityRefParam,
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
import { AUDIT_PAGE, INSTANCES_PAGE, parsePage } from './request/page';
import { parseBody } from './request/parseBody';
import { schemas } from './request/schemas';
import { streamOperation } from './response/streamOperation';

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
    const { limit, offset } = parsePage(req.query, INSTANCES_PAGE);
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
    const body = parseBody(schemas.values, req.body, 'preview');
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
      const body = parseBody(schema, req.body, path);
      const op = await deploys.prepareDeploy({
        entityRef,
        ...(await who2(req)),
      });
      await streamOperation(res, sink => run(op, body, sink));
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
    const { limit: auditLimit, offset: auditOffset } = parsePage(
      req.query,
      AUDIT_PAGE,
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
    const body = parseBody(schemas.drift, req.body, 'drift');
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
    const { values: v, ...target } = parseBody(
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
    const {
      values: v,
      changeMessage,
      ...target
    } = parseBody(schemas.targetDeploy, req.body, 'instances/deploy');
    const op = await deploys.prepareTarget({
      target,
      ...(await who2(req)),
      permission: 'apply',
    });
    await streamOperation(res, sink =>
      op.deploy((v ?? {}) as JsonObject, sink, { changeMessage }),
    );
  });

  // Rolls an explicit instance back to a stored revision (as /entity/rollback does for an
  // entity's own instance): the apply permission as for /instances/deploy; an instance or
  // revision that a target cluster does not have is a 404 before anything is applied.
  router.post('/instances/rollback', async (req, res) => {
    const { revision, cluster, ...target } = parseBody(
      schemas.targetRollback,
      req.body,
      'instances/rollback',
    );
    const op = await deploys.prepareTarget({
      target,
      ...(await who2(req)),
      permission: 'apply',
    });
    await streamOperation(res, sink =>
      op.rollback({ revision, cluster, mustExist: true }, sink),
    );
  });

  return router;
}

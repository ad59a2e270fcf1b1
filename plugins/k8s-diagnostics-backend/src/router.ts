/**
 * The k8s-diagnostics HTTP API (README, "Routes"): each route parses its input (`./request`),
 * checks the caller's permission and makes one service call; the explanation streams through
 * `./response`.
 */
import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  authorizeBasic,
  authorizeEntity,
  ClusterSource,
  parseEntityRefParam,
  readKubernetesRequestAuth,
  sendJsonWithEtag,
  summarizeClusters,
} from '@periscope/kube-access';
import {
  k8sDiagnosticsClusterReadPermission,
  k8sDiagnosticsReadPermission,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { authorizeExplain } from './authorizeExplain';
import { parseEvidenceQuery } from './request/parseEvidenceQuery';
import { parseExplainBody } from './request/parseExplainBody';
import { parseFindingsQuery } from './request/parseFindingsQuery';
import { parseHistoryQuery } from './request/parseHistoryQuery';
import { parseLogsQuery } from './request/parseLogsQuery';
import { findingsPage } from './response/findingsPage';
import { streamExplanation } from './response/streamExplanation';
import { EvidenceService } from './services/EvidenceService';
import { ExplainService } from './services/ExplainService';
import { HealthService } from './services/HealthService';

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  health: HealthService;
  explain: ExplainService;
  /** Reads a finding's evidence and its pods' logs (GET /entity/evidence, GET /entity/logs). */
  evidence?: EvidenceService;
  /** Lists the clusters for `GET /clusters` (names and auth providers, no URL or credential). */
  clusters?: ClusterSource;
}): Promise<express.Router> {
  const { httpAuth, permissions, health, explain } = deps;
  const router = Router();
  router.use(express.json());

  const caller = (req: Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  // a user or service that may read the entity's findings: its credentials, else a 403
  const entityReader = async (req: Request, entityRef: string) => {
    const credentials = await caller(req);
    await authorizeEntity(
      permissions,
      k8sDiagnosticsReadPermission,
      entityRef,
      credentials,
    );
    return credentials;
  };

  function evidenceService(): EvidenceService {
    if (!deps.evidence)
      throw new ServiceUnavailableError(
        'this backend reads no evidence: it has no cluster access',
      );
    return deps.evidence;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entity', async (req, res) => {
    const entityRef = parseEntityRefParam(req.query.entityRef);
    const credentials = await entityReader(req, entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    // served from the stored scan: an unchanged result is a 304 to a request naming its ETag
    sendJsonWithEtag(
      req,
      res,
      await health.getEntityHealth({ entityRef, credentials, requestAuth }),
    );
  });

  // The stored scan history of the entity, page by page (GET /entity carries the newest 48 points);
  // never scans.
  router.get('/entity/history', async (req, res) => {
    const { entityRef, limit, offset } = parseHistoryQuery(req.query);
    const credentials = await entityReader(req, entityRef);
    res.json(
      await health.getEntityHistory({ entityRef, credentials, limit, offset }),
    );
  });

  // Which clusters the tab reads and with which auth provider, so the frontend can send the
  // signed-in user's token for clusters with client-side auth (as the Kubernetes plugin's /clusters).
  router.get('/clusters', async (req, res) => {
    await entityReader(req, parseEntityRefParam(req.query.entityRef));
    res.json({
      items: deps.clusters
        ? summarizeClusters(await deps.clusters.listClusters())
        : [],
    });
  });

  router.post('/entity/rescan', async (req, res) => {
    const entityRef = parseEntityRefParam(
      req.body?.entityRef ?? req.query.entityRef,
    );
    const credentials = await entityReader(req, entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    res.json(
      await health.getEntityHealth({
        entityRef,
        credentials,
        refresh: true,
        requestAuth,
      }),
    );
  });

  // What the cluster shows now about one finding of the entity: the failing container, its last
  // log lines, warning events, owner chain and missing references.
  router.get('/entity/evidence', async (req, res) => {
    const { entityRef, findingId } = parseEvidenceQuery(req.query);
    const credentials = await entityReader(req, entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    res.json(
      await evidenceService().getEvidence({
        entityRef,
        findingId,
        credentials,
        requestAuth,
      }),
    );
  });

  // The last lines of a container of a finding's pod (current or previous instance), capped.
  router.get('/entity/logs', async (req, res) => {
    const logs = parseLogsQuery(req.query);
    const credentials = await entityReader(req, logs.entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(
      await evidenceService().getLogs({ ...logs, credentials, requestAuth }),
    );
  });

  router.post('/entity/explain', async (req, res) => {
    const { entityRef, findingId } = parseExplainBody(req.body);
    const credentials = await caller(req);
    await authorizeExplain(permissions, entityRef, credentials);
    const requestAuth = readKubernetesRequestAuth(req);
    await streamExplanation(res, onChunk =>
      explain.explain({
        entityRef,
        findingId,
        credentials,
        requestAuth,
        onChunk,
      }),
    );
  });

  router.get('/findings', async (req, res) => {
    const { filter, ...page } = parseFindingsQuery(req.query);
    const credentials = await caller(req);
    await authorizeBasic(
      permissions,
      k8sDiagnosticsClusterReadPermission,
      credentials,
    );
    // facets, errors and warnings are of every finding, not just this page's
    res.json(findingsPage(await health.listClusterFindings({ filter }), page));
  });

  return router;
}

import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
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
import {
  k8sDiagnosticsClusterReadPermission,
  k8sDiagnosticsExplainPermission,
  k8sDiagnosticsReadPermission,
  SEVERITIES,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { EvidenceService } from './services/EvidenceService';
import { ExplainService } from './services/ExplainService';
import { HealthService } from './services/HealthService';
import { ExplainChunk } from './types';

const FindingsQuery = z.object({
  cluster: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
});

const ExplainBody = z.object({
  entityRef: z.string().min(1),
  findingId: z
    .string()
    .regex(/^[0-9a-f]{6,64}$/, 'must be the id of a finding from GET /entity'),
});

const FINDING_ID = z
  .string()
  .regex(/^[0-9a-f]{6,64}$/, 'must be the id of a finding from GET /entity');
/** A container or pod name (DNS label / subdomain). */
const K8S_NAME = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Kubernetes name');

const EvidenceQuery = z
  .object({ entityRef: z.string().min(1), findingId: FINDING_ID })
  .strict();

/**
 * GET /entity/logs: no namespace (it is the finding's, which an entity scan finds only in the
 * entity's declared namespace), no cluster (the finding's).
 */
const LogsQuery = z
  .object({
    entityRef: z.string().min(1),
    findingId: FINDING_ID,
    container: K8S_NAME,
    pod: K8S_NAME.optional(),
    previous: z.enum(['true', 'false']).optional(),
    tailLines: z.string().optional(),
  })
  .strict();

/** Default and largest number of log lines of GET /entity/logs. */
const LOG_LINES = { tailLines: 200, max: 1000 };

/** Default and largest page size of GET /findings (README, "Routes"). */
const FINDINGS_PAGE = { limit: 1000, max: 5000 };
/** Default (GET /entity's 48 points) and largest page size of GET /entity/history. */
const HISTORY_PAGE = { limit: 48, max: 5000 };
const MAX_OFFSET = 1_000_000;

function zodMessage(e: z.ZodError): string {
  return e.issues
    .map(i => `'${i.path.join('.') || 'body'}' ${i.message}`)
    .join('; ');
}

/** Checks the read and explain permissions of one entity in one round trip. */
async function authorizeExplain(
  permissions: PermissionsService,
  entityRef: string,
  credentials: BackstageCredentials,
) {
  const decisions = await permissions.authorize(
    [
      { permission: k8sDiagnosticsReadPermission, resourceRef: entityRef },
      { permission: k8sDiagnosticsExplainPermission, resourceRef: entityRef },
    ],
    { credentials },
  );
  const denied = [
    k8sDiagnosticsReadPermission,
    k8sDiagnosticsExplainPermission,
  ].filter((_p, i) => decisions[i].result !== AuthorizeResult.ALLOW);
  if (denied.length) {
    throw new NotAllowedError(
      `permission ${denied
        .map(p => `'${p.name}'`)
        .join(' and ')} is denied for ${entityRef}`,
    );
  }
}

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

  // a user or service that may read the entity's findings: its credentials, else a 403
  const entityReader = async (req: Request, entityRef: string) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeEntity(
      permissions,
      k8sDiagnosticsReadPermission,
      entityRef,
      credentials,
    );
    return credentials;
  };

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
    const limit = parseIntParam(
      req.query.limit,
      'limit',
      HISTORY_PAGE.limit,
      1,
      HISTORY_PAGE.max,
    );
    const offset = parseIntParam(req.query.offset, 'offset', 0, 0, MAX_OFFSET);
    const entityRef = parseEntityRefParam(req.query.entityRef);
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

  function evidenceService(): EvidenceService {
    if (!deps.evidence)
      throw new ServiceUnavailableError(
        'this backend reads no evidence: it has no cluster access',
      );
    return deps.evidence;
  }

  // What the cluster shows now about one finding of the entity: the failing container, its last
  // log lines, warning events, owner chain and missing references.
  router.get('/entity/evidence', async (req, res) => {
    const parsed = EvidenceQuery.safeParse(req.query);
    if (!parsed.success)
      throw new InputError(
        `invalid evidence request: ${zodMessage(
          parsed.error,
        )}; send ?entityRef=component:default/x&findingId=<id>`,
      );
    const entityRef = parseEntityRefParam(parsed.data.entityRef);
    const credentials = await entityReader(req, entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    res.json(
      await evidenceService().getEvidence({
        entityRef,
        findingId: parsed.data.findingId,
        credentials,
        requestAuth,
      }),
    );
  });

  // The last lines of a container of a finding's pod (current or previous instance), capped.
  router.get('/entity/logs', async (req, res) => {
    const parsed = LogsQuery.safeParse(req.query);
    if (!parsed.success) {
      throw new InputError(
        `invalid logs request: ${zodMessage(
          parsed.error,
        )}; send ?entityRef=component:default/x&findingId=<id>&container=<name>[&pod=<name>][&previous=true][&tailLines=1..${
          LOG_LINES.max
        }] (the namespace and cluster are the finding's)`,
      );
    }
    const tailLines = parseIntParam(
      parsed.data.tailLines,
      'tailLines',
      LOG_LINES.tailLines,
      1,
      LOG_LINES.max,
    );
    const entityRef = parseEntityRefParam(parsed.data.entityRef);
    const credentials = await entityReader(req, entityRef);
    const requestAuth = readKubernetesRequestAuth(req);
    const { findingId, container, pod } = parsed.data;
    res.setHeader('Cache-Control', 'no-store');
    res.json(
      await evidenceService().getLogs({
        entityRef,
        findingId,
        credentials,
        requestAuth,
        container,
        pod,
        previous: parsed.data.previous === 'true',
        tailLines,
      }),
    );
  });

  router.post('/entity/explain', async (req, res) => {
    const parsed = ExplainBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new InputError(
        `invalid explain request: ${zodMessage(
          parsed.error,
        )}; send JSON {"entityRef": "component:default/x", "findingId": "<id>"}`,
      );
    }
    const entityRef = parseEntityRefParam(parsed.data.entityRef);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeExplain(permissions, entityRef, credentials);
    const requestAuth = readKubernetesRequestAuth(req);
    const out = createNdjsonWriter<ExplainChunk>(res);
    try {
      await explain.explain({
        entityRef,
        findingId: parsed.data.findingId,
        credentials,
        requestAuth,
        onChunk: c => out.write(c),
      });
    } catch (e) {
      if (!out.started) throw e;
      out.write({ type: 'error', message: (e as Error).message });
    }
    res.end();
  });

  router.get('/findings', async (req, res) => {
    const { limit: rawLimit, offset: rawOffset, ...query } = req.query;
    const limit = parseIntParam(
      rawLimit,
      'limit',
      FINDINGS_PAGE.limit,
      1,
      FINDINGS_PAGE.max,
    );
    const offset = parseIntParam(rawOffset, 'offset', 0, 0, MAX_OFFSET);
    const parsed = FindingsQuery.safeParse(query);
    if (!parsed.success) {
      throw new InputError(
        `invalid filter: ${zodMessage(
          parsed.error,
        )}; severity is one of ${SEVERITIES.join(', ')}`,
      );
    }
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeBasic(
      permissions,
      k8sDiagnosticsClusterReadPermission,
      credentials,
    );
    const all = await health.listClusterFindings({
      filter: parsed.data as Parameters<
        HealthService['listClusterFindings']
      >[0]['filter'],
    });
    // facets, errors and warnings are of every finding, not just this page's
    res.json({
      ...all,
      findings: all.findings.slice(offset, offset + limit),
      total: all.findings.length,
      ...(offset + limit < all.findings.length
        ? { nextOffset: offset + limit }
        : {}),
    });
  });

  return router;
}

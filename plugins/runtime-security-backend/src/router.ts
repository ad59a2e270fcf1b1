/**
 * The runtime-security routes: each parses its input (src/request), checks its permission and
 * makes one service call.
 */
import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  authorizeBasic,
  authorizeEntity,
  ClusterSource,
  parseEntityRefParam,
  parseIntParam,
  readKubernetesRequestAuth,
  sendJsonWithEtag,
  summarizeClusters,
} from '@periscope/kube-access';
import {
  runtimeSecurityClusterReadPermission,
  runtimeSecurityEnforcePermission,
  runtimeSecurityIngestPermission,
  runtimeSecurityReadPermission,
  runtimeSecurityTriagePermission,
  SEVERITIES,
} from '@periscope/backstage-plugin-runtime-security-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { parseEnforcementBody } from './request/enforcementBody';
import { findingIdParam } from './request/findingIdParam';
import { listParam } from './request/listParam';
import { MAX_OFFSET, pageParams } from './request/pageParams';
import { strParam } from './request/strParam';
import { parseTriageBody } from './request/triageBody';
import { INGEST_TOKEN_HEADER, IngestService } from './services/IngestService';
import { PolicyService } from './services/PolicyService';
import {
  MAX_ENTITY_FINDINGS,
  SecurityService,
} from './services/SecurityService';

const TRIAGE_STATES = ['open', 'acknowledged', 'false-positive'] as const;

/** Default and largest page sizes of the paged lists (README, "Routes"). */
export const PAGING = {
  findings: { limit: 500, max: 5000 },
  /** GET /entity: the default is the answer's size before paging (MAX_ENTITY_FINDINGS). */
  entityFindings: { limit: MAX_ENTITY_FINDINGS, max: 5000 },
  policies: { limit: 1000, max: 5000 },
  maxOffset: MAX_OFFSET,
} as const;

function principalName(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.userEntityRef ?? p.subject ?? 'unknown';
}

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  security: SecurityService;
  policies: PolicyService;
  ingest: IngestService;
  /** Lists the clusters for `GET /clusters` (names and auth providers, no URL or credential). */
  clusters?: ClusterSource;
}): Promise<express.Router> {
  const { httpAuth, permissions, security, policies, ingest } = deps;
  const router = Router();

  async function clusterRead(req: Request): Promise<void> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeBasic(
      permissions,
      runtimeSecurityClusterReadPermission,
      credentials,
    );
  }

  async function entityAccess(
    req: Request,
    permission = runtimeSecurityReadPermission,
  ) {
    const entityRef = parseEntityRefParam(req.query.entityRef);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorizeEntity(permissions, permission, entityRef, credentials);
    return { entityRef, credentials };
  }

  /** A service principal that may ingest (POST /ingest without a token): its subject, else 401/403. */
  async function serviceIngester(req: Request): Promise<string> {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const [decision] = await permissions.authorize(
      [{ permission: runtimeSecurityIngestPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `permission '${runtimeSecurityIngestPermission.name}' is denied for ${credentials.principal.subject}`,
      );
    }
    return credentials.principal.subject;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entity', async (req, res) => {
    const { limit, offset } = pageParams(req.query, PAGING.entityFindings);
    const { entityRef, credentials } = await entityAccess(req);
    // served from the stored ingest: an unchanged result is a 304 to a request naming its ETag
    sendJsonWithEtag(
      req,
      res,
      await security.getEntitySecurity({
        entityRef,
        credentials,
        limit,
        offset,
      }),
    );
  });

  router.get('/entity/timeline', async (req, res) => {
    const days = parseIntParam(req.query.days, 'days', 7, 1, 90);
    const { entityRef, credentials } = await entityAccess(req);
    res.json(
      await security.getEntityTimeline({ entityRef, days, credentials }),
    );
  });

  router.get('/entity/findings/:id', async (req, res) => {
    const id = findingIdParam(req.params.id);
    const { entityRef, credentials } = await entityAccess(req);
    res.json(await security.getEntityFinding({ entityRef, id, credentials }));
  });

  router.post(
    '/entity/findings/:id/triage',
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const id = findingIdParam(req.params.id);
      const { state, reason } = parseTriageBody(req.body);
      const { entityRef, credentials } = await entityAccess(
        req,
        runtimeSecurityTriagePermission,
      );
      res.json(
        await security.triageEntityFinding({
          entityRef,
          id,
          state,
          reason,
          by: principalName(credentials),
          credentials,
        }),
      );
    },
  );

  router.get('/findings', async (req, res) => {
    const filter = {
      severity: listParam(req.query.severity, 'severity', SEVERITIES),
      triage: listParam(req.query.triage, 'triage', TRIAGE_STATES),
      rule: strParam(req.query.rule, 'rule'),
      namespace: strParam(req.query.namespace, 'namespace'),
      cluster: strParam(req.query.cluster, 'cluster'),
      policy: strParam(req.query.policy, 'policy'),
      search: strParam(req.query.q, 'q'),
    };
    const { limit, offset } = pageParams(req.query, PAGING.findings);
    await clusterRead(req);
    // one more than the page: whether a next page exists, without counting every match
    const { findings } = await security.listFindings({
      ...filter,
      limit: limit + 1,
      offset,
    });
    res.json({
      findings: findings.slice(0, limit),
      ...(findings.length > limit ? { nextOffset: offset + limit } : {}),
    });
  });

  router.get('/policies', async (req, res) => {
    const { limit, offset } = pageParams(req.query, PAGING.policies);
    await clusterRead(req);
    const all = await policies.list({
      requestAuth: readKubernetesRequestAuth(req),
    });
    // notInstalled, unfedRules and errors are of every policy, not just this page's
    res.json({
      ...all,
      policies: all.policies.slice(offset, offset + limit),
      total: all.policies.length,
      ...(offset + limit < all.policies.length
        ? { nextOffset: offset + limit }
        : {}),
    });
  });

  router.post(
    '/policies/enforcement',
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const request = parseEnforcementBody(req.body);
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const [d] = await permissions.authorize(
        [{ permission: runtimeSecurityEnforcePermission }],
        { credentials },
      );
      if (d.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `permission '${runtimeSecurityEnforcePermission.name}' is denied: ask the platform team to propose this policy for enforcement`,
        );
      }
      res.json(
        await policies.propose(request, {
          requestAuth: readKubernetesRequestAuth(req),
        }),
      );
    },
  );

  router.get('/unknown-events', async (req, res) => {
    await clusterRead(req);
    res.json(await security.getUnknownEvents());
  });

  // The clusters the policy page reads and their auth providers, so the frontend can send the
  // signed-in user's token for clusters with client-side auth (as the Kubernetes plugin's /clusters).
  router.get('/clusters', async (req, res) => {
    await clusterRead(req);
    res.json({
      items: deps.clusters
        ? summarizeClusters(await deps.clusters.listClusters())
        : [],
    });
  });

  router.get('/ingest/health', async (req, res) => {
    await clusterRead(req);
    res.json(await security.getIngestHealth());
  });

  // A static ingest token (checked by the service), or a service principal with the ingest permission.
  router.post('/ingest', async (req, res) => {
    try {
      const result = await ingest.ingest({
        token: req.header(INGEST_TOKEN_HEADER),
        authorizeService: () => serviceIngester(req),
        cluster: req.query.cluster,
        source: req.query.source,
        body: req,
        contentLength: req.headers['content-length'],
      });
      res.status(200).json(result);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 429)
        res.setHeader('Retry-After', String(ingest.retryAfterSeconds));
      throw e;
    }
  });

  return router;
}

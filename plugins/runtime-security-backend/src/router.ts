import {
  HttpAuthService,
  PermissionsService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
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
import { z } from 'zod';
import { PolicyListing } from './services/PolicyService';
import {
  MAX_ENTITY_FINDINGS,
  SecurityService,
} from './services/SecurityService';
import {
  HttpIngest,
  PayloadTooLargeError,
  tokenMatches,
} from './services/IngestService/HttpIngest';

/** Header carrying `runtimeSecurity.ingest.token` on POST /ingest. */
export const INGEST_TOKEN_HEADER = 'x-periscope-ingest-token';

const triageBody = z
  .object({
    state: z.enum(['acknowledged', 'false-positive', 'open']),
    reason: z.string().max(2000).optional(),
  })
  .strict();

const k8sName = (what: string) =>
  z
    .string({ error: `'${what}' must be a string` })
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      `'${what}' must be a Kubernetes name (lowercase letters, digits, '-' and '.')`,
    )
    .max(253);

const enforcementBody = z
  .object({
    cluster: z
      .string({ error: "'cluster' must be the name of the policy's cluster" })
      .min(1)
      .max(255),
    namespace: k8sName('namespace'),
    name: k8sName('name'),
    action: z.enum(['Sigkill', 'Override'], {
      error: "'action' must be 'Sigkill' or 'Override'",
    }),
  })
  .strict();

const TRIAGE_STATES = ['open', 'acknowledged', 'false-positive'] as const;

function listParam<T extends string>(
  raw: unknown,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = (Array.isArray(raw) ? raw : [raw])
    .flatMap(v => String(v).split(','))
    .filter(Boolean);
  const bad = values.filter(v => !allowed.includes(v as T));
  if (bad.length) {
    throw new InputError(
      `parameter '${name}' has ${bad
        .map(b => `'${b}'`)
        .join(', ')}; allowed: ${allowed.join(', ')}`,
    );
  }
  return values as T[];
}

/** Default and largest page sizes of the paged lists (README, "Routes"). */
export const PAGING = {
  findings: { limit: 500, max: 5000 },
  /** GET /entity: the default is the answer's size before paging (MAX_ENTITY_FINDINGS). */
  entityFindings: { limit: MAX_ENTITY_FINDINGS, max: 5000 },
  policies: { limit: 1000, max: 5000 },
  maxOffset: 1_000_000,
} as const;

/** `limit` and `offset` of a paged list; 400 naming the parameter and its range. */
function pageParams(
  query: Request['query'],
  sizes: { limit: number; max: number },
) {
  return {
    limit: parseIntParam(query.limit, 'limit', sizes.limit, 1, sizes.max),
    offset: parseIntParam(query.offset, 'offset', 0, 0, PAGING.maxOffset),
  };
}

function strParam(raw: unknown, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 256)
    throw new InputError(
      `parameter '${name}' must be one string of at most 256 characters`,
    );
  return raw;
}

function findingIdParam(raw: string): string {
  if (!/^[0-9a-f]{16}$/.test(raw)) {
    throw new InputError(
      `finding id '${raw}' is not valid: ids are 16 hexadecimal characters, as GET /entity returns them`,
    );
  }
  return raw;
}

function principalName(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.userEntityRef ?? p.subject ?? 'unknown';
}

async function readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new PayloadTooLargeError(
      `the batch is larger than ${limit} bytes (runtimeSecurity.ingest.maxBodyBytes): send smaller batches (Fluent Bit: lower Buffer_Size / flush more often; Vector: batch.max_bytes)`,
    );
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  security: SecurityService;
  policies: PolicyListing;
  ingest: HttpIngest;
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
      const parsed = triageBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `the triage body is invalid (${parsed.error.issues
            .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
            .join(
              '; ',
            )}): send {"state": "acknowledged" | "false-positive" | "open", "reason": "why"}`,
        );
      }
      const { state, reason } = parsed.data;
      if (state !== 'open' && !reason?.trim()) {
        throw new InputError(
          `'reason' is required to mark a finding ${state}: say why, e.g. "expected: nightly backup job runs tar"`,
        );
      }
      const { entityRef, credentials } = await entityAccess(
        req,
        runtimeSecurityTriagePermission,
      );
      res.json(
        await security.triageEntityFinding({
          entityRef,
          id,
          state,
          reason: reason?.trim(),
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
      const parsed = enforcementBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `the enforcement request is invalid (${parsed.error.issues
            .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
            .join(
              '; ',
            )}): send {"cluster": "...", "namespace": "...", "name": "<TracingPolicyNamespaced>", "action": "Sigkill" | "Override"}`,
        );
      }
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
        await policies.propose(parsed.data, {
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

  /**
   * Who posts to /ingest and which clusters it may write: a static token (`ingest.token`: any
   * cluster; `ingest.tokens[]`: its clusters), or a Backstage service principal that holds the
   * ingest permission (`ingest.services[]` narrows a subject to its clusters).
   */
  async function ingestCaller(
    req: Request,
  ): Promise<{ who: string; clusters?: string[] }> {
    const presented = req.header(INGEST_TOKEN_HEADER);
    const { token, tokens } = ingest.settings;
    if (presented !== undefined) {
      if (token && tokenMatches(presented, token))
        return { who: 'runtimeSecurity.ingest.token' };
      const limited = tokens.find(t => tokenMatches(presented, t.token));
      if (limited)
        return {
          who: `runtimeSecurity.ingest.tokens '${limited.name}'`,
          clusters: limited.clusters,
        };
      throw new NotAllowedError(
        token || tokens.length
          ? `the ${INGEST_TOKEN_HEADER} header matches neither runtimeSecurity.ingest.token nor an entry of runtimeSecurity.ingest.tokens`
          : `no ingest token is configured (runtimeSecurity.ingest.token or .tokens), so ${INGEST_TOKEN_HEADER} is not accepted: configure one, or call with a Backstage service token`,
      );
    }
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
    const entry = ingest.settings.services.find(
      s => s.subject === credentials.principal.subject,
    );
    return { who: credentials.principal.subject, clusters: entry?.clusters };
  }

  router.post('/ingest', async (req, res) => {
    const caller = await ingestCaller(req);
    let cluster = strParam(req.query.cluster, 'cluster');
    if (caller.clusters) {
      // a limited caller's events always carry a cluster it may write (never the agent's own claim)
      if (!cluster && caller.clusters.length === 1)
        cluster = caller.clusters[0];
      if (!cluster) {
        throw new InputError(
          `${caller.who} may write events of ${caller.clusters.join(
            ', ',
          )}: name one with ?cluster=`,
        );
      }
      if (!caller.clusters.includes(cluster)) {
        throw new NotAllowedError(
          `${
            caller.who
          } may not write events of cluster '${cluster}'; it may write ${caller.clusters.join(
            ', ',
          )}`,
        );
      }
    }
    const source = strParam(req.query.source, 'source') ?? 'default';
    if (!/^[a-zA-Z0-9._:-]+$/.test(source)) {
      throw new InputError(
        `parameter 'source' is '${source}': use letters, digits, '.', '_', ':' or '-' (e.g. the node name)`,
      );
    }
    try {
      const release = ingest.admit();
      let body: string;
      try {
        body = await readBody(req, ingest.settings.maxBodyBytes);
      } finally {
        release();
      }
      const result = await ingest.ingest(body, { source, cluster });
      res.status(200).json(result);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 429)
        res.setHeader('Retry-After', String(ingest.settings.retryAfterSeconds));
      throw e;
    }
  });

  return router;
}

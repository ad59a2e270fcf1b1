/**
 * The permission matrix of the three Periscope backends with the portal's real permission stack:
 * the permission backend with Periscope's policy module in `owners` mode (platform group
 * `group:default/platform`), the real catalog backend (so `isEntityOwner` conditions are decided
 * by the catalog, as in production), the real permissions service, every plugin's tables in
 * PostgreSQL (one database per plugin, as production configures it) and the local control plane.
 *
 * Four principals call every route of k8s-diagnostics, module-deploy and runtime-security:
 * alice (team-shop, owner of `checkout`), bob (team-other, owner of `impostor`), pat (platform)
 * and a backend service token. Each must get 403 exactly where the policy denies; an allowed call
 * may still fail for its input (404 for an unknown finding, 400 for a bad body), never with 403 or
 * a 5xx. Then a cross-team deploy: `impostor` declares the same module, instance name and
 * namespace as `checkout`; after alice deploys `checkout`, bob's deploy of `impostor` is refused
 * with a 409 naming the owner and nothing of his reaches the cluster.
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING), the local control plane
 * (PERISCOPE_KUBECONFIG) and cue; ./scripts/test provides all three.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import k8sDiagnosticsPlugin from '@periscope/backstage-plugin-k8s-diagnostics-backend';
import moduleDeployPlugin from '@periscope/backstage-plugin-module-deploy-backend';
import periscopePolicy from '@periscope/backstage-plugin-permission-backend-module-periscope';
import runtimeSecurityPlugin from '@periscope/backstage-plugin-runtime-security-backend';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import { describeIf, POSTGRES_ENV } from '@periscope/test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  createModuleDeployAction,
  createModuleDiffAction,
} from '@periscope/backstage-plugin-scaffolder-backend-module-periscope';
import { spawnSync } from 'node:child_process';
import { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import request from 'supertest';

jest.setTimeout(600_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const postgres = process.env[POSTGRES_ENV];
const cue =
  spawnSync(process.env.PERISCOPE_CUE_BIN ?? 'cue', ['version']).status === 0;

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RUN = `m${Date.now().toString(36)}`;
const NS = `perm-matrix-${RUN}`;
const PREFIX = `periscope_matrix_${RUN}_`;

type Principal = 'owner' | 'other' | 'platform' | 'service';
const PRINCIPALS: Principal[] = ['owner', 'other', 'platform', 'service'];
const USERS = {
  owner: 'user:default/alice',
  other: 'user:default/bob',
  platform: 'user:default/pat',
} as const;
const GROUPS: Record<string, string[]> = {
  [USERS.owner]: ['group:default/team-shop'],
  [USERS.other]: ['group:default/team-other'],
  [USERS.platform]: ['group:default/platform'],
};
const header = (p: Principal) =>
  p === 'service'
    ? mockCredentials.service.header()
    : mockCredentials.user.header(USERS[p]);

/** Who may: an entity permission (owners and the platform), cluster-wide (the platform), everyone. */
const ENTITY: Principal[] = ['owner', 'platform', 'service'];
const CLUSTER: Principal[] = ['platform', 'service'];
const EVERYONE: Principal[] = PRINCIPALS;
/** Ingest: backends only (a user token is refused by the route, a user is no Tetragon exporter). */
const SERVICES: Principal[] = ['service'];

const component = (
  name: string,
  owner: string,
  annotations: Record<string, string>,
) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner, lifecycle: 'production' },
});
const target = {
  'backstage.io/kubernetes-id': 'checkout',
  'backstage.io/kubernetes-namespace': NS,
  'periscope.dev/module': 'minimal',
  'periscope.dev/instance': 'checkout',
};
const ENTITIES = [
  component('checkout', 'team-shop', target),
  // another team's entity naming the same instance and namespace
  component('impostor', 'team-other', target),
  ...['team-shop', 'team-other', 'platform'].map(name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  })),
];

const E = 'entityRef=component:default/checkout';
type Call = {
  method: 'get' | 'post';
  path: string;
  body?: object;
  allowed: Principal[];
};
const CALLS: Call[] = [
  // k8s-diagnostics
  { method: 'get', path: `/api/k8s-diagnostics/entity?${E}`, allowed: ENTITY },
  {
    method: 'get',
    path: `/api/k8s-diagnostics/clusters?${E}`,
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: '/api/k8s-diagnostics/entity/rescan',
    body: { entityRef: 'component:default/checkout' },
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: '/api/k8s-diagnostics/entity/explain',
    body: {
      entityRef: 'component:default/checkout',
      findingId: '0123456789abcdef',
    },
    allowed: ENTITY,
  },
  { method: 'get', path: '/api/k8s-diagnostics/findings', allowed: CLUSTER },
  // module-deploy (deploys of checkout are in the cross-team test below)
  { method: 'get', path: `/api/module-deploy/entity?${E}`, allowed: ENTITY },
  { method: 'get', path: `/api/module-deploy/clusters?${E}`, allowed: ENTITY },
  {
    method: 'get',
    path: `/api/module-deploy/entity/schema?${E}`,
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: `/api/module-deploy/entity/preview?${E}`,
    body: { values: { message: 'matrix' } },
    allowed: ENTITY,
  },
  {
    method: 'get',
    path: `/api/module-deploy/entity/history?${E}`,
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: `/api/module-deploy/entity/drift?${E}`,
    body: {},
    allowed: ENTITY,
  },
  // allowed callers get "no revision to roll back to" / "confirm does not match": nothing changes
  {
    method: 'post',
    path: `/api/module-deploy/entity/rollback?${E}`,
    body: { revision: 999 },
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: `/api/module-deploy/entity/delete?${E}`,
    body: { confirm: 'not-the-instance' },
    allowed: ENTITY,
  },
  { method: 'get', path: '/api/module-deploy/modules', allowed: EVERYONE },
  {
    method: 'post',
    path: '/api/module-deploy/instances/preview',
    body: {
      module: 'minimal',
      instanceName: 'checkout',
      namespace: NS,
      entityRef: 'component:default/checkout',
    },
    allowed: ENTITY,
  },
  // no entity named: only who may preview anywhere (the platform, backends)
  {
    method: 'post',
    path: '/api/module-deploy/instances/preview',
    body: { module: 'minimal', instanceName: 'loose', namespace: NS },
    allowed: CLUSTER,
  },
  // runtime-security
  { method: 'get', path: `/api/runtime-security/entity?${E}`, allowed: ENTITY },
  {
    method: 'get',
    path: `/api/runtime-security/entity/timeline?${E}`,
    allowed: ENTITY,
  },
  {
    method: 'get',
    path: `/api/runtime-security/entity/findings/0123456789abcdef?${E}`,
    allowed: ENTITY,
  },
  {
    method: 'post',
    path: `/api/runtime-security/entity/findings/0123456789abcdef/triage?${E}`,
    body: { state: 'acknowledged', reason: 'matrix test' },
    allowed: ENTITY,
  },
  { method: 'get', path: '/api/runtime-security/findings', allowed: CLUSTER },
  { method: 'get', path: '/api/runtime-security/policies', allowed: CLUSTER },
  { method: 'get', path: '/api/runtime-security/clusters', allowed: CLUSTER },
  {
    method: 'get',
    path: '/api/runtime-security/ingest/health',
    allowed: CLUSTER,
  },
  {
    method: 'post',
    path: '/api/runtime-security/ingest?cluster=local',
    body: {},
    allowed: SERVICES,
  },
];

/** Group membership as the auth backend's sign-in resolver would give it. */
const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const ref = credentials.principal.userEntityRef as string;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
      };
    },
  }),
});

/**
 * Backstage's mock HTTP auth, with one difference the real auth service has: a request a plugin
 * makes on behalf of a user (a mock service token with `obo`) carries the plugin as the user's
 * `actor`. The catalog answers the permission backend's `apply-conditions` only for such
 * requests (a user calling it directly is refused), so without the actor every conditional
 * decision (`isEntityOwner`) would fail here although it works in a real backend.
 */
const httpAuth = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    return {
      async credentials(req: any, options?: any) {
        const credentials: any = await inner.credentials(req, options);
        const token = /^Bearer (mock-service-token:.*)$/.exec(
          req.headers.authorization ?? '',
        )?.[1];
        if (credentials.principal.type === 'user' && token) {
          const { sub, obo } = JSON.parse(
            token.slice('mock-service-token:'.length),
          );
          if (obo)
            return mockCredentials.user(obo, {
              actor: { subject: sub },
            }) as any;
        }
        return credentials;
      },
      issueUserCookie: (res: any, options?: any) =>
        inner.issueUserCookie(res, options),
    };
  },
});

describeIf({ kubeconfig, postgres, cue })(
  'permission matrix: the portal backend with the Periscope policy on PostgreSQL',
  () => {
    let server: any;
    let backend: { stop(): Promise<void> } | undefined;
    let dir: string;
    let api: KubernetesObjectApi;

    const send = (call: Call, p: Principal) => {
      const r =
        call.method === 'get'
          ? request(server).get(call.path)
          : request(server)
              .post(call.path)
              .send(call.body ?? {});
      return r.set('Authorization', header(p));
    };

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'periscope-matrix-'));
      const entitiesFile = path.join(dir, 'entities.yaml');
      fs.writeFileSync(
        entitiesFile,
        ENTITIES.map(e => JSON.stringify(e)).join('\n---\n'),
      );
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      const pg = new URL(postgres as string);
      const started = await startTestBackend({
        features: [
          catalogPlugin,
          permissionPlugin,
          periscopePolicy,
          k8sDiagnosticsPlugin,
          moduleDeployPlugin,
          runtimeSecurityPlugin,
          databaseServiceFactory,
          userInfo,
          httpAuth,
          mockServices.rootConfig.factory({
            data: {
              backend: {
                database: {
                  client: 'pg',
                  prefix: PREFIX,
                  connection: {
                    host: pg.hostname,
                    port: Number(pg.port),
                    user: decodeURIComponent(pg.username),
                    password: decodeURIComponent(pg.password),
                  },
                },
              },
              permission: { enabled: true },
              periscope: {
                permissionPolicy: {
                  mode: 'owners',
                  platformGroups: ['group:default/platform'],
                },
              },
              catalog: {
                rules: [{ allow: ['Component', 'Group', 'Location'] }],
                locations: [{ type: 'file', target: entitiesFile }],
              },
              ...kubernetesConfigFromKubeconfig(kubeconfig as string),
              moduleDeploy: {
                modules: [
                  {
                    name: 'minimal',
                    path: path.join(ROOT, 'examples', 'modules', 'minimal'),
                  },
                ],
                readinessTimeoutMs: 180_000,
              },
              k8sDiagnostics: { rescansPerMinute: 0 },
            },
          }),
        ],
      });
      server = started.server;
      backend = started;
      // the catalog reads the file location in the background: wait for both components
      const deadline = Date.now() + 120_000;
      for (;;) {
        const res = await request(server)
          .post('/api/catalog/entities/by-refs')
          .set('Authorization', mockCredentials.service.header())
          .send({
            entityRefs: [
              'component:default/checkout',
              'component:default/impostor',
            ],
          });
        const items = (res.body?.items ?? []).filter(Boolean);
        if (res.status === 200 && items.length === 2) break;
        if (Date.now() > deadline)
          throw new Error(
            `the catalog did not read ${entitiesFile} in 120 s: ${
              res.status
            } ${JSON.stringify(res.body)}`,
          );
        await new Promise(r => setTimeout(r, 1000));
      }
    });

    afterAll(async () => {
      await backend?.stop();
      await api
        ?.delete({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: NS },
        })
        .catch(() => undefined);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      // the per-plugin databases of this run (the stopped backend has closed its pools)
      const db = knexFactory({ client: 'pg', connection: postgres });
      try {
        const { rows } = await db.raw(
          'select datname from pg_database where datname like ?',
          [`${PREFIX}%`],
        );
        for (const { datname } of rows)
          await db.raw('drop database if exists ?? with (force)', [datname]);
      } finally {
        await db.destroy();
      }
    });

    it.each(
      CALLS.map(c => [`${c.method.toUpperCase()} ${c.path}`, c] as const),
    )('%s', async (_name, call) => {
      const got: Record<string, number> = {};
      const want: Record<string, string> = {};
      const seen: Record<string, string> = {};
      for (const p of PRINCIPALS) {
        const res = await send(call, p);
        got[p] = res.status;
        want[p] = call.allowed.includes(p) ? 'allowed' : 'denied';
        if (res.status === 403) seen[p] = 'denied';
        else seen[p] = res.status < 500 ? 'allowed' : `error ${res.status}`;
        // what the caller was told, where it is not what the policy says (the failure shows it)
        if (seen[p] !== want[p])
          seen[p] += ` (${res.status}: ${res.text.slice(0, 3000)})`;
      }
      expect({
        call: `${call.method.toUpperCase()} ${call.path}`,
        ...seen,
      }).toEqual({
        call: `${call.method.toUpperCase()} ${call.path}`,
        ...want,
      });
      // a denial names the permission, so a user knows what to ask for
      for (const p of PRINCIPALS.filter(x => got[x] === 403)) {
        const res = await send(call, p);
        expect(res.text).toMatch(/permission|not allow/i);
      }
    });

    it.each(PRINCIPALS.map(p => [p, ENTITY.includes(p)] as const))(
      'scaffolder actions periscope:module:diff and :deploy as the initiator (%s): allowed %s',
      async (p, allowed) => {
        // the actions call /instances/preview and /instances/deploy on behalf of the task's initiator
        const port = (server.address() as AddressInfo).port;
        const deps = {
          discovery: {
            getBaseUrl: async (id: string) =>
              `http://127.0.0.1:${port}/api/${id}`,
            getExternalBaseUrl: async (id: string) =>
              `http://127.0.0.1:${port}/api/${id}`,
          },
          auth: mockServices.auth({ pluginId: 'scaffolder' }),
        };
        const credentials =
          p === 'service'
            ? mockCredentials.service()
            : mockCredentials.user(USERS[p]);
        const input = {
          module: 'minimal',
          name: 'checkout',
          namespace: NS,
          entityRef: 'component:default/checkout',
          values: { message: `from the ${p} template` },
        };
        const outcomes = [];
        for (const action of [
          createModuleDiffAction(deps),
          createModuleDeployAction(deps),
        ]) {
          const ctx = {
            ...createMockActionContext({ input }),
            getInitiatorCredentials: async () => credentials,
          };
          const outcome = await action.handler(ctx as any).then(
            () => 'done',
            (e: Error) =>
              `${e.name}${
                /permission 'module-deploy\.instance\.(read|apply)' is denied/.test(
                  e.message,
                )
                  ? ' naming the permission'
                  : `: ${e.message}`
              }`,
          );
          outcomes.push({
            action: action.id,
            outcome,
            output: (ctx.output as jest.Mock).mock.calls.length > 0,
          });
        }
        const expected = allowed
          ? { outcome: 'done', output: true }
          : { outcome: 'NotAllowedError naming the permission', output: false };
        expect(outcomes).toEqual([
          { action: 'periscope:module:diff', ...expected },
          { action: 'periscope:module:deploy', ...expected },
        ]);
      },
    );

    it("refuses a cross-team deploy to the owner's instance, and applies nothing of it", async () => {
      const deploy = (entity: string, p: Principal, message: string) =>
        request(server)
          .post(
            `/api/module-deploy/entity/deploy?entityRef=component:default/${entity}`,
          )
          .set('Authorization', header(p))
          .send({ values: { message } });

      // bob may not deploy checkout at all (not an owner)
      expect((await deploy('checkout', 'other', 'from bob')).status).toBe(403);

      const first = await deploy('checkout', 'owner', 'from alice');
      expect(first.status).toBe(200);
      const events = first.text
        .trim()
        .split('\n')
        .map(l => JSON.parse(l));
      expect(events[events.length - 1]).toMatchObject({
        type: 'done',
        ok: true,
      });

      // bob owns impostor, which names the same instance and namespace: refused, naming the owner
      const res = await deploy('impostor', 'other', 'from bob');
      expect(res.status).toBe(409);
      expect(res.text).toContain('component:default/checkout');
      const preview = await request(server)
        .post(
          '/api/module-deploy/entity/preview?entityRef=component:default/impostor',
        )
        .set('Authorization', header('other'))
        .send({ values: { message: 'from bob' } });
      expect(preview.status).toBe(409);

      // the cluster still has alice's values
      // (the module's ConfigMap is immutable: its name carries a hash of its data)
      const configMaps = JSON.stringify(
        (await api.list('v1', 'ConfigMap', NS)).items.map(
          cm => (cm as any).data,
        ),
      );
      expect(configMaps).toContain('from alice');
      expect(configMaps).not.toContain('from bob');
    });
  },
);

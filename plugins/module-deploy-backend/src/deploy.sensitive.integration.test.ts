/**
 * Instance owners and sensitive values through the routes, against the real local control
 * plane: PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig). Skipped, with the reason printed,
 * when it is unset or cue is missing. The module is module-deploy-node's fixture
 * src/__fixtures__/sensitive-module (`dbPass` marked `@periscope(sensitive)`, `apiToken`
 * sensitive by its name).
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  OWNER_ENTITY_ANNOTATION,
  SENSITIVE_MASK,
} from '@periscope/backstage-plugin-module-deploy-common';
import { kubernetesConfigFromKubeconfig } from '@periscope/kube-access';
import { describeIf } from '@periscope/test-utils';
import { Knex } from 'knex';
import path from 'node:path';
import request from 'supertest';
import { findTool } from '@periscope/backstage-plugin-module-deploy-node';
import { entities, ndjson, start } from './__testUtils__/backend';

jest.setTimeout(600_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const cue = findTool('cue');
const FIXTURE = path.join(
  path.dirname(
    require.resolve(
      '@periscope/backstage-plugin-module-deploy-node/package.json',
    ),
  ),
  'src',
  '__fixtures__',
  'sensitive-module',
);

const P1 = 'first-Passw0rd-4711';
const P2 = 'second-Passw0rd-0815';
const P3 = 'third-Passw0rd-preview';
const TOKEN = 'api-t0ken-5f4e3d2c';
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const SECRETS = [P1, P2, P3, TOKEN];

describeIf({ kubeconfig, cue })(
  'instance owners and sensitive values against the local control plane',
  () => {
    const ns = `md-sens-${Date.now().toString(36)}`;
    const OWNER = 'component:default/vault';
    const IMPOSTER = 'component:default/vault-imposter';
    const audit: unknown[] = [];
    let server: any;
    let api: KubernetesObjectApi;
    let knex: Knex;
    const get = (url: string) =>
      request(server).get(`/api/module-deploy${url}`);
    const post = (url: string, body: object) =>
      request(server).post(`/api/module-deploy${url}`).send(body);
    const read = async (kind: string, name: string) =>
      (await api.read({
        apiVersion: 'v1',
        kind,
        metadata: { name, namespace: ns },
      })) as any;
    const livePassword = async () =>
      Buffer.from(
        (await read('Secret', 'vault')).data.DB_PASSWORD,
        'base64',
      ).toString('utf8');
    /** Everything Periscope answered, stored or audited, to search for secrets. */
    const seen: string[] = [];
    const keep = (text: string) => {
      seen.push(text);
      return text;
    };

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      knex = await databases.init('SQLITE_3');
      const entity = (name: string) => ({
        ...entities[0],
        metadata: {
          name,
          namespace: 'default',
          annotations: {
            'periscope.dev/module': 'sensitive',
            'periscope.dev/instance': 'vault',
            'backstage.io/kubernetes-namespace': ns,
          },
        },
      });
      server = await start({
        entities: [entity('vault'), entity('vault-imposter')],
        config: {
          ...kubernetesConfigFromKubeconfig(kubeconfig as string),
          moduleDeploy: {
            modules: [{ name: 'sensitive', path: FIXTURE }],
            readinessTimeoutMs: 120_000,
            drift: { enabled: false },
          },
        },
        extraFeatures: [
          mockServices.database.factory({ knex }),
          createServiceFactory({
            service: coreServices.auditor,
            deps: {},
            factory: () =>
              ({
                createEvent: async (o: unknown) => {
                  audit.push(o);
                  return {
                    success: async (x: unknown) => void audit.push(x),
                    fail: async (x: { error: Error; meta?: unknown }) =>
                      void audit.push({ error: x.error.message, meta: x.meta }),
                  };
                },
              } as any),
          }),
        ],
      });
    });

    afterAll(async () => {
      await api
        ?.delete({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
        })
        .catch(() => undefined);
    });

    it('keeps sensitive values out of the database, history, audit and stream; rollback re-applies them; another entity is refused', async () => {
      const E = `?entityRef=${OWNER}`;
      let res = await post(`/entity/deploy${E}`, {
        values: { message: 'v1', dbPass: P1, apiToken: TOKEN },
      });
      expect(ndjson(keep(res.text)).pop()).toMatchObject({
        ok: true,
        results: [{ cluster: 'local', status: 'healthy', revision: 1 }],
      });
      expect(await livePassword()).toBe(P1);
      // the instance records its owner in the cluster
      expect(
        (await read('Secret', 'timoni.vault')).metadata.annotations,
      ).toMatchObject({ [OWNER_ENTITY_ANNOTATION]: OWNER });

      // the form gets the mask; the mask sent back keeps the token
      res = await get(`/entity/schema${E}`);
      keep(JSON.stringify(res.body));
      expect(res.body.schema.properties.dbPass).toMatchObject({
        sensitive: true,
      });
      expect(res.body.values).toMatchObject({
        dbPass: SENSITIVE_MASK,
        apiToken: SENSITIVE_MASK,
      });
      res = await post(`/entity/deploy${E}`, {
        values: { ...res.body.values, message: 'v2', dbPass: P2 },
      });
      expect(ndjson(keep(res.text)).pop()).toMatchObject({
        ok: true,
        results: [{ revision: 2 }],
      });
      expect(await livePassword()).toBe(P2);
      expect(
        Buffer.from(
          (await read('Secret', 'vault')).data.API_TOKEN,
          'base64',
        ).toString('utf8'),
      ).toBe(TOKEN);

      // a preview of a third password: the ConfigMap's dsn holds it, masked on both sides
      res = await post(`/entity/preview${E}`, {
        values: { message: 'v2', dbPass: P3, apiToken: SENSITIVE_MASK },
      });
      keep(JSON.stringify(res.body));
      const cm = res.body.clusters[0].objects.find((o: any) =>
        o.ref.startsWith('ConfigMap/'),
      );
      expect(cm.changes).toEqual([
        {
          path: 'data.dsn',
          op: 'change',
          before: SENSITIVE_MASK,
          after: SENSITIVE_MASK,
        },
      ]);
      // the objects of the YAML diff too: the field masked on both sides, a Secret's data as ***
      expect([cm.live.data.dsn, cm.desired.data.dsn]).toEqual([
        SENSITIVE_MASK,
        SENSITIVE_MASK,
      ]);
      const secretObject = res.body.clusters[0].objects.find(
        (o: any) => o.ref === `Secret/${ns}/vault`,
      );
      expect(
        Object.values({
          ...secretObject.live.data,
          ...secretObject.desired.data,
        }).every(v => typeof v === 'string' && v.startsWith('***')),
      ).toBe(true);
      expect(secretObject.desired.data.DB_PASSWORD).toBe('*** (changed)');

      res = await get(`/entity/history${E}`);
      keep(JSON.stringify(res.body));
      expect(
        res.body.revisions.map((r: any) => [r.revision, r.values]),
      ).toEqual([
        [
          2,
          { message: 'v2', dbPass: SENSITIVE_MASK, apiToken: SENSITIVE_MASK },
        ],
        [
          1,
          { message: 'v1', dbPass: SENSITIVE_MASK, apiToken: SENSITIVE_MASK },
        ],
      ]);

      // rollback to revision 1 applies the first password again, from the cluster's history
      res = await post(`/entity/rollback${E}`, { revision: 1 });
      expect(ndjson(keep(res.text)).pop()).toMatchObject({
        ok: true,
        results: [{ revision: 3, message: 'rolled back to revision 1' }],
      });
      expect(await livePassword()).toBe(P1);
      expect((await read('ConfigMap', 'vault')).data.dsn).toContain(P1);

      // another entity that declares the same instance: refused by the owner in the database...
      const I = `?entityRef=${IMPOSTER}`;
      res = await post(`/entity/deploy${I}`, { values: { dbPass: 'x' } });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe(
        `instance 'vault' in namespace '${ns}' on cluster 'local' belongs to ${OWNER}; deploy it from that entity or choose another instance name (annotation periscope.dev/instance)`,
      );
      // ...and, without the database's record, by the owner recorded in the cluster
      await knex('module_deploy_instance_owners').delete();
      res = await post(`/entity/deploy${I}`, {
        values: { message: 'mine', dbPass: 'imposter-pw' },
      });
      expect(ndjson(keep(res.text)).pop()).toMatchObject({
        ok: false,
        results: [
          {
            cluster: 'local',
            status: 'failed',
            message: expect.stringContaining(
              `belongs to ${OWNER}; deploy it from that entity`,
            ),
          },
        ],
      });
      expect(await livePassword()).toBe(P1);
      expect((await read('ConfigMap', 'vault')).data.message).toBe('v1');

      keep(
        JSON.stringify({
          audit: await knex('module_deploy_audit').select(),
          revisions: await knex('module_deploy_revisions').select(),
        }),
      );
      expect(
        JSON.parse(
          (await knex('module_deploy_revisions').where({ revision: 1 }).first())
            .values,
        ),
      ).toEqual({
        message: 'v1',
        dbPass: { $sensitive: `Secret/${ns}/periscope-history.vault` },
        apiToken: { $sensitive: `Secret/${ns}/periscope-history.vault` },
      });
      keep(JSON.stringify(audit));
      for (const secret of [...SECRETS, 'imposter-pw']) {
        const b64 = Buffer.from(secret).toString('base64');
        for (const [i, text] of seen.entries())
          expect([
            secret,
            i,
            text.includes(secret) || text.includes(b64),
          ]).toEqual([secret, i, false]);
      }
    });
  },
);

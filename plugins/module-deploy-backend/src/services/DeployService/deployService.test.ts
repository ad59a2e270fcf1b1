/**
 * The deploy service with a stand-in engine (an in-memory cluster per cluster name) and the real
 * store on a real database: who owns an instance, and where sensitive values may appear.
 */
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ApplySet,
  DeployEvent,
  InstanceRecord,
  JsonObject,
  KubeObject,
  OWNER_ENTITY_ANNOTATION,
  SENSITIVE_MASK,
  ValuesJsonSchema,
  diffObjects,
  objectId,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import express from 'express';
import { Knex } from 'knex';
import request from 'supertest';
import {
  ApplyOptions,
  CueEvaluationError,
  ModuleEngine,
  RenderResult,
  Revision,
} from '@periscope/backstage-plugin-module-deploy-node';
import {
  createDeployServiceApp,
  fixtureModules,
  fixtureRender,
  streamEvents,
  testCluster,
} from '../../__testUtils__/deployServiceApp';
import { createDeployStore, DeployStore } from '../DeployStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const PASSWORD = 'hunter2-s3cret-pw';
const NEW_PASSWORD = 'an0ther-s3cret-pw';
const TOKEN = 'tok-9f8e7d6c5b4a';

/** The module's schema as the engine derives it: `dbPass` marked by `@periscope(sensitive)`. */
const schema: ValuesJsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string', default: 'hello' },
    dbPass: { type: 'string', default: SENSITIVE_MASK, sensitive: true },
    replicas: { type: 'integer', default: 1 },
  },
  default: { message: 'hello', dbPass: SENSITIVE_MASK, replicas: 1 },
};

const entity = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'periscope.dev/module': 'fixture',
      'backstage.io/kubernetes-namespace': 'shop',
      ...annotations,
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});
const CHECKOUT = 'component:default/checkout';
const IMPOSTER = 'component:default/imposter';

/** One in-memory cluster: instance records, revision histories and the last applied objects. */
interface FakeCluster {
  instances: Map<string, InstanceRecord>;
  history: Map<string, Revision[]>;
  applied: KubeObject[];
  calls: string[];
}

function objectsFor(
  name: string,
  namespace: string,
  values: JsonObject,
): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: {
        message: String(values.message ?? 'hello'),
        dsn: `postgres://app:${values.dbPass ?? ''}@db/app`,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      stringData: {
        DB_PASSWORD: String(values.dbPass ?? ''),
        API_TOKEN: String(values.apiToken ?? ''),
      },
    },
  ];
}

/** An engine whose clusters live in memory, keyed by the kubeconfig's cluster name. */
function fakeEngine() {
  const clusters = new Map<string, FakeCluster>();
  const of = (kc: KubeConfig) => {
    const name = kc.getCurrentCluster()!.name;
    if (!clusters.has(name))
      clusters.set(name, {
        instances: new Map(),
        history: new Map(),
        applied: [],
        calls: [],
      });
    return clusters.get(name)!;
  };
  const render = async (spec: {
    name: string;
    namespace: string;
    values?: JsonObject[];
  }): Promise<RenderResult> => {
    const values = Object.assign({}, ...(spec.values ?? [])) as JsonObject;
    if (values.replicas === 0)
      throw new CueEvaluationError(
        'evaluating the module',
        [
          {
            path: 'timoni.instance.config.replicas',
            valuesPath: 'replicas',
            message: `invalid value 0 (out of bound >0), next to dbPass "${values.dbPass}"`,
            positions: [],
          },
        ],
        '',
      );
    return fixtureRender(spec, v => objectsFor(spec.name, spec.namespace, v));
  };
  const applySets = (
    c: FakeCluster,
    name: string,
    namespace: string,
    r: { module: Revision['module']; values: JsonObject; sets: ApplySet[] },
    opts: ApplyOptions | undefined,
    action: 'apply' | 'rollback',
  ) => {
    const objects = r.sets.flatMap(s => s.objects);
    const t0 = Date.now();
    for (const o of objects)
      opts?.onEvent?.({
        phase: 'apply',
        object: objectRef(o),
        // an API server that echoes a field value in its answer
        message: `configured (data: ${JSON.stringify(
          (o as any).data ?? (o as any).stringData,
        )})`,
        elapsedMs: Date.now() - t0,
      } as DeployEvent);
    c.applied = objects;
    const previous = c.instances.get(`${namespace}/${name}`);
    c.instances.set(`${namespace}/${name}`, {
      kind: 'Instance',
      apiVersion: 'timoni.sh/v1alpha1',
      metadata: {
        name,
        namespace,
        annotations: {
          ...previous?.metadata.annotations,
          ...opts?.annotations,
        },
      },
      module: r.module,
      values: JSON.stringify(r.values),
      inventory: { entries: objects.map(o => ({ id: objectId(o), v: 'v1' })) },
    });
    const past = c.history.get(`${namespace}/${name}`) ?? [];
    const rev: Revision = {
      revision: (past[past.length - 1]?.revision ?? 0) + 1,
      appliedAt: new Date(Date.now() + past.length).toISOString(),
      action,
      module: r.module,
      values: r.values,
      valuesCue: JSON.stringify(r.values),
      inventory: [],
      images: [],
      sets: r.sets,
    };
    c.history.set(`${namespace}/${name}`, [...past, rev]);
    return {
      applied: objects.map(objectRef),
      pruned: [],
      inventory: [],
      revision: rev.revision,
    };
  };
  const engine: Partial<ModuleEngine> = {
    render,
    schema: async () => schema,
    async diff(spec, kc) {
      const c = of(kc);
      c.calls.push('diff');
      const r = await render(spec);
      // the live ConfigMap holds a value nobody deployed through Periscope (edited by hand)
      const live = objectsFor(spec.name, spec.namespace, {
        message: 'old',
        dbPass: 'hand-edited-pw',
      });
      return {
        render: r,
        diff: r.objects.map((o, i) => ({
          id: objectId(o),
          ref: objectRef(o),
          apiVersion: o.apiVersion,
          action: 'change' as const,
          changes: diffObjects(live[i] as any, o as any),
        })),
      };
    },
    async apply(spec, kc, opts) {
      const c = of(kc);
      c.calls.push('apply');
      const r = await render(spec);
      return {
        render: r,
        result: applySets(c, spec.name, spec.namespace, r, opts, 'apply'),
      };
    },
    async rollback(name, namespace, revision, kc, opts) {
      const c = of(kc);
      c.calls.push('rollback');
      const revs = c.history.get(`${namespace}/${name}`) ?? [];
      const target =
        revision === undefined
          ? revs[revs.length - 2]
          : revs.find(r => r.revision === revision);
      if (!target) throw new Error(`revision ${revision} not found`);
      return applySets(c, name, namespace, target, opts, 'rollback');
    },
    async history(name, namespace, kc) {
      return of(kc).history.get(`${namespace}/${name}`) ?? [];
    },
    async list(namespace, kc) {
      return [...of(kc).instances.values()].filter(
        i => i.metadata.namespace === namespace,
      );
    },
    async status(name, namespace, kc) {
      return {
        instance: of(kc).instances.get(`${namespace}/${name}`)!,
        objects: [],
      };
    },
    async delete(name, namespace, kc) {
      const c = of(kc);
      c.calls.push('delete');
      c.instances.delete(`${namespace}/${name}`);
      c.history.delete(`${namespace}/${name}`);
      return ['ConfigMap/shop/x'];
    },
  };
  return { engine: engine as ModuleEngine, clusters, of };
}

const modules = fixtureModules(schema);

describe('createDeployService', () => {
  let knex: Knex;
  let store: DeployStore;
  let fake: ReturnType<typeof fakeEngine>;
  const audits: unknown[] = [];

  async function setup(
    entities = [
      entity('checkout'),
      entity('imposter', { 'periscope.dev/instance': 'checkout' }),
    ],
  ) {
    knex = await databases.init('SQLITE_3');
    store = await createDeployStore(mockServices.database({ knex }));
    fake = fakeEngine();
    audits.length = 0;
    const auditor = {
      createEvent: async (o: unknown) => {
        audits.push(o);
        return {
          success: async (x: unknown) => void audits.push(x),
          fail: async (x: { error: Error; meta?: unknown }) =>
            void audits.push({ error: x.error.message, meta: x.meta }),
        };
      },
    };
    return createDeployServiceApp({
      clusters: [testCluster('c1'), testCluster('c2')],
      engine: fake.engine,
      modules,
      store,
      entities,
      permissions: mockServices.permissions(),
      auditor: auditor as any,
    });
  }

  const post = (app: express.Express, path: string, body: object) =>
    request(app).post(path).send(body);
  const events = streamEvents;
  const dbRows = async () =>
    JSON.stringify({
      audit: await knex('module_deploy_audit').select(),
      revisions: await knex('module_deploy_revisions').select(),
      drift: await knex('module_deploy_drift').select(),
      owners: await knex('module_deploy_instance_owners').select(),
    });

  describe('instance owners', () => {
    it('the first deploy claims the instance; another entity targeting it is refused before anything is applied', async () => {
      const { app } = await setup();
      let res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: { message: 'v1' },
      });
      expect(events(res.text).pop()).toMatchObject({ type: 'done', ok: true });
      expect(await knex('module_deploy_instance_owners').select()).toEqual([
        expect.objectContaining({
          cluster: 'c1',
          namespace: 'shop',
          instance_name: 'checkout',
          entity_ref: CHECKOUT,
          claimed_by: 'user:default/mock',
        }),
        expect.objectContaining({ cluster: 'c2', entity_ref: CHECKOUT }),
      ]);
      // the owner is recorded on the instance in the cluster too
      expect(
        fake.clusters.get('c1')!.instances.get('shop/checkout')!.metadata
          .annotations,
      ).toEqual({ [OWNER_ENTITY_ANNOTATION]: CHECKOUT });
      const before = await dbRows();
      const calls = () => [...fake.clusters.values()].map(c => c.calls.length);
      const callsBefore = calls();

      const refusal = `instance 'checkout' in namespace 'shop' on cluster 'c1' belongs to ${CHECKOUT}; deploy it from that entity or choose another instance name (annotation periscope.dev/instance); instance 'checkout' in namespace 'shop' on cluster 'c2' belongs to ${CHECKOUT}`;
      res = await post(app, `/entity/deploy?entityRef=${IMPOSTER}`, {
        values: { message: 'mine now' },
      });
      expect([res.status, res.body.error?.name]).toEqual([
        409,
        'ConflictError',
      ]);
      expect(res.body.error.message).toContain(refusal);
      for (const [path, body, verb] of [
        ['rollback', { revision: 1 }, 'roll back'],
        ['delete', { confirm: 'checkout' }, 'delete'],
        ['preview', { values: {} }, 'preview'],
      ] as const) {
        res = await post(app, `/entity/${path}?entityRef=${IMPOSTER}`, body);
        expect([path, res.status]).toEqual([path, 409]);
        expect(res.body.error.message).toContain(
          `belongs to ${CHECKOUT}; ${verb} it from that entity`,
        );
      }
      // explicit targets: with the other entity, and with none (a platform user)
      for (const target of [{ entityRef: IMPOSTER }, {}]) {
        res = await post(app, '/instances/deploy', {
          module: 'fixture',
          instanceName: 'checkout',
          namespace: 'shop',
          values: {},
          ...target,
        });
        expect(res.status).toBe(409);
        expect(res.body.error.message).toContain(`belongs to ${CHECKOUT}`);
      }
      expect(calls()).toEqual(callsBefore);
      expect(await dbRows()).toEqual(before);

      // the imposter's tab does not show the owner's instance, values or history
      res = await request(app).get(`/entity?entityRef=${IMPOSTER}`);
      expect(res.body.instances).toEqual([]);
      expect(res.body.errors.map((e: any) => e.message)).toEqual([
        expect.stringContaining(`belongs to ${CHECKOUT}`),
        expect.stringContaining(`belongs to ${CHECKOUT}`),
      ]);
      res = await request(app).get(`/entity/history?entityRef=${IMPOSTER}`);
      expect(res.body.revisions).toEqual([]);
      res = await request(app).get(`/entity/schema?entityRef=${IMPOSTER}`);
      expect(res.body.valuesFrom).toBe('defaults');

      // the owner goes on: deploy, and the instance name is free again after its delete
      res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: { message: 'v2' },
      });
      expect(events(res.text).pop()).toMatchObject({ ok: true });
      res = await post(app, `/entity/delete?entityRef=${CHECKOUT}`, {
        confirm: 'checkout',
      });
      expect(events(res.text).pop()).toMatchObject({ ok: true });
      expect(await knex('module_deploy_instance_owners').select()).toEqual([]);
      res = await post(app, `/entity/deploy?entityRef=${IMPOSTER}`, {
        values: {},
      });
      expect(events(res.text).pop()).toMatchObject({ ok: true });
    });

    it('refuses a cluster whose instance records another owner, even when the database has none', async () => {
      const { app, deploys } = await setup();
      await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, { values: {} });
      // a database restored without the claims, or another portal's database
      await knex('module_deploy_instance_owners').delete();
      const c1 = fake.clusters.get('c1')!;
      const applied = c1.calls.length;
      const res = await post(app, `/entity/deploy?entityRef=${IMPOSTER}`, {
        values: { message: 'mine now' },
      });
      const done = events(res.text).pop() as any;
      expect(done).toMatchObject({
        ok: false,
        results: [
          {
            cluster: 'c1',
            status: 'failed',
            message: `Secret/shop/timoni.checkout: instance 'checkout' in namespace 'shop' on cluster 'c1' belongs to ${CHECKOUT}; deploy it from that entity or choose another instance name (annotation periscope.dev/instance) (periscope.dev/owner-entity on the instance)`,
          },
          { cluster: 'c2', status: 'skipped' },
        ],
      });
      expect(c1.calls.length).toBe(applied);
      expect(await knex('module_deploy_instance_owners').select()).toEqual([]);
      await expect(
        deploys.preview({
          entityRef: IMPOSTER,
          values: {},
          credentials: mockCredentials.user(),
        }),
      ).resolves.toMatchObject({
        clusters: [],
        errors: [
          expect.objectContaining({
            cluster: 'c1',
            message: expect.stringContaining(`belongs to ${CHECKOUT}`),
          }),
          expect.objectContaining({ cluster: 'c2' }),
        ],
      });
    });

    it('store: one claim wins, a release frees only its own claim', async () => {
      await setup();
      const at = { cluster: 'c1', namespace: 'shop', instanceName: 'web' };
      const [a, b] = await Promise.all([
        store.claimOwner(at, 'component:default/a', 'user:default/x'),
        store.claimOwner(at, 'component:default/b', 'user:default/y'),
      ]);
      expect(a.entityRef).toBe(b.entityRef);
      const loser =
        a.entityRef === 'component:default/a'
          ? 'component:default/b'
          : 'component:default/a';
      await store.releaseOwner(at, loser);
      expect((await store.getOwner(at))?.entityRef).toBe(a.entityRef);
      await store.releaseOwner(at, a.entityRef);
      expect(await store.getOwner(at)).toBeUndefined();
    });
  });

  describe('sensitive values', () => {
    it('never reach the database, the history API, the audit log or the stream; rollback re-applies them', async () => {
      const { app } = await setup();
      let res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: { message: 'v1', dbPass: PASSWORD, apiToken: TOKEN },
      });
      const first = res.text;
      expect(events(first).pop()).toMatchObject({ ok: true });
      // the cluster got the real values
      const c1 = fake.clusters.get('c1')!;
      expect(JSON.stringify(c1.applied)).toContain(PASSWORD);

      // the form shows the mask; sent back as it is, the mask keeps the value
      res = await request(app).get(`/entity/schema?entityRef=${CHECKOUT}`);
      expect(res.body.values).toEqual({
        message: 'v1',
        dbPass: SENSITIVE_MASK,
        apiToken: SENSITIVE_MASK,
      });
      res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: { ...res.body.values, message: 'v2' },
      });
      const second = res.text;
      expect(events(second).pop()).toMatchObject({ ok: true });
      expect((c1.applied[1] as any).stringData).toEqual({
        DB_PASSWORD: PASSWORD,
        API_TOKEN: TOKEN,
      });

      // a new password, previewed then deployed (revision 3)
      res = await post(app, `/entity/preview?entityRef=${CHECKOUT}`, {
        values: {
          message: 'v3',
          dbPass: NEW_PASSWORD,
          apiToken: SENSITIVE_MASK,
        },
      });
      const preview = JSON.stringify(res.body);
      expect(res.body.clusters[0].objects[0].changes).toContainEqual({
        path: 'data.dsn',
        op: 'change',
        before: SENSITIVE_MASK, // the live value nobody deployed through Periscope, masked too
        after: SENSITIVE_MASK,
      });
      res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: {
          message: 'v3',
          dbPass: NEW_PASSWORD,
          apiToken: SENSITIVE_MASK,
        },
      });
      const third = res.text;
      expect((c1.applied[1] as any).stringData.DB_PASSWORD).toBe(NEW_PASSWORD);

      // invalid values: CUE's message echoes the value
      res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: { dbPass: 'invalid-but-secret', replicas: 0 },
      });
      const invalid = res.text;
      expect(events(invalid)[0]).toMatchObject({
        type: 'invalid',
        issues: [
          {
            message: `invalid value 0 (out of bound >0), next to dbPass "${SENSITIVE_MASK}"`,
          },
        ],
      });

      // history: values masked; the database holds references to the cluster's Secret
      res = await request(app).get(`/entity/history?entityRef=${CHECKOUT}`);
      const history = JSON.stringify(res.body);
      expect(
        res.body.revisions
          .filter((r: any) => r.cluster === 'c1')
          .map((r: any) => [r.revision, r.values]),
      ).toEqual([
        [
          3,
          { message: 'v3', dbPass: SENSITIVE_MASK, apiToken: SENSITIVE_MASK },
        ],
        [
          2,
          { message: 'v2', dbPass: SENSITIVE_MASK, apiToken: SENSITIVE_MASK },
        ],
        [
          1,
          { message: 'v1', dbPass: SENSITIVE_MASK, apiToken: SENSITIVE_MASK },
        ],
      ]);
      expect(res.body.audit[0].values).toEqual({
        message: 'v3',
        dbPass: SENSITIVE_MASK,
        apiToken: SENSITIVE_MASK,
      });
      const [row] = await knex('module_deploy_revisions')
        .where({ cluster: 'c1', revision: 1 })
        .select();
      expect(JSON.parse(row.values)).toEqual({
        message: 'v1',
        dbPass: { $sensitive: 'Secret/shop/periscope-history.checkout' },
        apiToken: { $sensitive: 'Secret/shop/periscope-history.checkout' },
      });

      // roll back to revision 1: the real first password is applied again
      res = await post(app, `/entity/rollback?entityRef=${CHECKOUT}`, {
        revision: 1,
        cluster: 'c1',
      });
      const rollback = res.text;
      expect(events(rollback).pop()).toMatchObject({
        ok: true,
        results: [{ cluster: 'c1', status: 'healthy', revision: 4 }],
      });
      expect((c1.applied[1] as any).stringData.DB_PASSWORD).toBe(PASSWORD);
      expect((c1.applied[0] as any).data.dsn).toBe(
        `postgres://app:${PASSWORD}@db/app`,
      );

      // drift, stored and answered
      res = await post(app, `/entity/drift?entityRef=${CHECKOUT}`, {});
      const drift = JSON.stringify(res.body);
      res = await request(app).get(`/entity?entityRef=${CHECKOUT}`);
      const state = JSON.stringify(res.body);

      const everything = [
        first,
        second,
        preview,
        third,
        invalid,
        history,
        rollback,
        drift,
        state,
        JSON.stringify(audits),
        await dbRows(),
      ];
      for (const secret of [
        PASSWORD,
        NEW_PASSWORD,
        TOKEN,
        'invalid-but-secret',
        'hand-edited-pw',
      ])
        for (const [i, text] of everything.entries()) {
          expect([secret, i, text.includes(secret)]).toEqual([
            secret,
            i,
            false,
          ]);
          expect(text.includes(Buffer.from(secret).toString('base64'))).toBe(
            false,
          );
        }
      // the stream still says what happened, masked
      expect(events(first)).toContainEqual(
        expect.objectContaining({
          type: 'step',
          event: expect.objectContaining({
            object: 'ConfigMap/shop/checkout',
            message: expect.stringContaining(
              `postgres://app:${SENSITIVE_MASK}@db/app`,
            ),
          }),
        }),
      );
    });

    it('a masked field with no value to keep is a 400 naming it', async () => {
      const { app } = await setup();
      const res = await post(app, `/entity/deploy?entityRef=${CHECKOUT}`, {
        values: {
          message: 'v1',
          dbPass: SENSITIVE_MASK,
          apiToken: SENSITIVE_MASK,
        },
      });
      // dbPass's mask equals the (masked) module default: the module default applies
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        `values.apiToken is '${SENSITIVE_MASK}', the mask of a sensitive value, but no revision of instance 'checkout' in namespace 'shop' has a value to keep: enter the value (or leave the field out for the module default)`,
      );
    });
  });
});

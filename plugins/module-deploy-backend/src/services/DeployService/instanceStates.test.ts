/**
 * GET /entity from the stored instance state: a counting engine (every cluster read counted
 * per cluster) behind the real service, store and router on a real database.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { KubeConfig } from '@kubernetes/client-node';
import {
  InstanceRecord,
  JsonObject,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  ModuleEngine,
  Revision,
} from '@periscope/backstage-plugin-module-deploy-node';
import request from 'supertest';
import {
  createDeployServiceApp,
  fixtureModule,
  fixtureModules,
  fixtureRender,
  testCluster as cluster,
} from '../../__testUtils__/deployServiceApp';
import { createDeployStore, DeployStore } from '../DeployStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const CHECKOUT = 'component:default/checkout';
const E = `/entity?entityRef=${CHECKOUT}`;

const schema: ValuesJsonSchema = {
  type: 'object',
  properties: { message: { type: 'string', default: 'hello' } },
};
const modules = fixtureModules(schema);

/** An engine whose clusters live in memory; `reads` counts the cluster reads per cluster name. */
function countingEngine() {
  const instances = new Map<string, InstanceRecord>();
  const history = new Map<string, Revision[]>();
  const reads = new Map<string, number>();
  /** While set, every read waits for it (to hold reads in flight). */
  let gate: Promise<void> | undefined;
  const clusterOf = (kc: KubeConfig) => kc.getCurrentCluster()!.name;
  const read = async (kc: KubeConfig) => {
    const c = clusterOf(kc);
    reads.set(c, (reads.get(c) ?? 0) + 1);
    if (gate) await gate;
    return c;
  };
  const module = fixtureModule;
  const render = async (spec: {
    name: string;
    namespace: string;
    values?: JsonObject[];
  }) =>
    fixtureRender(spec, () => [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: spec.name, namespace: spec.namespace },
      },
    ]);
  /** Puts a new revision of `shop/checkout` in cluster `c` (as a deploy from anywhere would). */
  const deployIn = (c: string, values: JsonObject = {}) => {
    const key = `${c}/shop/checkout`;
    const past = history.get(key) ?? [];
    const revision = (past[past.length - 1]?.revision ?? 0) + 1;
    instances.set(key, {
      kind: 'Instance',
      apiVersion: 'timoni.sh/v1alpha1',
      metadata: { name: 'checkout', namespace: 'shop' },
      module,
      values: JSON.stringify(values),
    } as InstanceRecord);
    history.set(key, [
      ...past,
      {
        revision,
        appliedAt: new Date(Date.now() + revision).toISOString(),
        action: 'apply',
        module,
        values,
        valuesCue: '',
        inventory: [],
        images: [],
        sets: [],
      },
    ]);
    return revision;
  };
  const engine: Partial<ModuleEngine> = {
    render,
    schema: async () => schema,
    async list(namespace, kc) {
      const c = await read(kc);
      return [...instances.entries()]
        .filter(([k]) => k.startsWith(`${c}/${namespace}/`))
        .map(([, v]) => v);
    },
    async status(name, namespace, kc) {
      const c = await read(kc);
      return {
        instance: instances.get(`${c}/${namespace}/${name}`)!,
        objects: [
          {
            ref: `ConfigMap/${namespace}/${name}`,
            state: 'ready',
            message: '',
          },
        ],
      };
    },
    async history(name, namespace, kc) {
      const c = await read(kc);
      return history.get(`${c}/${namespace}/${name}`) ?? [];
    },
    async apply(spec, kc) {
      const c = clusterOf(kc);
      const revision = deployIn(c, Object.assign({}, ...(spec.values ?? [])));
      return {
        render: await render(spec),
        result: { applied: [], pruned: [], inventory: [], revision },
      };
    },
    async delete(name, namespace, kc) {
      const c = clusterOf(kc);
      instances.delete(`${c}/${namespace}/${name}`);
      history.delete(`${c}/${namespace}/${name}`);
      return [];
    },
  };
  return {
    engine: engine as ModuleEngine,
    reads,
    deployIn,
    /** Holds every read until the returned function is called. */
    hold() {
      let open = () => {};
      gate = new Promise<void>(r => {
        open = r;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const entity = (annotations: Record<string, string> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'periscope.dev/module': 'fixture',
      'backstage.io/kubernetes-namespace': 'shop',
      ...annotations,
    },
  },
  spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
});

/** Waits until `check` holds (a background refresh has run), at most 5 s. */
async function until(check: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise(r => setTimeout(r, 10));
  }
  throw new Error('timed out waiting for the background refresh');
}

describe('GET /entity from the stored instance state', () => {
  let store: DeployStore;
  let fake: ReturnType<typeof countingEngine>;
  let clock: Date;

  async function setup(
    opts: {
      clusters?: ReturnType<typeof cluster>[];
      config?: object;
      result?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
      /** Another backend on the database of the last setup (its stored states). */
      sameDatabase?: boolean;
    } = {},
  ) {
    if (!opts.sameDatabase) {
      const knex = await databases.init('SQLITE_3');
      store = await createDeployStore(mockServices.database({ knex }));
      clock = new Date('2026-01-01T00:00:00.000Z');
    }
    fake = countingEngine();
    const permissions = mockServices.permissions({
      result: opts.result ?? AuthorizeResult.ALLOW,
    });
    return createDeployServiceApp({
      config: opts.config,
      clusters: opts.clusters ?? [cluster('c1'), cluster('c2')],
      engine: fake.engine,
      modules,
      store,
      entities: [entity()],
      permissions,
      now: () => clock,
    });
  }
  const reads = () => Object.fromEntries(fake.reads);
  const later = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };

  it('reads the cluster once when nothing is stored, then serves the fresh stored state without calling the cluster', async () => {
    const { app } = await setup();
    fake.deployIn('c1');
    let res = await request(app).get(E);
    expect(res.status).toBe(200);
    expect(res.body.instances).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        deployed: true,
        revision: 1,
        health: 'healthy',
        refreshedAt: '2026-01-01T00:00:00.000Z',
      }),
      expect.objectContaining({
        cluster: 'c2',
        deployed: false,
        refreshedAt: '2026-01-01T00:00:00.000Z',
      }),
    ]);
    expect(res.body.refreshedAt).toBe('2026-01-01T00:00:00.000Z');
    const afterFirst = reads();
    expect(afterFirst).toEqual({ c1: 3, c2: 1 }); // list, status, history; list
    // 59 s later: still fresh, served from the store, no cluster read at all
    later(59);
    fake.deployIn('c1'); // the cluster changed, the stored state is what is served
    for (let i = 0; i < 3; i++) {
      res = await request(app).get(E);
      expect(res.status).toBe(200);
      expect(res.body.instances[0]).toMatchObject({ revision: 1 });
    }
    expect(reads()).toEqual(afterFirst);
  });

  it('serves a stale stored state at once and reads the cluster in the background; the next request sees the new read', async () => {
    const { app } = await setup();
    fake.deployIn('c1');
    await request(app).get(E);
    fake.deployIn('c1');
    later(61);
    const release = fake.hold();
    // the background read is held: the answer does not wait for it
    const res = await request(app).get(E);
    expect(res.status).toBe(200);
    expect(res.body.instances[0]).toMatchObject({
      revision: 1,
      refreshedAt: '2026-01-01T00:00:00.000Z',
    });
    release();
    await until(async () =>
      (
        await store.listInstanceStates(CHECKOUT)
      ).some(s => s.state?.revision === 2),
    );
    const next = await request(app).get(E);
    expect(next.body.instances[0]).toMatchObject({
      revision: 2,
      refreshedAt: '2026-01-01T00:01:01.000Z',
    });
  });

  it('runs one background refresh per instance at a time, however many requests find it stale', async () => {
    const { app } = await setup();
    fake.deployIn('c1');
    await request(app).get(E);
    const before = reads();
    later(120);
    const release = fake.hold();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => request(app).get(E)),
    );
    expect(answers.map(a => a.status)).toEqual([200, 200, 200, 200, 200]);
    // each refresh is held at its first read (list): one per instance, not one per request
    await until(
      () => reads().c1 === before.c1 + 1 && reads().c2 === before.c2 + 1,
    );
    release();
    await until(async () =>
      (
        await store.listInstanceStates(CHECKOUT)
      ).every(s => s.readAt === '2026-01-01T00:02:00.000Z'),
    );
    expect(reads()).toEqual({ c1: before.c1 + 3, c2: before.c2 + 1 });
  });

  it('a deploy stores the new state before its stream ends: the next request shows it without reading the cluster', async () => {
    const { app, deploys } = await setup();
    await request(app).get(E); // nothing deployed yet: stored as such
    const op = await deploys.prepareDeploy({
      entityRef: CHECKOUT,
      credentials: {
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: 'user:default/ann' },
      } as any,
    });
    later(1);
    const results = await op.deploy({ message: 'hi' }, () => {});
    expect(results.map(r => r.status)).toEqual(['healthy', 'healthy']);
    const before = reads();
    const res = await request(app).get(E);
    expect(res.body.instances).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        deployed: true,
        revision: 1,
        refreshedAt: '2026-01-01T00:00:01.000Z',
        lastOperation: expect.objectContaining({
          action: 'deploy',
          actor: 'user:default/ann',
        }),
      }),
      expect.objectContaining({ cluster: 'c2', deployed: true, revision: 1 }),
    ]);
    expect(reads()).toEqual(before);
    // deleted: stored as not deployed
    const del = await deploys.prepareDeploy({
      entityRef: CHECKOUT,
      credentials: {
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: 'user:default/ann' },
      } as any,
    });
    await del.delete('checkout', () => {});
    const gone = await request(app).get(E);
    expect(gone.body.instances.map((i: any) => i.deployed)).toEqual([
      false,
      false,
    ]);
  });

  it('stores an unreadable cluster as its error and serves it while fresh', async () => {
    const { app } = await setup();
    const engine = fake.engine as any;
    const list = engine.list;
    engine.list = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), {
        code: 'ECONNREFUSED',
      });
    };
    let res = await request(app).get(E);
    expect(res.body.instances).toEqual([]);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ cluster: 'c1', errorType: 'UNREACHABLE' }),
      expect.objectContaining({ cluster: 'c2', errorType: 'UNREACHABLE' }),
    ]);
    engine.list = list;
    res = await request(app).get(E);
    expect(res.body.errors).toHaveLength(2);
    expect(reads()).toEqual({});
  });

  it('reads a cluster with client-side auth with the user’s own token on every request and never stores it', async () => {
    const { app } = await setup({
      clusters: [cluster('c1'), cluster('user-oidc', 'oidc')],
    });
    fake.deployIn('user-oidc');
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get(E);
      expect(res.body.instances).toEqual([
        expect.objectContaining({
          cluster: 'c1',
          refreshedAt: expect.any(String),
        }),
        expect.objectContaining({ cluster: 'user-oidc', revision: 1 }),
      ]);
      expect(res.body.instances[1].refreshedAt).toBeUndefined();
    }
    expect(reads()).toEqual({ c1: 1, 'user-oidc': 9 });
    expect(
      (await store.listInstanceStates(CHECKOUT)).map(s => s.cluster),
    ).toEqual(['c1']);
  });

  it('denies a caller without the read permission (403) whatever is stored, also with an ETag', async () => {
    const allowed = await setup();
    const first = await request(allowed.app).get(E);
    expect(first.status).toBe(200);
    expect(await store.listInstanceStates(CHECKOUT)).toHaveLength(2);
    const denied = await setup({
      result: AuthorizeResult.DENY,
      sameDatabase: true,
    });
    const res = await request(denied.app)
      .get(E)
      .set('If-None-Match', first.headers.etag);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('module-deploy.instance.read');
    expect(reads()).toEqual({});
  });

  describe('ETag', () => {
    it('the same ETag while the stored state is unchanged; 304 to If-None-Match; a new one after a deploy', async () => {
      const { app, deploys } = await setup();
      const a = await request(app).get(E);
      const b = await request(app).get(E);
      expect(a.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(a.headers['cache-control']).toBe('private, no-cache');
      const c = await request(app).get(E).set('If-None-Match', a.headers.etag);
      expect(c.status).toBe(304);
      expect(c.text).toBe('');
      const op = await deploys.prepareDeploy({
        entityRef: CHECKOUT,
        credentials: {
          $$type: '@backstage/BackstageCredentials',
          principal: { type: 'user', userEntityRef: 'user:default/ann' },
        } as any,
      });
      later(1);
      await op.deploy({}, () => {});
      const d = await request(app).get(E).set('If-None-Match', a.headers.etag);
      expect(d.status).toBe(200);
      expect(d.headers.etag).not.toBe(a.headers.etag);
      expect(d.body.instances[0]).toMatchObject({ revision: 1 });
    });
  });

  describe('paging of the instances (target clusters)', () => {
    const three = () => ({
      clusters: [cluster('c1'), cluster('c2'), cluster('c3')],
    });

    it('answers the first, next and last page; reads only the clusters of the page', async () => {
      const { app } = await setup(three());
      let res = await request(app).get(`${E}&limit=2`);
      expect(res.status).toBe(200);
      expect(res.body.instances.map((i: any) => i.cluster)).toEqual([
        'c1',
        'c2',
      ]);
      expect(res.body).toMatchObject({ total: 3, nextOffset: 2 });
      expect(reads()).toEqual({ c1: 1, c2: 1 });
      res = await request(app).get(`${E}&limit=2&offset=2`);
      expect(res.body.instances.map((i: any) => i.cluster)).toEqual(['c3']);
      expect(res.body.total).toBe(3);
      expect(res.body.nextOffset).toBeUndefined();
      res = await request(app).get(`${E}&limit=2&offset=4`);
      expect(res.body).toMatchObject({ instances: [], errors: [], total: 3 });
      expect(res.body.nextOffset).toBeUndefined();
    });

    it('without limit and offset answers every instance as before (up to 50)', async () => {
      const { app } = await setup(three());
      const res = await request(app).get(E);
      expect(res.body.instances.map((i: any) => i.cluster)).toEqual([
        'c1',
        'c2',
        'c3',
      ]);
      expect(res.body.total).toBe(3);
      expect(res.body.nextOffset).toBeUndefined();
    });

    it.each([
      [
        'limit=0',
        /parameter 'limit' is '0': give a whole number from 1 to 500/,
      ],
      ['limit=501', /parameter 'limit' is '501'/],
      ['limit=two', /parameter 'limit' is 'two'/],
      ['offset=-1', /parameter 'offset' is '-1': give a whole number from 0/],
      ['offset=1.5', /parameter 'offset' is '1.5'/],
    ])('answers 400 naming the parameter for %s', async (query, message) => {
      const { app } = await setup(three());
      const res = await request(app).get(`${E}&${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
      expect(reads()).toEqual({});
    });
  });

  it('the scheduled refresh reads and stores every annotated entity’s instances in the clusters the backend reads itself', async () => {
    const { app, deploys } = await setup({
      clusters: [cluster('c1'), cluster('user-oidc', 'oidc')],
    });
    fake.deployIn('c1');
    expect(await deploys.refreshInstanceStates()).toEqual({
      refreshed: 1,
      failed: 0,
    });
    expect(reads()).toEqual({ c1: 3 });
    const stored = await store.listInstanceStates(CHECKOUT);
    expect(stored).toEqual([
      expect.objectContaining({
        cluster: 'c1',
        readAt: '2026-01-01T00:00:00.000Z',
        state: expect.objectContaining({ revision: 1 }),
      }),
    ]);
    // served from it: only the client-side cluster is read
    await request(app).get(E);
    expect(reads()).toEqual({ c1: 3, 'user-oidc': 1 });
  });
});

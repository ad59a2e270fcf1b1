/**
 * POST /instances/rollback: an explicit instance rolled back to a stored revision, through the
 * router and the deploy service with a stand-in engine (revision histories in memory, per
 * cluster name) and the real store on a real database.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { KubeConfig } from '@kubernetes/client-node';
import {
  InstanceRecord,
  JsonObject,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  ApplyOptions,
  ModuleEngine,
  Revision,
} from '@periscope/backstage-plugin-module-deploy-node';
import request from 'supertest';
import {
  createDeployServiceApp,
  fixtureModule,
  fixtureModules,
  fixtureRender,
  streamEvents as events,
  testCluster,
} from '../../__testUtils__/deployServiceApp';
import { createDeployStore } from '../DeployStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const APPLY = 'module-deploy.instance.apply';
const USER = 'user:default/mock'; // mockServices.httpAuth()'s default caller
const CHECKOUT = 'component:default/checkout';
/** The runtime-security policy instance, as the enforcement dialog names it. */
const target = {
  module: 'fixture',
  instanceName: 'file-access',
  namespace: 'security',
};

/** An engine whose clusters keep instance records and revision histories in memory. */
function fakeEngine() {
  const histories = new Map<string, Map<string, Revision[]>>();
  const instances = new Map<string, Map<string, InstanceRecord>>();
  const calls: string[] = [];
  const name = (kc: KubeConfig) => kc.getCurrentCluster()!.name;
  const historyOf = (kc: KubeConfig) => {
    if (!histories.has(name(kc))) histories.set(name(kc), new Map());
    return histories.get(name(kc))!;
  };
  const instancesOf = (kc: KubeConfig) => {
    if (!instances.has(name(kc))) instances.set(name(kc), new Map());
    return instances.get(name(kc))!;
  };
  const module = fixtureModule;
  const render = async (spec: {
    name: string;
    namespace: string;
    values?: JsonObject[];
  }) =>
    fixtureRender(spec, values => [
      {
        apiVersion: 'cilium.io/v1alpha1',
        kind: 'TracingPolicyNamespaced',
        metadata: { name: spec.name, namespace: spec.namespace },
        spec: { action: values.action ?? 'Post' },
      },
    ]);
  const record = (
    kc: KubeConfig,
    spec: { name: string; namespace: string },
    r: Pick<Revision, 'values' | 'sets'>,
    action: 'apply' | 'rollback',
    opts?: ApplyOptions,
  ) => {
    const key = `${spec.namespace}/${spec.name}`;
    const past = historyOf(kc).get(key) ?? [];
    const revision = (past[past.length - 1]?.revision ?? 0) + 1;
    historyOf(kc).set(key, [
      ...past,
      {
        revision,
        appliedAt: new Date(Date.now() + past.length).toISOString(),
        action,
        module,
        values: r.values,
        valuesCue: JSON.stringify(r.values),
        inventory: [],
        images: [],
        sets: r.sets,
      },
    ]);
    instancesOf(kc).set(key, {
      kind: 'Instance',
      apiVersion: 'timoni.sh/v1alpha1',
      metadata: {
        name: spec.name,
        namespace: spec.namespace,
        annotations: { ...opts?.annotations },
      },
      module,
      values: JSON.stringify(r.values),
      inventory: { entries: [] },
    });
    const applied = r.sets.flatMap(s => s.objects).map(objectRef);
    return { applied, pruned: [], inventory: [], revision };
  };
  const engine: Partial<ModuleEngine> = {
    render,
    schema: async () => ({ type: 'object' }),
    async apply(spec, kc, opts) {
      calls.push(`apply ${name(kc)}`);
      const r = await render(spec);
      return { render: r, result: record(kc, spec, r, 'apply', opts) };
    },
    async rollback(instance, namespace, revision, kc, opts) {
      calls.push(`rollback ${name(kc)} ${revision}`);
      const revs = historyOf(kc).get(`${namespace}/${instance}`) ?? [];
      const rev = revs.find(r => r.revision === revision);
      if (!rev) throw new Error(`revision ${revision} not found`);
      return record(kc, { name: instance, namespace }, rev, 'rollback', opts);
    },
    async history(instance, namespace, kc) {
      return historyOf(kc).get(`${namespace}/${instance}`) ?? [];
    },
    async list(namespace, kc) {
      return [...instancesOf(kc).values()].filter(
        i => i.metadata.namespace === namespace,
      );
    },
  };
  const historyIn = (cluster: string) =>
    (
      histories
        .get(cluster)
        ?.get(`${target.namespace}/${target.instanceName}`) ?? []
    ).map(r => ({ revision: r.revision, action: r.action, values: r.values }));
  return { engine: engine as ModuleEngine, calls, historyIn };
}

const modules = fixtureModules({ type: 'object' });

/** A permission service that denies the named permissions and allows the rest. */
function permissionsDenying(deny: string[]) {
  const decide = (r: { permission: { name: string } }) => ({
    result: deny.includes(r.permission.name)
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW,
  });
  return {
    authorize: async (reqs: Array<{ permission: { name: string } }>) =>
      reqs.map(decide),
    authorizeConditional: async (
      reqs: Array<{ permission: { name: string } }>,
    ) => reqs.map(decide),
  } as any;
}

describe('POST /instances/rollback', () => {
  async function setup(opts: { deny?: string[] } = {}) {
    const knex = await databases.init('SQLITE_3');
    const store = await createDeployStore(mockServices.database({ knex }));
    const fake = fakeEngine();
    const audits: Array<Record<string, any>> = [];
    const auditor = {
      createEvent: async (o: Record<string, any>) => {
        audits.push(o);
        return { success: async () => {}, fail: async () => {} };
      },
    };
    const permissions = permissionsDenying(opts.deny ?? []);
    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'checkout', namespace: 'default' },
      spec: { type: 'service', owner: 'team-shop', lifecycle: 'production' },
    };
    const { app } = await createDeployServiceApp({
      clusters: [testCluster('c1'), testCluster('c2')],
      engine: fake.engine,
      modules,
      store,
      entities: [entity],
      permissions,
      auditor: auditor as any,
    });
    const post = (path: string, body: object) =>
      request(app).post(path).send(body);
    return { app, post, fake, knex, audits };
  }

  /** Two revisions in both clusters: `Post` (1), then the enforcement `Sigkill` (2). */
  async function deployedTwice(s: Awaited<ReturnType<typeof setup>>) {
    for (const action of ['Post', 'Sigkill']) {
      const res = await s.post('/instances/deploy', {
        ...target,
        values: { action },
      });
      expect(res.status).toBe(200);
      expect(events(res.text).pop()).toMatchObject({ type: 'done', ok: true });
    }
    s.fake.calls.length = 0;
  }

  it('re-applies the revision named in every target cluster, audited with the user', async () => {
    const s = await setup();
    await deployedTwice(s);
    s.audits.length = 0;

    const res = await s.post('/instances/rollback', { ...target, revision: 1 });
    expect(res.status).toBe(200);
    const done = events(res.text).pop();
    expect(done).toEqual({
      type: 'done',
      ok: true,
      results: [
        {
          cluster: 'c1',
          status: 'healthy',
          revision: 3,
          message: 'rolled back to revision 1',
        },
        {
          cluster: 'c2',
          status: 'healthy',
          revision: 3,
          message: 'rolled back to revision 1',
        },
      ],
    });
    expect(s.fake.calls).toEqual(['rollback c1 1', 'rollback c2 1']);
    expect(s.fake.historyIn('c1').pop()).toEqual({
      revision: 3,
      action: 'rollback',
      values: { action: 'Post' },
    });
    const rows = await s
      .knex('module_deploy_audit')
      .where({ action: 'rollback' })
      .select(
        'actor',
        'cluster',
        'namespace',
        'instance_name',
        'revision',
        'result',
      );
    expect(rows).toEqual([
      expect.objectContaining({
        actor: USER,
        cluster: 'c1',
        revision: 3,
        result: 'success',
      }),
      expect.objectContaining({
        actor: USER,
        cluster: 'c2',
        revision: 3,
        result: 'success',
      }),
    ]);
    expect(s.audits).toEqual([
      expect.objectContaining({
        eventId: 'module-rollback',
        meta: expect.objectContaining({
          actor: USER,
          instance: 'security/file-access',
          clusters: ['c1', 'c2'],
        }),
      }),
    ]);
  });

  it('rolls back one cluster when the request names it', async () => {
    const s = await setup();
    await deployedTwice(s);
    const res = await s.post('/instances/rollback', {
      ...target,
      revision: 1,
      cluster: 'c2',
    });
    expect(res.status).toBe(200);
    expect(events(res.text).pop()).toMatchObject({
      ok: true,
      results: [{ cluster: 'c2', status: 'healthy', revision: 3 }],
    });
    expect(s.fake.calls).toEqual(['rollback c2 1']);
    expect(s.fake.historyIn('c1').map(r => r.revision)).toEqual([1, 2]);
  });

  it('answers 403 when the apply permission is denied, and applies nothing', async () => {
    const s = await setup({ deny: [APPLY] });
    for (const body of [
      { ...target, revision: 1 },
      { ...target, revision: 1, entityRef: CHECKOUT },
    ]) {
      const res = await s.post('/instances/rollback', body);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(APPLY);
    }
    expect(s.fake.calls).toEqual([]);
  });

  it('is allowed with the apply permission on a named entity', async () => {
    const s = await setup({ deny: ['module-deploy.instance.read'] });
    await deployedTwice(s);
    const res = await s.post('/instances/rollback', {
      ...target,
      revision: 1,
      entityRef: CHECKOUT,
    });
    expect(res.status).toBe(200);
    expect(events(res.text).pop()).toMatchObject({ type: 'done', ok: true });
    expect(s.fake.calls).toEqual(['rollback c1 1', 'rollback c2 1']);
  });

  it.each([
    [
      'no revision',
      {},
      /revision: 'revision' must be the number of the revision/,
    ],
    ['a revision of 0', { revision: 0 }, /'revision' must be 1 or more/],
    [
      'a fractional revision',
      { revision: 1.5 },
      /'revision' must be a whole number/,
    ],
    ['a revision as text', { revision: '1' }, /'revision' must be the number/],
    [
      'an empty cluster',
      { revision: 1, cluster: '' },
      /'cluster' must not be empty/,
    ],
    ['an unknown field', { revision: 1, values: {} }, /values/],
  ])('answers 400 for %s', async (_what, extra, message) => {
    const s = await setup();
    await deployedTwice(s);
    const res = await s.post('/instances/rollback', { ...target, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(
      /^invalid instances\/rollback request body: /,
    );
    expect(res.body.error.message).toMatch(message);
    expect(s.fake.calls).toEqual([]);
  });

  it('answers 400 for a cluster that is not a target', async () => {
    const s = await setup();
    const res = await s.post('/instances/rollback', {
      ...target,
      revision: 1,
      cluster: 'c9',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      "cluster 'c9' is not a target of file-access; targets: c1, c2",
    );
  });

  it('answers 404 naming the clusters for an unknown instance, and applies nothing', async () => {
    const s = await setup();
    await deployedTwice(s);
    const res = await s.post('/instances/rollback', {
      ...target,
      instanceName: 'nope',
      revision: 1,
    });
    expect(res.status).toBe(404);
    expect(res.body.error.name).toBe('NotFoundError');
    expect(res.body.error.message).toBe(
      "cannot roll back instance 'nope' in namespace 'security' to revision 1: " +
        "cluster 'c1' has no instance 'nope' in namespace 'security' with a revision history (was it deployed through Periscope, under this name?); " +
        "cluster 'c2' has no instance 'nope' in namespace 'security' with a revision history (was it deployed through Periscope, under this name?); nothing was applied",
    );
    expect(s.fake.calls).toEqual([]);
    expect(
      await s.knex('module_deploy_audit').where({ action: 'rollback' }),
    ).toEqual([]);
  });

  it('answers 404 for a revision a target cluster does not keep, listing the kept ones', async () => {
    const s = await setup();
    await deployedTwice(s);
    const res = await s.post('/instances/rollback', { ...target, revision: 7 });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain(
      "cluster 'c1' does not keep revision 7 (kept: 1, 2)",
    );
    expect(s.fake.calls).toEqual([]);
  });
});

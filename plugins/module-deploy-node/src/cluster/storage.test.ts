import { ApiException, KubernetesObjectApi } from '@kubernetes/client-node';
import { DeployError } from '../errors';
import { RawObjectApi } from './kubeApi';
import {
  RECORD_ATTEMPTS,
  Revision,
  historySecretName,
} from './revisionHistory';
import { InstanceStore } from './storage';

/**
 * An in-memory API server for Secrets with the optimistic concurrency of the real one: create of
 * an existing name is 409 AlreadyExists, replace at a stale resourceVersion is 409 Conflict. Each
 * call yields to the event loop first, so concurrent callers interleave.
 */
function fakeSecretsApi(opts: { alwaysConflict?: boolean } = {}) {
  const objects = new Map<string, any>();
  let version = 0;
  const calls = { create: 0, replace: 0, conflicts: 0 };
  const key = (o: any) => `${o.metadata.namespace}/${o.metadata.name}`;
  const tick = () => new Promise(r => setImmediate(r));
  const conflict = (reason: string) => {
    calls.conflicts++;
    return new ApiException(409, reason, { reason, message: reason }, {});
  };
  const api = Object.create(RawObjectApi.prototype) as RawObjectApi;
  Object.assign(api, {
    async read(o: any) {
      await tick();
      const cur = objects.get(key(o));
      if (!cur) throw new ApiException(404, 'NotFound', {}, {});
      return JSON.parse(JSON.stringify(cur));
    },
    async create(o: any) {
      calls.create++;
      await tick();
      if (objects.has(key(o))) throw conflict('AlreadyExists');
      const stored = {
        ...o,
        metadata: { ...o.metadata, resourceVersion: String(++version) },
      };
      objects.set(key(o), stored);
      return stored;
    },
    async replace(o: any) {
      calls.replace++;
      await tick();
      const cur = objects.get(key(o));
      if (
        opts.alwaysConflict ||
        !cur ||
        cur.metadata.resourceVersion !== o.metadata.resourceVersion
      )
        throw conflict('Conflict');
      const stored = {
        ...o,
        metadata: { ...o.metadata, resourceVersion: String(++version) },
      };
      objects.set(key(o), stored);
      return stored;
    },
  });
  return { api: api as unknown as KubernetesObjectApi, objects, calls };
}

describe('InstanceStore.record under concurrent writers', () => {
  const rev = (i: number): Omit<Revision, 'revision'> => ({
    appliedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    action: 'apply',
    module: {
      name: 'm',
      repository: 'oci://r/m',
      version: `1.0.${i}`,
      digest: '',
    },
    values: { i },
    valuesCue: `{ i: ${i} }`,
    inventory: [],
    images: [],
    sets: [],
  });

  it('gives 10 concurrent records 10 distinct consecutive revisions, none lost', async () => {
    const fake = fakeSecretsApi();
    // two stores (two replicas) on one API server
    const a = new InstanceStore(fake.api, 'periscope');
    const b = new InstanceStore(fake.api, 'periscope');
    const got = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).record('web', 'apps', rev(i)),
      ),
    );
    expect(got.map(r => r.revision).sort((x, y) => x - y)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const history = await a.history('web', 'apps');
    expect(history.map(r => r.revision)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    // each revision holds the values of the record that got its number
    for (const r of got)
      expect(history.find(h => h.revision === r.revision)?.values).toEqual(
        r.values,
      );
    expect(fake.calls.conflicts).toBeGreaterThan(0);
  });

  it('keeps labels and annotations others put on the history Secret', async () => {
    const fake = fakeSecretsApi();
    const store = new InstanceStore(fake.api, 'periscope');
    await store.record('web', 'apps', rev(1));
    const k = `apps/${historySecretName('web')}`;
    fake.objects.get(k).metadata.annotations = { keep: 'me' };
    await store.record('web', 'apps', rev(2));
    expect(fake.objects.get(k).metadata.annotations).toEqual({ keep: 'me' });
    expect(fake.objects.get(k).metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'instance-history',
    });
  });

  it('gives up with a clear conflict error after bounded retries', async () => {
    const fake = fakeSecretsApi({ alwaysConflict: true });
    const store = new InstanceStore(fake.api, 'periscope');
    await store.record('web', 'apps', rev(1)); // created: no conflict on create
    const e = await store.record('web', 'apps', rev(2)).catch(x => x);
    expect(e).toBeInstanceOf(DeployError);
    expect(e.reason).toBe('conflict');
    expect(e.message).toMatch(
      /^Secret\/apps\/periscope-history\.web: could not record the revision of instance apps\/web/,
    );
    expect(e.message).toMatch(/deploy again/);
    expect(fake.calls.replace).toBe(RECORD_ATTEMPTS);
  });

  it('names the corrupt history Secret and how to start a new one', async () => {
    const fake = fakeSecretsApi();
    const store = new InstanceStore(fake.api, 'periscope');
    fake.objects.set(`apps/${historySecretName('web')}`, {
      metadata: { name: historySecretName('web'), namespace: 'apps' },
      data: { history: Buffer.from('[{oops').toString('base64') },
    });
    const e = await store.history('web', 'apps').catch(x => x);
    expect(e).toBeInstanceOf(DeployError);
    expect(e.message).toMatch(
      /revision history of instance apps\/web is corrupt/,
    );
    expect(e.message).toMatch(
      /kubectl -n apps delete secret periscope-history\.web/,
    );
    await expect(store.record('web', 'apps', rev(1))).rejects.toThrow(
      /is corrupt/,
    );
  });
});

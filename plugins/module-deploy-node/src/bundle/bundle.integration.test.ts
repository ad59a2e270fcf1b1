/**
 * Bundles with runtime values read from the cluster, against the local control plane:
 * PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig). Skipped, with the reason printed, otherwise.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { BUNDLE_NAME_LABEL } from './bundle';
import { createModuleEngine } from '../engine';
import { DeployError } from '../errors';
import { RawObjectApi } from '../cluster/kubeApi';
import { cueForTests, kubeconfigForTests } from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(300_000);

const kubeconfig = kubeconfigForTests();
const cue = cueForTests();
const d = describeIf({ kubeconfig, cue });

type Json = Record<string, any>;

d('bundles with runtime values from the cluster', () => {
  const id = Date.now().toString(36);
  const ns = `periscope-h3-bundle-${id}`;
  const password = `pw-${id}-Secret!`;
  const fixtures = join(__dirname, '..', '__fixtures__', 'bundles');
  const engine = createModuleEngine();
  const kc = new KubeConfig();
  const opts = { timeoutMs: 60_000, pollMs: 500 };
  let raw: RawObjectApi;
  let dir: string;
  let runtimeFile: string;

  const writeRuntime = async (name: string, text: string) => {
    const f = join(dir, name);
    await fs.writeFile(f, text.split('NAMESPACE').join(ns));
    return f;
  };
  const configMap = async (name: string) =>
    (await raw.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns },
    })) as unknown as Json;

  beforeAll(async () => {
    kc.loadFromFile(kubeconfig as string);
    raw = RawObjectApi.fromKubeConfig(kc);
    dir = await fs.mkdtemp(join(tmpdir(), 'periscope-h3-'));
    await raw.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    await raw.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-auth', namespace: ns },
      data: { password: Buffer.from(password).toString('base64') },
    } as never);
    await raw.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-info', namespace: ns },
      data: { region: 'eu-west-9' },
    } as never);
    runtimeFile = await writeRuntime(
      'runtime.cue',
      await fs.readFile(join(fixtures, 'runtime.cue'), 'utf8'),
    );
  });
  afterAll(async () => {
    await engine.deleteBundle('app', kc).catch(() => undefined);
    await raw
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads and decodes the values, and marks the ones from Secrets', async () => {
    const rv = await engine.runtimeValues(
      {
        files: [runtimeFile],
        env: { REGION: 'from-env', TARGET_NAMESPACE: ns },
      },
      kc,
    );
    expect(rv.values).toEqual({
      DB_PASSWORD: password,
      REGION: 'eu-west-9', // the cluster wins over the environment
      TARGET_NAMESPACE: ns,
    });
    expect(rv.secretNames).toEqual(['DB_PASSWORD']);
  });

  it('fails naming the query and the value when a key is missing, without the secret', async () => {
    const f = await writeRuntime(
      'missing-key.cue',
      `runtime: {
	apiVersion: "v1alpha1"
	name: "bad"
	values: [{query: "k8s:v1:Secret:NAMESPACE:db-auth", for: {"DB_USER": "obj.data.username"}}]
}`,
    );
    const err = (await engine
      .runtimeValues({ files: [f] }, kc)
      .catch(e => e)) as Error;
    expect(err.message).toContain(
      `runtime query k8s:v1:Secret:${ns}:db-auth, value DB_USER (obj.data.username)`,
    );
    expect(err.message).toContain('undefined field: username');
    expect(err.message).not.toContain(password);
  });

  it('fails naming the query when the object is missing, unless optional', async () => {
    const missing = (optional: boolean) =>
      writeRuntime(
        `missing-${optional}.cue`,
        `runtime: {
	apiVersion: "v1alpha1"
	name: "bad"
	values: [{query: "k8s:v1:ConfigMap:NAMESPACE:nope", for: {"X": "obj.data.x"}, optional: ${optional}}]
}`,
      );
    await expect(
      engine.runtimeValues({ files: [await missing(false)] }, kc),
    ).rejects.toThrow(
      `runtime query k8s:v1:ConfigMap:${ns}:nope: ConfigMap/${ns}/nope not found (needed for X;`,
    );
    await expect(
      engine.runtimeValues({ files: [await missing(true)] }, kc),
    ).resolves.toEqual({ values: {}, secretNames: [] });
  });

  it('applies the instances in order with the runtime values, owned by the bundle', async () => {
    const rv = await engine.runtimeValues(
      { files: [runtimeFile], env: { TARGET_NAMESPACE: ns } },
      kc,
    );
    const bundle = await engine.loadBundle(
      [join(fixtures, 'app.cue')],
      rv.values,
    );
    const diff = await engine.diffBundle(bundle, kc);
    expect(diff.map(x => [x.instance.name, x.diff.map(o => o.action)])).toEqual(
      [
        ['frontend', ['create']],
        ['backend', ['create']],
      ],
    );
    const done = await engine.applyBundle(bundle, kc, opts);
    expect(done.map(x => x.instance.name)).toEqual(['frontend', 'backend']);
    expect((await configMap('backend')).data).toEqual({
      message: 'backend',
      region: 'eu-west-9',
      dsn: `postgres://app:${password}@db.eu-west-9:5432/app`,
    });
    const secret = (await raw.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'timoni.backend', namespace: ns },
    })) as unknown as Json;
    expect(secret.metadata.labels[BUNDLE_NAME_LABEL]).toBe('app');
    const stored = await engine.status('frontend', ns, kc);
    expect(stored.instance.metadata.labels).toEqual({
      [BUNDLE_NAME_LABEL]: 'app',
    });
  });

  it('refuses a standalone apply over a bundle instance, naming the owner', async () => {
    const err = await engine
      .apply(
        {
          source: join(__dirname, '..', '__fixtures__', 'config-module'),
          name: 'frontend',
          namespace: ns,
        },
        kc,
        opts,
      )
      .catch(e => e);
    expect(err).toBeInstanceOf(DeployError);
    expect(err.message).toBe(
      `instance ${ns}/frontend: instance ownership conflict: it exists and is managed by bundle "app"; apply with overwrite ownership (--overwrite-ownership) to take it over, or apply the bundle`,
    );
  });

  it('deletes the bundle instances, last installed first', async () => {
    const events: string[] = [];
    const res = await engine.deleteBundle('app', kc, {
      onEvent: e => events.push(e.message),
    });
    expect(res.map(r => r.name).sort()).toEqual(['backend', 'frontend']);
    expect(events.filter(m => m === 'deleted')).toHaveLength(2);
    await expect(configMap('frontend')).rejects.toMatchObject({ code: 404 });
    await expect(engine.deleteBundle('app', kc)).rejects.toThrow(
      `no instances found in bundle app (no instance Secret labelled ${BUNDLE_NAME_LABEL}=app)`,
    );
  });
});

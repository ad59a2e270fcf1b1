import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { instanceRecord, instanceSecret } from '../cluster/instanceSecret';
import { ownershipConflict } from '../cluster/ownership';
import {
  BUNDLE_NAME_LABEL,
  BundleError,
  bundleModuleRef,
  loadBundle,
  loadBundleName,
} from './bundle';
import { renderBundleInstances } from './bundleEngine';
import { createModuleEngine } from '../engine';
import { injectRuntimeValues, runtimeLiteral } from './runtimeInject';
import {
  loadRuntime,
  maskSecrets,
  mergeRuntimeValues,
  parseRuntimeQuery,
} from './runtime';
import {
  TIMONI_CORPUS,
  cueForTests,
  timoniCorpus,
} from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(120_000);

const cue = cueForTests();
const withCue = describeIf({ cue, corpora: TIMONI_CORPUS });
const fixtures = join(__dirname, '..', '__fixtures__');
const appBundle = join(fixtures, 'bundles', 'app.cue');

describe('runtime attribute injection (Timoni RuntimeInjector)', () => {
  const src = [
    'bundle: {',
    '\t_pass: string @timoni(runtime:string:PASS)',
    '\t_n:    1      @timoni(runtime:number:COUNT)',
    '\t_on:   bool   @timoni(runtime:bool:ON)',
    '\t// _x: string @timoni(runtime:string:COMMENTED)',
    '\tvalues: host: "example.com" @timoni(runtime:string:HOST)',
    '}',
  ].join('\n');

  it('sets each field to a literal of the declared type', () => {
    const r = injectRuntimeValues(src, 'b.cue', {
      PASS: 'p"a\\ss\n(x)',
      COUNT: '42',
      ON: 'true',
      HOST: 'h.example',
    });
    const lines = r.text.split('\n');
    expect(lines[1]).toBe(
      '\t_pass: "p\\"a\\\\ss\\n(x)" @timoni(runtime:string:PASS)',
    );
    expect(lines[2]).toBe('\t_n: 42 @timoni(runtime:number:COUNT)');
    expect(lines[3]).toBe('\t_on: true @timoni(runtime:bool:ON)');
    expect(lines[4]).toBe('\t// _x: string @timoni(runtime:string:COMMENTED)');
    expect(lines[5]).toBe(
      '\tvalues: host: "h.example" @timoni(runtime:string:HOST)',
    );
    expect(r.unresolved).toEqual([]);
    expect(r.attributes.map(a => a.name)).toEqual([
      'PASS',
      'COUNT',
      'ON',
      'HOST',
    ]);
  });

  it('leaves fields without a runtime value untouched and reports them', () => {
    const r = injectRuntimeValues(src, 'b.cue', { PASS: 'x' });
    expect(r.text.split('\n')[5]).toBe(src.split('\n')[5]);
    expect(r.unresolved).toEqual(['COUNT', 'ON', 'HOST']);
    expect(r.required).toEqual(['ON']);
  });

  it('rejects a value of the wrong type without quoting the value', () => {
    const err = (() => {
      try {
        injectRuntimeValues(src, 'b.cue', { COUNT: 'hunter2' });
        return undefined;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe(
      "b.cue:3: failed to parse attribute '@timoni(runtime:number:COUNT)': value must be a number",
    );
    expect(() => injectRuntimeValues(src, 'b.cue', { ON: 'yes' })).toThrow(
      "value must be 'true' or 'false'",
    );
    expect(() => runtimeLiteral('date', 'x')).toThrow(
      "unknown type 'date' must be string, number or bool",
    );
    expect(runtimeLiteral('number', '-1.5e3')).toBe('-1.5e3');
    expect(runtimeLiteral('number', '0x1F')).toBe('0x1F');
  });

  it('refuses to inject into a value that starts on an earlier line', () => {
    const multi = 'x: {\n\ta: 1\n} @timoni(runtime:string:X)';
    expect(() => injectRuntimeValues(multi, 'm.cue', { X: 'v' })).toThrow(
      'm.cue:3: cannot set runtime value X: write the field and its @timoni attribute on one line',
    );
  });

  it('names an attribute that lacks a name', () => {
    expect(() =>
      injectRuntimeValues('a: string @timoni(runtime:string:)', 'e.cue', {}),
    ).toThrow('e.cue:1: invalid attribute');
  });
});

describe('runtime queries', () => {
  it('parses namespaced and cluster-scoped queries', () => {
    expect(parseRuntimeQuery('k8s:v1:Secret:infra:redis-auth')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'infra',
      name: 'redis-auth',
    });
    expect(
      parseRuntimeQuery('k8s:cert-manager.io/v1:ClusterIssuer:letsencrypt'),
    ).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      name: 'letsencrypt',
    });
  });

  it.each([
    ['vault:v1:Secret:ns:n', 'must start with k8s'],
    ['k8s:v1:Secret', 'expected k8s:<apiVersion>'],
    ['k8s:v1::ns:n', 'has an empty part'],
  ])('rejects %s', (q, msg) => {
    expect(() => parseRuntimeQuery(q)).toThrow(msg);
  });

  it('masks secret values, longest first', () => {
    expect(
      maskSecrets('dsn=postgres://app:s3cr3t-long@db token=s3cr3t', [
        's3cr3t',
        's3cr3t-long',
      ]),
    ).toBe('dsn=postgres://app:***@db token=***');
  });

  it('layers the environment under the cluster values', () => {
    expect(
      mergeRuntimeValues(
        { A: 'env', B: 'env', C: undefined },
        { values: { B: 'cluster' }, secretNames: ['B'] },
      ),
    ).toEqual({ values: { A: 'env', B: 'cluster' }, secretNames: ['B'] });
  });
});

withCue('bundles parsed and validated with cue', () => {
  const cueBin = cue as string;
  const podinfo = timoniCorpus('bundles', 'podinfo.cue');
  const secrets = timoniCorpus('bundles', 'podinfo_secrets.cue');

  it('unifies several files, as timoni bundle -f a -f b', async () => {
    const b = await loadBundle({ cueBin, files: [podinfo, secrets] });
    expect(b.name).toBe('podinfo');
    expect(b.instances.map(i => i.name)).toEqual(['redis', 'podinfo']);
    const [redis, pod] = b.instances;
    expect(redis).toMatchObject({
      bundle: 'podinfo',
      namespace: 'podinfo',
      module: {
        url: 'oci://ghcr.io/stefanprodan/modules/redis',
        version: '8.10.1',
        digest:
          'sha256:7f24e8f7e49132c90789464dcf5b82eb137e378c97735eec36efbe0d1caeb872',
      },
      values: {
        maxmemory: 256,
        readonly: { replicas: 1 },
        password: 'change-me',
      },
    });
    expect(pod.values).toEqual({
      caching: { enabled: true, redisURL: 'tcp://:change-me@redis:6379' },
    });
    expect(bundleModuleRef(redis)).toBe(
      'oci://ghcr.io/stefanprodan/modules/redis:8.10.1',
    );
    expect(
      bundleModuleRef({
        ...redis,
        module: { ...redis.module, version: 'latest' },
      }),
    ).toBe(`oci://ghcr.io/stefanprodan/modules/redis@${redis.module.digest}`);
  });

  it('names the instance and field of a missing value', async () => {
    const err = await loadBundle({ cueBin, files: [podinfo] }).catch(e => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).issues).toContainEqual(
      expect.objectContaining({
        instance: 'redis',
        field: 'values.password',
        message: 'incomplete value string',
      }),
    );
    expect(err.message).toContain(
      'instance "redis": values.password: incomplete value string',
    );
  });

  it('validates against the bundle schema, naming instance and field', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'periscope-bundle-test-'));
    const bad = join(dir, 'bad.cue');
    await fs.writeFile(
      bad,
      `bundle: {
	apiVersion: "v1alpha1"
	name: "bad"
	instances: "web-1": {
		module: url: "https://example.com/mod"
		namespace: "Not_Valid!"
		values: {}
	}
}
`,
    );
    const err = (await loadBundle({ cueBin, files: [bad] }).catch(
      e => e,
    )) as BundleError;
    expect(err).toBeInstanceOf(BundleError);
    const fields = err.issues.map(i => `${i.instance} ${i.field}`);
    expect(fields).toEqual(
      expect.arrayContaining(['web-1 module.url', 'web-1 namespace']),
    );
    expect(err.issues[0].positions.join(' ')).toContain(bad);
    await fs.rm(dir, { recursive: true });
  });

  it('resolves file:// URLs against the bundle file and reports missing runtime values', async () => {
    const nginx = timoniCorpus('bundles', 'nginx_bundle.cue');
    const err = (await loadBundle({ cueBin, files: [nginx] }).catch(
      e => e,
    )) as BundleError;
    expect(err.message).toContain(
      'instance "nginx-remote": module.url: incomplete value',
    );
    expect(err.message).toContain(
      'runtime values not provided: NGINX_MODULE_URL (set them with --runtime FILE or --runtime-from-env)',
    );
    const b = await loadBundle({
      cueBin,
      files: [nginx],
      runtimeValues: { NGINX_MODULE_URL: 'oci://registry.local/nginx' },
    });
    expect(b.instances[0].source).toBe(
      resolve(timoniCorpus('bundles'), '../../blueprints/starter'),
    );
    expect(b.instances[1].source).toBe('oci://registry.local/nginx');
  });

  it('unifies YAML files with CUE files', async () => {
    const b = await loadBundle({
      cueBin,
      files: [appBundle, join(fixtures, 'bundles', 'app_overrides.yaml')],
      runtimeValues: { DB_PASSWORD: 'pw', TARGET_NAMESPACE: 'apps' },
    });
    expect(b.instances.map(i => [i.name, i.values])).toEqual([
      ['frontend', { message: 'frontend', region: 'us-2' }],
      ['backend', { message: 'backend', region: 'eu-1', password: 'pw' }],
    ]);
    expect(b.instances[0].source).toBe(join(fixtures, 'config-module'));
  });

  it.each([
    [
      ['/nonexistent/bundle.cue'],
      'cannot read bundle file /nonexistent/bundle.cue: ENOENT',
    ],
    [[fixtures], `cannot read bundle file ${fixtures}: EISDIR`],
    [[], 'no bundle file given'],
  ])('refuses bad input %j', async (files, msg) => {
    await expect(loadBundle({ cueBin, files })).rejects.toThrow(msg);
  });

  it('refuses unsupported file types', async () => {
    await expect(
      loadBundle({
        cueBin,
        files: [{ name: 'b.toml', content: 'x = 1', dir: '/' }],
      }),
    ).rejects.toThrow("unsupported file extension '.toml'");
  });

  it('renders every instance of a bundle with the module defaults under the bundle values', async () => {
    const engine = createModuleEngine();
    const b = await loadBundle({
      cueBin,
      files: [appBundle],
      runtimeValues: { DB_PASSWORD: 'pw', TARGET_NAMESPACE: 'apps' },
    });
    const renders = await engine.renderBundle(b);
    expect(renders.map(r => r.render.objects[0].data)).toEqual([
      { message: 'frontend', region: 'local' },
      {
        message: 'backend',
        region: 'eu-1',
        dsn: 'postgres://app:pw@db.eu-1:5432/app',
      },
    ]);
    expect(
      renders.map(
        r => r.render.objects[0].metadata.labels?.['app.kubernetes.io/version'],
      ),
    ).toEqual(['1.2.3', '0.0.0-devel']);
  });

  it('names the instance whose module is missing', async () => {
    const b = await loadBundle({
      cueBin,
      files: [appBundle],
      runtimeValues: { DB_PASSWORD: 'pw', TARGET_NAMESPACE: 'apps' },
    });
    b.instances[1].source = join(fixtures, 'no-such-module');
    await expect(
      renderBundleInstances(createModuleEngine().render as never, b),
    ).rejects.toThrow(
      'bundle app, instance "backend": module file://../config-module not found',
    );
  });
});

withCue('runtime files', () => {
  const cueBin = cue as string;
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'periscope-runtime-test-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('parses a runtime file', async () => {
    const rt = await loadRuntime(cueBin, [
      join(fixtures, 'bundles', 'runtime.cue'),
    ]);
    expect(rt).toEqual({
      name: 'fixture',
      clusters: [],
      values: [
        {
          query: 'k8s:v1:Secret:NAMESPACE:db-auth',
          for: { DB_PASSWORD: 'obj.data.password' },
          optional: false,
        },
        {
          query: 'k8s:v1:ConfigMap:NAMESPACE:app-info',
          for: { REGION: 'obj.data.region' },
          optional: false,
        },
      ],
    });
  });

  it.each([
    [
      'runtime: {apiVersion: "v2", name: "x", values: []}',
      'runtime.apiVersion: invalid value "v2"',
    ],
    [
      'runtime: {apiVersion: "v1alpha1", name: "x", values: [{query: "db:x", for: A: "obj"}]}',
      "runtime query 'db:x': must start with k8s",
    ],
    [
      'runtime: {apiVersion: "v1alpha1", name: "x", values: [], clusters: a: {group: "g"}}',
      'runtime.clusters.a.kubeContext: field is required but not present',
    ],
  ])('refuses %s', async (text, msg) => {
    const f = join(dir, `rt-${Math.random().toString(36).slice(2)}.cue`);
    await fs.writeFile(f, text);
    await expect(loadRuntime(cueBin, [f])).rejects.toThrow(msg);
  });

  it('names a runtime file that cannot be read', async () => {
    await expect(loadRuntime(cueBin, [join(dir, 'none.cue')])).rejects.toThrow(
      `cannot read runtime file ${join(dir, 'none.cue')}: ENOENT`,
    );
  });
});

withCue('bundle name only', () => {
  it('reads bundle.name even when other fields are incomplete', async () => {
    await expect(
      loadBundleName({ cueBin: cue as string, files: [appBundle] }),
    ).resolves.toBe('app');
    await expect(
      loadBundleName({
        cueBin: cue as string,
        files: [{ name: 'x.cue', content: 'bundle: name: 1', dir: '/' }],
      }),
    ).rejects.toThrow('bundle.name: conflicting values 1 and string');
  });
});

describe('bundle ownership and storage labels', () => {
  const rel = { name: 'web', namespace: 'apps' };

  it('reports the conflicts Timoni reports, and none otherwise', () => {
    expect(ownershipConflict({ ...rel, bundle: 'b' }, 'b')).toBeUndefined();
    expect(ownershipConflict(rel, undefined)).toBeUndefined();
    expect(ownershipConflict({ ...rel, bundle: 'b' }, 'other')?.message).toBe(
      'instance apps/web: instance ownership conflict: it exists and is managed by bundle "other", not by bundle "b"; apply with overwrite ownership (--overwrite-ownership) to take it over',
    );
    expect(
      ownershipConflict({ ...rel, bundle: 'b' }, undefined)?.message,
    ).toContain('is not managed by a bundle, not by bundle "b"');
    expect(ownershipConflict(rel, 'b')?.reason).toBe('conflict');
  });

  it('stores the bundle label on the record and on the Secret', () => {
    const record = instanceRecord({
      ...rel,
      module: { name: 'm', repository: 'file://m', version: '1', digest: '' },
      valuesCue: '{}',
      inventory: [],
      images: [],
      labels: { [BUNDLE_NAME_LABEL]: 'b' },
    });
    expect(record.metadata.labels).toEqual({ [BUNDLE_NAME_LABEL]: 'b' });
    expect(instanceSecret(record).metadata?.labels).toEqual({
      [BUNDLE_NAME_LABEL]: 'b',
      'app.kubernetes.io/name': 'web',
      'app.kubernetes.io/component': 'instance',
      'app.kubernetes.io/created-by': 'timoni',
    });
  });
});

import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { RawObjectApi } from '@periscope/backstage-plugin-module-deploy-node';
import { loadKubeConfig } from '../commands/module';
import {
  ENGINE_FIXTURES,
  describeWith,
  runModuleCli,
} from '../__testUtils__/moduleCli';

jest.setTimeout(300_000);

const FLEET = join(ENGINE_FIXTURES, 'bundles', 'fleet.cue');
const d = describeWith();
const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const dc = describeWith(true);

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ out: string; err: string }> {
  return runModuleCli(['bundle', ...args], { env });
}

/** The fixture runtime with its kube contexts (and extra runtime values) filled in. */
async function writeRuntime(
  dir: string,
  contexts: [string, string],
  values = '[]',
): Promise<string> {
  const text = (
    await fs.readFile(
      join(ENGINE_FIXTURES, 'bundles', 'fleet_runtime.cue'),
      'utf8',
    )
  )
    .replace('"CONTEXT_A"', JSON.stringify(contexts[0]))
    .replace('"CONTEXT_B"', JSON.stringify(contexts[1]))
    .replace('values: []', `values: ${values}`);
  const f = join(dir, `runtime-${contexts.join('-')}.cue`);
  await fs.writeFile(f, text);
  return f;
}

/** A kubeconfig whose contexts a and b point at a server that is never reached. */
async function offlineKubeconfig(dir: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true },
    ],
    users: [{ name: 'u', token: 'x' }],
    contexts: ['a', 'b'].map(name => ({ name, cluster: 'c', user: 'u' })),
    currentContext: 'a',
  });
  const f = join(dir, 'offline.kubeconfig');
  await fs.writeFile(f, kc.exportConfig());
  return f;
}

d(
  'periscope module bundle with runtime clusters (real cue, no cluster)',
  () => {
    let dir: string;
    let runtime: string;
    beforeAll(async () => {
      dir = await fs.mkdtemp(join(tmpdir(), 'periscope-h5-cli-'));
      runtime = await writeRuntime(dir, ['ctx-a', 'ctx-b']);
    });
    afterAll(() => fs.rm(dir, { recursive: true, force: true }));

    it('vet validates the bundle once per cluster, in the runtime order', async () => {
      const { out } = await run(['vet', '-f', FLEET, '-r', runtime]);
      expect(out).toBe(
        [
          '[staging-1] bundle fleet is valid: 1 instance(s)',
          '[staging-1]   web: file://../config-module@latest in namespace periscope-h5-staging-1',
          '[prod-1] bundle fleet is valid: 1 instance(s)',
          '[prod-1]   web: file://../config-module@latest in namespace periscope-h5-prod-1',
          '',
        ].join('\n'),
      );
    });

    it('filters clusters by group and name, and prints the values per cluster', async () => {
      const prod = await run([
        'vet',
        '-f',
        FLEET,
        '-r',
        runtime,
        '--runtime-group',
        'production',
        '-o',
        'json',
      ]);
      const byCluster = JSON.parse(prod.out);
      expect(Object.keys(byCluster)).toEqual(['prod-1']);
      expect(byCluster['prod-1'].instances[0].values).toEqual({
        message: 'hosted by prod-1',
        region: 'production',
        password: 'prod-only',
      });
      const staging = await run([
        'vet',
        '-f',
        FLEET,
        '-r',
        runtime,
        '--runtime-cluster',
        'STAGING-1',
      ]);
      expect(staging.out).not.toContain('[prod-1]');
    });

    it('build needs one cluster, then renders it with its values', async () => {
      await expect(run(['build', '-f', FLEET, '-r', runtime])).rejects.toThrow(
        'you must select a cluster with --runtime-cluster: runtime fleet selects 2 clusters (staging-1, prod-1)',
      );
      const { out } = await run([
        'build',
        '-f',
        FLEET,
        '-r',
        runtime,
        '--runtime-cluster',
        'prod-1',
      ]);
      const [cm] = parseAllDocuments(out).map(x => x.toJS());
      expect(cm.metadata.namespace).toBe('periscope-h5-prod-1');
      expect(cm.data.dsn).toBe(
        'postgres://app:prod-only@db.production:5432/app',
      );
    });

    it('refuses a group that matches no cluster, naming the clusters', async () => {
      await expect(
        run(['vet', '-f', FLEET, '-r', runtime, '--runtime-group', 'dev']),
      ).rejects.toThrow(
        "no cluster found: --runtime-cluster '*' and --runtime-group 'dev' match none of the clusters of runtime fleet: staging-1 (group staging), prod-1 (group production)",
      );
    });

    it('refuses a runtime cluster whose kube context is not in the kubeconfig', async () => {
      const kubeconfigFile = await offlineKubeconfig(dir);
      const missing = await writeRuntime(dir, ['no-such-context', 'b']);
      await expect(
        run([
          'apply',
          '-f',
          FLEET,
          '-r',
          missing,
          '--kubeconfig',
          kubeconfigFile,
        ]),
      ).rejects.toThrow(
        `runtime cluster "staging-1" (group staging), kubeContext "no-such-context": kubeconfig ${kubeconfigFile} has no context "no-such-context" (its contexts: a, b); pass one of them, or add the context to the kubeconfig`,
      );
    });

    it('build --mask-secrets masks Secret data, not ConfigMaps', async () => {
      const bundle = join(dir, 'secret.cue');
      await fs.writeFile(
        bundle,
        `bundle: {
	apiVersion: "v1alpha1"
	name: "secret-app"
	instances: app: {
		module: url: "file://${join(ENGINE_FIXTURES, 'secret-module')}"
		namespace: "apps"
		values: password: "bundl3-p4ss"
	}
}
`,
      );
      const plain = await run(['build', '-f', bundle]);
      expect(plain.out).toContain('password: bundl3-p4ss');
      for (const format of ['yaml', 'json']) {
        const { out } = await run([
          'build',
          '-f',
          bundle,
          '--mask-secrets',
          '-o',
          format,
        ]);
        expect(out).not.toContain('bundl3-p4ss');
        expect(out).not.toContain('dDBrM24=');
        expect(out).toContain('***');
        expect(out).toContain('secretName');
      }
    });

    it('status needs a bundle name or file', async () => {
      await expect(run(['status'])).rejects.toThrow(
        'bundle name is required: pass it, or the bundle file with -f',
      );
    });
  },
);

dc(
  'periscope module bundle across two contexts of the local control plane',
  () => {
    // The local control plane is one cluster: two kubeconfig contexts pointing at it, with
    // different default namespaces, stand in for two clusters. The instances land in per-cluster
    // namespaces, so the fan-out order and the per-cluster values are visible; status and delete,
    // which look at all namespaces, see both instances from either context.
    const id = Date.now().toString(36);
    const prefix = `periscope-h5-${id}`;
    const env = { NAMESPACE_PREFIX: prefix };
    let dir: string;
    let kcFile: string;
    let runtime: string;
    let raw: RawObjectApi;
    const base = () => [
      '-f',
      FLEET,
      '-r',
      runtime,
      '--runtime-from-env',
      '--kubeconfig',
      kcFile,
    ];
    const configMap = async (cluster: string) =>
      (await raw.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web', namespace: `${prefix}-${cluster}` },
      })) as unknown as { data: Record<string, string> };

    beforeAll(async () => {
      dir = await fs.mkdtemp(join(tmpdir(), 'periscope-h5-cli-'));
      const kc = loadKubeConfig(kubeconfig);
      raw = RawObjectApi.fromKubeConfig(kc);
      const current = kc.getContextObject(kc.getCurrentContext());
      if (!current)
        throw new Error('the test kubeconfig has no current context');
      kc.contexts = [
        { ...current, name: 'h5-a', namespace: `${prefix}-ns-a` },
        { ...current, name: 'h5-b', namespace: `${prefix}-ns-b` },
      ];
      kc.setCurrentContext('h5-a');
      kcFile = join(dir, 'two-contexts.kubeconfig');
      await fs.writeFile(kcFile, kc.exportConfig(), { mode: 0o600 });
      runtime = await writeRuntime(
        dir,
        ['h5-a', 'h5-b'],
        '[{query: "k8s:v1:Namespace:kube-system", for: KUBE_SYSTEM_UID: "obj.metadata.uid"}]',
      );
    });
    afterAll(async () => {
      for (const c of ['staging-1', 'prod-1'])
        await raw
          .delete({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: `${prefix}-${c}` },
          })
          .catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('applies one group only with --runtime-group', async () => {
      const { out } = await run(
        ['apply', ...base(), '--runtime-group', 'staging', '--timeout', '60s'],
        env,
      );
      expect(out).toContain('[staging-1] applying 1 instance(s) on staging');
      expect(out).not.toContain('[prod-1]');
      expect((await configMap('staging-1')).data.message).toBe(
        'hosted by staging-1',
      );
      await expect(configMap('prod-1')).rejects.toThrow();
    });

    it('applies to every cluster in the runtime order, with per-cluster values', async () => {
      const { out } = await run(['apply', ...base(), '--timeout', '60s'], env);
      const lines = out.trim().split('\n');
      expect(lines[0]).toBe('[staging-1] applying 1 instance(s) on staging');
      expect(lines[lines.length - 1]).toBe(
        '[prod-1] bundle fleet applied: 1 instance(s)',
      );
      expect(out.indexOf('[staging-1] bundle fleet applied')).toBeLessThan(
        out.indexOf('[prod-1] applying 1 instance(s) on production'),
      );
      expect((await configMap('staging-1')).data).toEqual({
        message: 'hosted by staging-1',
        region: 'staging',
      });
      expect((await configMap('prod-1')).data.dsn).toBe(
        'postgres://app:prod-only@db.production:5432/app',
      );
    });

    it('status reports every instance with its objects, per cluster', async () => {
      const { out } = await run(['status', ...base()], env);
      for (const c of ['staging-1', 'prod-1'])
        for (const ns of [`${prefix}-staging-1`, `${prefix}-prod-1`]) {
          expect(out).toContain(
            `[${c}] instance web (namespace ${ns}): last applied `,
          );
          expect(out).toContain(`[${c}]   ConfigMap/${ns}/web: `);
        }
      expect(out).toContain('  module file://');
      const json = JSON.parse(
        (await run(['status', 'fleet', ...base(), '-o', 'json'], env)).out,
      );
      expect(json.map((c: { cluster: string }) => c.cluster)).toEqual([
        'staging-1',
        'prod-1',
      ]);
    });

    it('status fails, naming the object, when an inventory object is gone', async () => {
      await raw.delete({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web', namespace: `${prefix}-prod-1` },
      });
      await expect(
        run(['status', 'fleet', ...base(), '--runtime-cluster', 'prod-1'], env),
      ).rejects.toThrow(
        `bundle status completed with errors:\n  ConfigMap/${prefix}-prod-1/web (instance web in cluster prod-1) not found`,
      );
    });

    it('delete removes the instances (both, seen from the first context)', async () => {
      const { out } = await run(
        ['delete', ...base(), '--runtime-cluster', 'staging-1'],
        env,
      );
      expect(out).toContain('[staging-1] bundle fleet deleted: 2 instance(s)');
      await expect(
        run(['status', 'fleet', ...base(), '--runtime-cluster', 'prod-1'], env),
      ).rejects.toThrow('no instances of bundle fleet found in cluster prod-1');
    });
  },
);

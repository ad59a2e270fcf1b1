/**
 * Timoni parity with the built `timoni` binary (./scripts/build-tools, PERISCOPE_TIMONI_BIN) on the
 * example module `examples/modules/minimal`:
 * - what Periscope renders (`periscope module render`, i.e. the engine's render) equals
 *   `timoni build` of the same module and values, also with values files and a Kubernetes version;
 * - against the local control plane (PERISCOPE_KUBECONFIG): an instance applied by `timoni apply`
 *   is shown, diffed and upgraded by Periscope, and timoni still lists, inspects and deletes it;
 * - a module pushed with `timoni mod push` to the local registry (PERISCOPE_REGISTRY_URL, from
 *   `registry_up` in scripts/lib/registry.sh) is rendered like `timoni build` of the same artifact
 *   and deployed by Periscope by tag and by digest.
 * Each suite is skipped, with the reason printed, when what it needs is missing.
 */
import { existsSync, promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { KubeObject } from '@periscope/backstage-plugin-module-deploy-common';
import { describeIf } from '@periscope/test-utils';
import { runProcess } from './cue/runner';
import { createModuleEngine } from './engine';
import { cueForTests, kubeconfigForTests } from './__testUtils__/environment';
import { findTool } from './tools';

jest.setTimeout(600_000);

const EXAMPLE = resolve(__dirname, '../../../examples/modules/minimal');
const cue = cueForTests();
const timoni = findTool('timoni');
const kubeconfig = kubeconfigForTests();
const registry = process.env.PERISCOPE_REGISTRY_URL;
/** The example module, when the checkout has it (`corpora` names what it needs). */
const example = existsSync(EXAMPLE) ? EXAMPLE : undefined;
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** Runs timoni; fails with its output when it exits non-zero. */
async function runTimoni(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.TIMONI_KUBE_VERSION;
  const res = await runProcess(timoni as string, args, {
    env: {
      ...base,
      // a cache of its own: other suites' pulls do not meet this one's
      TIMONI_CACHING: 'false',
      ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
      ...env,
    } as NodeJS.ProcessEnv,
  });
  if (res.code !== 0)
    throw new Error(
      `timoni ${args.join(' ')} exited ${res.code}:\n${res.stderr}${
        res.stdout
      }`,
    );
  return res;
}

/** `timoni build -o json`'s objects (a v1 List). */
async function timoniBuild(
  args: string[],
  env?: Record<string, string>,
): Promise<KubeObject[]> {
  const res = await runTimoni(['build', ...args, '-o', 'json'], env);
  return JSON.parse(res.stdout).items as KubeObject[];
}

/** `x` as a regular expression that matches it literally. */
const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function writeValues(dir: string, file: string, text: string) {
  const f = join(dir, file);
  await fs.writeFile(f, text);
  return f;
}

describeIf({ timoni, cue, corpora: example })(
  '`module render` equals `timoni build` (examples/modules/minimal)',
  () => {
    const engine = createModuleEngine();
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'parity-values-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    const render = (valuesFiles: string[], kubeVersion?: string) =>
      engine.render({
        source: EXAMPLE,
        name: 'web',
        namespace: 'apps',
        valuesFiles,
        kubeVersion,
      });
    const build = (valuesFiles: string[], kubeVersion?: string) =>
      timoniBuild(
        ['web', EXAMPLE, '-n', 'apps', ...valuesFiles.flatMap(f => ['-f', f])],
        kubeVersion ? { TIMONI_KUBE_VERSION: kubeVersion } : undefined,
      );

    it('with the module defaults and both tools at their default Kubernetes version', async () => {
      const ours = await render([]);
      const theirs = await build([]);
      expect(theirs.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(
        expect.arrayContaining(['Deployment/web', 'Service/web']),
      );
      expect(ours.objects).toEqual(theirs);
    });

    it('with a CUE values file, and with CUE, YAML and JSON files merged in order', async () => {
      const cueFile = await writeValues(
        dir,
        'a.cue',
        'values: {replicas: 3, message: "from cue", test: enabled: true}\n',
      );
      const yamlFile = await writeValues(
        dir,
        'b.yaml',
        'values:\n  message: from yaml\n  service:\n    port: 8080\n',
      );
      const jsonFile = await writeValues(
        dir,
        'c.json',
        JSON.stringify({ values: { podAnnotations: { team: 'json' } } }),
      );
      const one = await render([cueFile]);
      expect(one.sets.map(s => s.name)).toEqual(['app', 'test']);
      expect(one.objects).toEqual(await build([cueFile]));
      const merged = await render([cueFile, yamlFile, jsonFile]);
      const theirs = await build([cueFile, yamlFile, jsonFile]);
      expect(merged.objects).toEqual(theirs);
      const svc = theirs.find(o => o.kind === 'Service') as unknown as {
        spec: { ports: { port: number }[] };
      };
      expect(svc.spec.ports[0].port).toBe(8080);
    });

    it('with --kube-version (TIMONI_KUBE_VERSION for timoni), and both refuse one below the minimum', async () => {
      const values = await writeValues(
        dir,
        'kv.cue',
        'values: {replicas: 2, message: "kube version"}\n',
      );
      for (const kv of ['1.30.2', '1.20.0']) {
        const ours = await render([values], kv);
        expect(ours.objects).toEqual(await build([values], kv));
      }
      // the module requires >= 1.20.0 (clusterVersion #Minimum): both stop on the same field
      const refusal =
        /clusterVersion\.minor: invalid value 19 \(out of bound >=20\)/;
      await expect(render([values], '1.19.4')).rejects.toThrow(refusal);
      await expect(build([values], '1.19.4')).rejects.toThrow(refusal);
    });
  },
);

describeIf({ timoni, cue, kubeconfig, corpora: example })(
  'an instance applied by `timoni apply`, shown, diffed and upgraded by Periscope',
  () => {
    const ns = `parity-apply-${stamp}`;
    const name = 'web';
    const engine = createModuleEngine();
    const kc = new KubeConfig();
    let api: KubernetesObjectApi;
    let dir: string;
    const opts = { timeoutMs: 180_000 };

    beforeAll(async () => {
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      dir = await mkdtemp(join(tmpdir(), 'parity-apply-'));
    });
    afterAll(async () => {
      await api
        .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
        .catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    it('timoni applies it; Periscope lists it, reads its inventory and sees every object ready', async () => {
      const values = await writeValues(
        dir,
        'v1.cue',
        'values: {message: "from timoni"}\n',
      );
      await runTimoni([
        'apply',
        name,
        EXAMPLE,
        '-n',
        ns,
        '-f',
        values,
        '--timeout',
        '3m',
      ]);
      const listed = await engine.list(ns, kc);
      expect(listed.map(i => i.metadata.name)).toEqual([name]);
      const status = await engine.status(name, ns, kc);
      expect(status.instance.module).toMatchObject({
        name: 'timoni.sh/minimal',
        version: '0.0.0-devel',
      });
      expect(status.instance.values).toContain('from timoni');
      // the inventory timoni stored, read by Periscope, names what Periscope renders
      const rendered = await engine.render({
        source: EXAMPLE,
        name,
        namespace: ns,
        valuesFiles: [values],
      });
      expect(status.objects.map(o => o.ref).sort()).toEqual(
        rendered.objects.map(o => `${o.kind}/${ns}/${o.metadata.name}`).sort(),
      );
      expect(status.objects.every(o => o.state === 'ready')).toBe(true);
      // Periscope keeps no history of what timoni applied
      expect(await engine.history(name, ns, kc)).toEqual([]);
    });

    it('Periscope diffs the same values as unchanged, and new values field by field', async () => {
      const same = await engine.diff(
        {
          source: EXAMPLE,
          name,
          namespace: ns,
          valuesFiles: [join(dir, 'v1.cue')],
        },
        kc,
      );
      expect(same.diff.filter(x => x.action !== 'unchanged')).toEqual([]);
      expect(same.diff).toHaveLength(4);

      const values = [{ replicas: 2, message: 'from periscope' }];
      const { diff } = await engine.diff(
        { source: EXAMPLE, name, namespace: ns, values },
        kc,
      );
      expect(
        diff.find(x => x.ref === `Deployment/${ns}/${name}`)?.changes,
      ).toContainEqual({
        path: 'spec.replicas',
        op: 'change',
        before: 1,
        after: 2,
      });
      // the ConfigMap's name carries a hash of its content: a new one, the old one pruned
      expect(diff.filter(x => x.action === 'create').map(x => x.ref)).toEqual([
        expect.stringMatching(new RegExp(`^ConfigMap/${ns}/${name}-`)),
      ]);
      expect(diff.filter(x => x.action === 'prune').map(x => x.ref)).toEqual([
        expect.stringMatching(new RegExp(`^ConfigMap/${ns}/${name}-`)),
      ]);
    });

    it('Periscope upgrades it; timoni lists and inspects the new values and module, and sees it ready', async () => {
      const { result } = await engine.apply(
        {
          source: EXAMPLE,
          name,
          namespace: ns,
          values: [{ replicas: 2, message: 'from periscope' }],
        },
        kc,
        opts,
      );
      expect(result.revision).toBe(1);
      expect(result.pruned).toHaveLength(1);
      const deployment = (await api.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns },
      })) as unknown as { spec: { replicas: number } };
      expect(deployment.spec.replicas).toBe(2);

      const stored = (await engine.status(name, ns, kc)).instance;
      const when = stored.lastTransitionTime as string;
      expect((await runTimoni(['list', '-n', ns])).stdout).toMatch(
        new RegExp(
          `^${name}\\s+${esc(
            stored.module.repository,
          )}\\s+0\\.0\\.0-devel\\s+${esc(when)}`,
          'm',
        ),
      );
      const inspected = (await runTimoni(['inspect', 'values', name, '-n', ns]))
        .stdout;
      expect(inspected).toMatch(/replicas:\s*2\b/);
      expect(inspected).toMatch(/message:\s*"from periscope"/);
      // `kind/name  namespace  apiVersion` rows under a header
      const rows = (
        await runTimoni(['inspect', 'resources', name, '-n', ns])
      ).stdout
        .trim()
        .split('\n')
        .slice(1)
        .map(l => l.split(/\s+/).slice(0, 2).join(' '))
        .sort();
      expect(rows).toEqual(
        result.applied
          .map(ref => {
            const [kind, , objName] = ref.split('/');
            return `${kind.toLowerCase()}/${objName} ${ns}`;
          })
          .sort(),
      );
      const status = await runTimoni([
        'status',
        name,
        '-n',
        ns,
        '--log-color=false',
      ]);
      const log = `${status.stdout}${status.stderr}`;
      expect(log).toContain(`last applied ${when}`);
      expect(log).toContain(`module ${stored.module.repository}:0.0.0-devel`);
      expect(log).toContain(
        `Deployment/${ns}/${name} Current - Deployment is available. Replicas: 2`,
      );
    });

    it('timoni applies over the Periscope revision and deletes every object Periscope applied', async () => {
      await runTimoni([
        'apply',
        name,
        EXAMPLE,
        '-n',
        ns,
        '-f',
        join(dir, 'v1.cue'),
        '--timeout',
        '3m',
      ]);
      const status = await engine.status(name, ns, kc);
      expect(status.instance.values).toContain('from timoni');
      expect(status.objects).toHaveLength(4);
      await runTimoni(['delete', name, '-n', ns]);
      await expect(engine.status(name, ns, kc)).rejects.toThrow(/not found/);
      await expect(
        api.read({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: ns },
        }),
      ).rejects.toMatchObject({ code: 404 });
    });
  },
);

describeIf({ timoni, cue, kubeconfig, registry, corpora: example })(
  'a module pushed by `timoni mod push`, deployed by Periscope',
  () => {
    const ns = `parity-oci-${stamp}`;
    const name = 'web';
    const host = (registry ?? '')
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '');
    const repo = `oci://${host}/parity-${stamp}/minimal`;
    const engine = createModuleEngine();
    const kc = new KubeConfig();
    let api: KubernetesObjectApi;
    const opts = { timeoutMs: 180_000 };

    /** Pushes the example as `version`; the digest timoni printed. */
    const push = async (version: string) => {
      const res = await runTimoni([
        'mod',
        'push',
        EXAMPLE,
        repo,
        '-v',
        version,
        '--latest=false',
        '--registry-insecure',
        '-o',
        'json',
      ]);
      const out = JSON.parse(res.stdout) as { digest: string };
      expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      return out.digest;
    };
    const record = async () =>
      (await engine.status(name, ns, kc)).instance.module;

    beforeAll(() => {
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
    });
    afterAll(async () => {
      await api
        .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
        .catch(() => undefined);
    });

    let pushed = '';
    it('renders the pushed artifact like `timoni build` of it', async () => {
      pushed = await push('1.2.3');
      const theirs = await timoniBuild([
        name,
        repo,
        '-v',
        '1.2.3',
        '-n',
        ns,
        '--registry-insecure',
      ]);
      // timoni v0.32.0's build leaves the module version at 0.0.0-devel (cmd/timoni/build.go does
      // not call SetVersionInfo; apply.go does): given that version, the objects are the same
      const asBuilt = await engine.render({
        source: `${repo}:1.2.3`,
        name,
        namespace: ns,
        moduleVersion: '0.0.0-devel',
      });
      expect(asBuilt.objects).toEqual(theirs);
      // by default Periscope renders the pulled version, as `timoni apply` does (next test)
      const ours = await engine.render({
        source: `${repo}:1.2.3`,
        name,
        namespace: ns,
      });
      expect(
        ours.objects.map(o => o.metadata.labels?.['app.kubernetes.io/version']),
      ).toEqual(ours.objects.map(() => '1.2.3'));
    });

    it('deploys it by tag, then a newer push by digest, recording what timoni pushed', async () => {
      const tagged = await engine.apply(
        { source: `${repo}:1.2.3`, name, namespace: ns },
        kc,
        opts,
      );
      expect(tagged.result.revision).toBe(1);
      expect(await record()).toEqual({
        name: 'timoni.sh/minimal',
        repository: repo,
        version: '1.2.3',
        digest: pushed,
      });

      const digest = await push('1.3.0');
      const pinned = await engine.apply(
        { source: `${repo}@${digest}`, name, namespace: ns },
        kc,
        opts,
      );
      expect(pinned.result.revision).toBe(2);
      expect(await record()).toMatchObject({
        repository: repo,
        version: '1.3.0',
        digest,
      });
      // timoni reads the instance Periscope stored: the module, its version and digest
      const list = (await runTimoni(['list', '-n', ns])).stdout;
      expect(list).toMatch(
        new RegExp(`^${name}\\s+${esc(repo)}\\s+1\\.3\\.0\\s`, 'm'),
      );
      const status = await runTimoni([
        'status',
        name,
        '-n',
        ns,
        '--log-color=false',
      ]);
      expect(`${status.stdout}${status.stderr}`).toContain(`digest ${digest}`);

      // timoni applies the same artifact over it: Periscope then sees nothing to change, so what
      // it deployed by digest is what `timoni apply` deploys (module version labels included)
      await runTimoni([
        'apply',
        name,
        repo,
        '-v',
        '1.3.0',
        '-n',
        ns,
        '--registry-insecure',
        '--timeout',
        '3m',
      ]);
      const after = await engine.diff(
        { source: `${repo}@${digest}`, name, namespace: ns },
        kc,
      );
      expect(after.diff.filter(x => x.action !== 'unchanged')).toEqual([]);
      expect(after.diff).toHaveLength(4);
    });
  },
);

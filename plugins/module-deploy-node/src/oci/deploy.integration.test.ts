/**
 * A module pushed by Periscope to a real OCI registry (Debian's docker-registry on loopback,
 * PERISCOPE_REGISTRY_URL) deployed by tag, then by digest, to the real local control plane
 * (PERISCOPE_KUBECONFIG). Skipped, with the reason printed, when either or cue is missing.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { createModuleEngine } from '../engine';
import { pushModule } from './push';
import { decodeInstanceSecret } from '../cluster/instanceSecret';
import {
  TIMONI_CORPUS,
  cueForTests,
  timoniCorpus,
} from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(600_000);

const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
const registry = process.env.PERISCOPE_REGISTRY_URL;
const cue = cueForTests();
const d = describeIf({ kubeconfig, registry, cue, corpora: TIMONI_CORPUS });

d('deploy a module from a real OCI registry', () => {
  const run = Date.now().toString(36);
  const ns = `periscope-h4-${run}`;
  const name = 'web';
  const host = (registry ?? '')
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  const repo = `oci://${host}/periscope-h4-${run}/minimal`;
  const engine = createModuleEngine();
  const kc = new KubeConfig();
  let api: KubernetesObjectApi;
  const opts = { timeoutMs: 180_000, pollMs: 1000 };

  beforeAll(() => {
    kc.loadFromFile(kubeconfig as string);
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  afterAll(async () => {
    await api
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
  });

  const record = async () => {
    const secret = (await api.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `timoni.${name}`, namespace: ns },
    })) as unknown;
    return decodeInstanceSecret(secret as never);
  };

  it('deploys by tag, then by digest, recording the verified digest', async () => {
    const v1 = await pushModule(timoniCorpus('modules', 'minimal'), repo, {
      version: '0.5.0',
    });
    const byTag = await engine.apply(
      { source: `${repo}:0.5.0`, name, namespace: ns },
      kc,
      opts,
    );
    expect(byTag.result.revision).toBe(1);
    expect(byTag.result.applied).toHaveLength(4);
    expect((await record()).module).toMatchObject({
      name: 'timoni.sh/minimal',
      repository: repo,
      version: '0.5.0',
      digest: v1.digest,
    });

    const v2 = await pushModule(timoniCorpus('modules', 'minimal'), repo, {
      version: '0.6.0',
    });
    const byDigest = await engine.apply(
      { source: v2.url, name, namespace: ns },
      kc,
      opts,
    );
    expect(byDigest.result.revision).toBe(2);
    expect((await record()).module).toMatchObject({
      repository: repo,
      version: '0.6.0',
      digest: v2.digest,
    });
    const deployment = (await api.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
    })) as unknown as { metadata: { labels: Record<string, string> } };
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(
      '0.6.0',
    );
  });

  it('refuses to deploy a digest the registry does not have', async () => {
    await expect(
      engine.apply(
        { source: `${repo}@sha256:${'0'.repeat(64)}`, name, namespace: ns },
        kc,
        opts,
      ),
    ).rejects.toThrow(/not found in the registry/);
  });
});

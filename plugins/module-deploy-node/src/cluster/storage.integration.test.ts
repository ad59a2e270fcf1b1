/**
 * The revision history under concurrent writers, against the real local control plane:
 * PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig). Skipped, with the reason printed, when it
 * is unset.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { describeIf } from '@periscope/test-utils';
import { Revision, historySecretName } from './revisionHistory';
import { InstanceStore } from './storage';
import { kubeconfigForTests } from '../__testUtils__/environment';

jest.setTimeout(120_000);

const kubeconfig = kubeconfigForTests();

describeIf({ kubeconfig })(
  'revision history on the local control plane (concurrent writers)',
  () => {
    const ns = `periscope-rev-${Date.now().toString(36)}`;
    let api: KubernetesObjectApi;
    const rev = (i: number): Omit<Revision, 'revision'> => ({
      appliedAt: new Date().toISOString(),
      action: 'apply',
      module: {
        name: 'm',
        repository: 'oci://r/m',
        version: `1.0.${i}`,
        digest: '',
      },
      values: { writer: i },
      valuesCue: `{ writer: ${i} }`,
      inventory: [],
      images: [],
      sets: [],
    });

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
      api = KubernetesObjectApi.makeApiClient(kc);
      await api.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
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

    it('records 10 revisions from two stores at once: 10 distinct consecutive numbers, all kept', async () => {
      // two stores with their own clients: two backend replicas on one cluster
      const replicas = [0, 1].map(() => {
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfig as string);
        return new InstanceStore(
          KubernetesObjectApi.makeApiClient(kc),
          'periscope',
        );
      });
      const got = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          replicas[i % 2].record('web', ns, rev(i)),
        ),
      );
      const numbers = got.map(r => r.revision).sort((a, b) => a - b);
      expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const history = await replicas[0].history('web', ns);
      expect(history.map(r => r.revision)).toEqual(numbers);
      // every writer's values are under the number it was given
      for (const r of got)
        expect(history.find(h => h.revision === r.revision)?.values).toEqual(
          r.values,
        );
      expect(new Set(history.map(h => h.values.writer)).size).toBe(10);

      // the next record continues the sequence
      expect((await replicas[1].record('web', ns, rev(10))).revision).toBe(11);
      const secret = (await api.read({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: historySecretName('web'), namespace: ns },
      })) as any;
      expect(secret.type).toBe('periscope/instance-history');
    });
  },
);

/**
 * Set-up and clean-up of the objects a live test creates on the local control plane (test code
 * only; not exported by the package).
 */
import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
// test code only (imported by *.test.ts files), so a dev dependency is right
// eslint-disable-next-line @backstage/no-undeclared-imports
import { describeIf } from '@periscope/test-utils';

/** The objects whose deletion removes the rest: namespaces, and cluster-scoped objects of the test. */
const removable = (objects: KubernetesObject[]) =>
  [...objects]
    .reverse()
    .filter(o => o.kind === 'Namespace' || !o.metadata?.namespace);

/** Deletes what an earlier run of the test may have left. */
export async function removeTestObjects(
  api: KubernetesObjectApi,
  objects: KubernetesObject[],
): Promise<void> {
  for (const o of removable(objects)) {
    await api
      .delete(o as KubernetesObject & { metadata: { name: string } })
      .catch(() => undefined);
  }
}

/**
 * Removes what an earlier run left, waits until its namespaces are gone (a namespace being
 * deleted refuses new objects), and creates the objects in order.
 */
export async function recreateTestObjects(
  api: KubernetesObjectApi,
  objects: KubernetesObject[],
): Promise<void> {
  await removeTestObjects(api, objects);
  for (const ns of objects.filter(o => o.kind === 'Namespace')) {
    const ref = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.metadata?.name ?? '' },
    };
    for (let i = 0; i < 60; i++) {
      const gone = await api.read(ref).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await new Promise(r => setTimeout(r, 1_000));
    }
  }
  for (const o of objects) await api.create(o);
}

/**
 * In a live test's `describe`: loads the kubeconfig and creates the objects before its tests
 * (see {@link recreateTestObjects}), removes them after. Returns the loaded kubeconfig's holder.
 */
export function useTestObjects(
  kubeconfigPath: string,
  objects: KubernetesObject[],
): { kc: KubeConfig } {
  const holder = { kc: new KubeConfig() };
  let api: KubernetesObjectApi | undefined;
  beforeAll(async () => {
    holder.kc.loadFromFile(kubeconfigPath);
    api = KubernetesObjectApi.makeApiClient(holder.kc);
    await recreateTestObjects(api, objects);
  }, 120_000);
  afterAll(async () => {
    if (api) await removeTestObjects(api, objects);
  });
  return holder;
}

/**
 * A `describe` that runs against the local control plane (PERISCOPE_KUBECONFIG) with these
 * objects created, or is skipped, saying so, when no kubeconfig is given.
 */
export function describeWithObjects(
  name: string,
  objects: KubernetesObject[],
  body: (live: { kc: KubeConfig }) => void,
): void {
  const kubeconfig = process.env.PERISCOPE_KUBECONFIG;
  // eslint-disable-next-line jest/valid-describe-callback
  describeIf({ kubeconfig })(name, () =>
    body(
      kubeconfig
        ? useTestObjects(kubeconfig, objects)
        : { kc: new KubeConfig() },
    ),
  );
}

/**
 * Two scans of the whole cluster to compare: scanned again (up to 3 times) while their findings
 * differ, since other suites change the shared cluster meanwhile; the last pair is returned.
 */
export async function scanPair<T>(
  first: () => Promise<T>,
  second: () => Promise<T>,
  key: (s: T) => unknown,
): Promise<[T, T]> {
  let pair: [T, T] = [await first(), await second()];
  for (
    let attempt = 1;
    attempt < 3 &&
    JSON.stringify(key(pair[0])) !== JSON.stringify(key(pair[1]));
    attempt++
  ) {
    pair = [await first(), await second()];
  }
  return pair;
}

/** The namespaces `./scripts/cluster seed` makes (scenarios, real node, operator): stable while tests run. */
export const SEEDED_NAMESPACES = [
  'default',
  'k8sgpt-operator-system',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'real-node',
  'security',
  'shop',
];

/**
 * Keeps the finding lines (`Kind namespace/name…` or `Kind name…`) of cluster-scoped objects and
 * of objects in the seeded namespaces or in `own`: other suites create and delete namespaces of
 * their own while a whole-cluster comparison runs, so those are left out of it.
 */
export function inStableNamespaces(lines: string[], own: string[]): string[] {
  const keep = new Set([...SEEDED_NAMESPACES, ...own]);
  return lines.filter(line => {
    const name = line.split(' ')[1] ?? '';
    const slash = name.indexOf('/');
    return slash < 0 || keep.has(name.slice(0, slash));
  });
}

import { join } from 'node:path';
import { loadBundle } from './bundle';
import {
  RuntimeSpec,
  clusterRuntimeValues,
  defaultRuntimeCluster,
  loadRuntime,
  selectRuntimeClusters,
} from './runtime';
import { cueForTests } from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(120_000);

const cue = cueForTests();
const withCue = describeIf({ cue });
const bundles = join(__dirname, '..', '__fixtures__', 'bundles');

const fleet: RuntimeSpec = {
  name: 'fleet',
  clusters: [
    { name: 'preview-eu-1', group: 'staging', kubeContext: 'eks-eu-west-2' },
    { name: 'preview-us-1', group: 'staging', kubeContext: 'eks-us-west-2' },
    { name: 'prod-eu-1', group: 'production', kubeContext: 'eks-eu-west-1' },
  ],
  values: [],
};
const names = (rt: RuntimeSpec | undefined, f = {}, ctx?: string) =>
  selectRuntimeClusters(rt, f, ctx).map(c => c.name);

describe('runtime cluster selection (Timoni SelectClusters)', () => {
  it('keeps the runtime order and filters by name and group, case-insensitively', () => {
    expect(names(fleet)).toEqual(['preview-eu-1', 'preview-us-1', 'prod-eu-1']);
    expect(names(fleet, { cluster: '*', group: '*' })).toHaveLength(3);
    expect(names(fleet, { group: 'Staging' })).toEqual([
      'preview-eu-1',
      'preview-us-1',
    ]);
    expect(names(fleet, { cluster: 'PROD-eu-1' })).toEqual(['prod-eu-1']);
    expect(() =>
      names(fleet, { cluster: 'prod-eu-1', group: 'staging' }),
    ).toThrow("--runtime-cluster 'prod-eu-1' and --runtime-group 'staging'");
  });

  it('targets the default cluster (the --context given) without runtime clusters', () => {
    expect(selectRuntimeClusters(undefined, {}, 'ctx')).toEqual([
      defaultRuntimeCluster('ctx'),
    ]);
    expect(
      selectRuntimeClusters({ ...fleet, clusters: [] }, { group: '*' }),
    ).toEqual([{ name: '_default', group: '_default', kubeContext: '' }]);
  });

  it('names the clusters when no cluster matches', () => {
    expect(() => selectRuntimeClusters(fleet, { group: 'dev' })).toThrow(
      "no cluster found: --runtime-cluster '*' and --runtime-group 'dev' match none of the clusters of runtime fleet: preview-eu-1 (group staging), preview-us-1 (group staging), prod-eu-1 (group production)",
    );
    expect(() => selectRuntimeClusters(undefined, { cluster: 'prod' })).toThrow(
      'no runtime file defines runtime.clusters, so the only cluster is the default one (drop the filters)',
    );
  });

  it('adds TIMONI_CLUSTER_NAME and TIMONI_CLUSTER_GROUP, except for the default cluster', () => {
    expect(clusterRuntimeValues(fleet.clusters[2])).toEqual({
      TIMONI_CLUSTER_NAME: 'prod-eu-1',
      TIMONI_CLUSTER_GROUP: 'production',
    });
    expect(clusterRuntimeValues(defaultRuntimeCluster('ctx'))).toEqual({});
  });
});

withCue('runtime clusters with the real cue', () => {
  const cueBin = cue as string;

  it('parses clusters in declaration order', async () => {
    const rt = await loadRuntime(cueBin, [join(bundles, 'fleet_runtime.cue')]);
    expect(rt.clusters).toEqual([
      { name: 'staging-1', group: 'staging', kubeContext: 'CONTEXT_A' },
      { name: 'prod-1', group: 'production', kubeContext: 'CONTEXT_B' },
    ]);
  });

  it('builds a different bundle per cluster from the cluster name and group', async () => {
    const [staging, prod] = await Promise.all(
      fleet.clusters
        .filter(c => c.name !== 'preview-us-1')
        .map(c =>
          loadBundle({
            cueBin,
            files: [join(bundles, 'fleet.cue')],
            runtimeValues: clusterRuntimeValues(c),
          }),
        ),
    );
    expect(staging.instances[0]).toMatchObject({
      namespace: 'periscope-h5-preview-eu-1',
      values: { message: 'hosted by preview-eu-1', region: 'staging' },
    });
    expect(staging.instances[0].values.password).toBeUndefined();
    expect(prod.instances[0]).toMatchObject({
      namespace: 'periscope-h5-prod-eu-1',
      values: { region: 'production', password: 'prod-only' },
    });
  });

  it('names the cluster values a multi-cluster bundle misses without a runtime', async () => {
    await expect(
      loadBundle({ cueBin, files: [join(bundles, 'fleet.cue')] }),
    ).rejects.toThrow(
      'runtime values not provided: TIMONI_CLUSTER_NAME, TIMONI_CLUSTER_GROUP',
    );
  });
});

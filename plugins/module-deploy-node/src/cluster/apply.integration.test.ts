/**
 * Against the real local control plane: PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig).
 * Skipped, with the reason printed, when it is unset or cue is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { DeployEvent } from '@periscope/backstage-plugin-module-deploy-common';
import { CueEvaluationError } from '../cue/runner';
import { createModuleEngine } from '../engine';
import { DeployError } from '../errors';
import { INSTANCE_SECRET_TYPE, decodeInstanceSecret } from './instanceSecret';
import {
  TIMONI_CORPUS,
  cueForTests,
  kubeconfigForTests,
  timoniCorpus,
} from '../__testUtils__/environment';
import { findTool } from '../tools';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(600_000);

const kubeconfig = kubeconfigForTests();
const cue = cueForTests();
const d = describeIf({ kubeconfig, cue, corpora: TIMONI_CORPUS });

d('module deploy against the local control plane', () => {
  const ns = `periscope-it-${Date.now().toString(36)}`;
  const name = 'web';
  const source = timoniCorpus('modules', 'minimal');
  const engine = createModuleEngine();
  const kc = new KubeConfig();
  let api: KubernetesObjectApi;
  const events: DeployEvent[] = [];
  const opts = {
    timeoutMs: 180_000,
    pollMs: 1000,
    onEvent: (e: DeployEvent) => events.push(e),
  };

  beforeAll(() => {
    kc.loadFromFile(kubeconfig as string);
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  afterAll(async () => {
    await api
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
  });

  const deployment = async () =>
    (await api.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
    })) as unknown as { spec: { replicas: number } };

  it('diffs a new instance as all-create, then applies it and stores it like Timoni', async () => {
    const { diff } = await engine.diff({ source, name, namespace: ns }, kc);
    expect(diff.map(x => x.action)).toEqual([
      'create',
      'create',
      'create',
      'create',
    ]);

    const { render, result } = await engine.apply(
      { source, name, namespace: ns },
      kc,
      opts,
    );
    expect(result.revision).toBe(1);
    expect(result.applied).toHaveLength(4);
    expect(
      events.some(
        e => e.phase === 'wait' && e.object === `Deployment/${ns}/${name}`,
      ),
    ).toBe(true);

    const secret = (await api.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `timoni.${name}`, namespace: ns },
    })) as unknown as {
      type: string;
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(secret.type).toBe(INSTANCE_SECRET_TYPE);
    expect(secret.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/component': 'instance',
      'app.kubernetes.io/created-by': 'timoni',
    });
    const record = decodeInstanceSecret(secret as never);
    expect(record.module.name).toBe('timoni.sh/minimal');
    expect(record.inventory?.entries.map(e => e.id).sort()).toEqual(
      render.objects
        .map(
          o =>
            `${ns}_${o.metadata.name}_${
              o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''
            }_${o.kind}`,
        )
        .sort(),
    );
    const listed = await engine.list(ns, kc);
    expect(listed.map(i => i.metadata.name)).toEqual([name]);
  });

  const timoni = findTool('timoni');
  describeIf({ timoni })('with the timoni binary', () => {
    it('is seen by timoni list / status', () => {
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      expect(
        execFileSync(timoni!, ['list', '-n', ns], { env }).toString(),
      ).toContain(name);
      // timoni logs the status of each object to stderr
      const status = spawnSync(
        timoni!,
        ['status', name, '-n', ns, '--log-color=false'],
        { env },
      );
      expect(status.status).toBe(0);
      expect(`${status.stdout}${status.stderr}`).toMatch(
        new RegExp(`Deployment/${ns}/${name}\\b.*Current`),
      );
    });
  });

  it('shows a changed value as a per-field diff, then applies it and prunes what left', async () => {
    const values = [{ replicas: 2, message: 'changed' }];
    const { diff } = await engine.diff(
      { source, name, namespace: ns, values },
      kc,
    );
    const dep = diff.find(x => x.ref === `Deployment/${ns}/${name}`);
    expect(dep?.action).toBe('change');
    expect(dep?.changes).toContainEqual({
      path: 'spec.replicas',
      op: 'change',
      before: 1,
      after: 2,
    });
    // the ConfigMap name carries a content hash: a new one is created, the old one pruned
    expect(diff.filter(x => x.action === 'prune').map(x => x.ref)).toEqual([
      expect.stringMatching(new RegExp(`^ConfigMap/${ns}/${name}-`)),
    ]);

    const { result } = await engine.apply(
      { source, name, namespace: ns, values },
      kc,
      opts,
    );
    expect(result.revision).toBe(2);
    expect(result.pruned).toHaveLength(1);
    expect((await deployment()).spec.replicas).toBe(2);
  });

  it('changes nothing when the values are invalid', async () => {
    const before = await engine.status(name, ns, kc);
    await expect(
      engine.apply(
        { source, name, namespace: ns, values: [{ replicas: 0 }] },
        kc,
        opts,
      ),
    ).rejects.toBeInstanceOf(CueEvaluationError);
    expect((await deployment()).spec.replicas).toBe(2);
    expect((await engine.history(name, ns, kc)).length).toBe(2);
    expect(
      (await engine.status(name, ns, kc)).instance.lastTransitionTime,
    ).toBe(before.instance.lastTransitionTime);
  });

  it('stops on a field conflict naming the object when ownership is not forced', async () => {
    await api.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns },
        spec: { replicas: 5 },
      } as never,
      undefined,
      undefined,
      'intruder',
      true,
      PatchStrategy.ServerSideApply,
    );
    const err = await engine
      .apply(
        {
          source,
          name,
          namespace: ns,
          values: [{ replicas: 2, message: 'changed' }],
        },
        kc,
        { ...opts, force: false },
      )
      .catch(e => e);
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).reason).toBe('conflict');
    expect((err as DeployError).object).toBe(`Deployment/${ns}/${name}`);
    // forced (the default, as Timoni) takes the field back
    const { result } = await engine.apply(
      {
        source,
        name,
        namespace: ns,
        values: [{ replicas: 2, message: 'changed' }],
      },
      kc,
      opts,
    );
    expect(result.revision).toBe(3);
    expect((await deployment()).spec.replicas).toBe(2);
  });

  it('rolls back to the previous revision', async () => {
    const res = await engine.rollback(name, ns, 1, kc, opts);
    expect(res.revision).toBe(4);
    expect((await deployment()).spec.replicas).toBe(1);
    const hist = await engine.history(name, ns, kc);
    expect(hist.map(h => h.action)).toEqual([
      'apply',
      'apply',
      'apply',
      'rollback',
    ]);
    const status = await engine.status(name, ns, kc);
    expect(status.objects.every(o => o.state === 'ready')).toBe(true);
  });

  it('deletes the instance objects and record', async () => {
    const deleted = await engine.delete(name, ns, kc);
    expect(deleted).toHaveLength(4);
    await expect(engine.status(name, ns, kc)).rejects.toThrow(/not found/);
    await expect(
      api.read({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: ns },
      }),
    ).rejects.toMatchObject({ code: 404 });
  });
});

/**
 * Server-side apply sends the rendered JSON unchanged (client-node's typed models would drop CRD
 * schema extensions and custom-resource fields). Against the local control plane:
 * PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig). Skipped, with the reason printed, otherwise.
 */
import { join } from 'node:path';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { createModuleEngine } from '../engine';
import { RawObjectApi } from './kubeApi';
import { cueForTests, kubeconfigForTests } from '../__testUtils__/environment';
import { describeIf } from '@periscope/test-utils';

jest.setTimeout(300_000);

const kubeconfig = kubeconfigForTests();
const cue = cueForTests();
const d = describeIf({ kubeconfig, cue });

type Json = Record<string, any>;

d('server-side apply keeps every field of CRDs and custom resources', () => {
  const id = Date.now().toString(36);
  const ns = `periscope-h3-crd-${id}`;
  const group = `h3-${id}.fixtures.periscope.dev`;
  const name = 'svc';
  const source = join(__dirname, '..', '__fixtures__', 'crd-module');
  const values = [{ group, size: 'large' }];
  const engine = createModuleEngine();
  const kc = new KubeConfig();
  let raw: RawObjectApi;

  beforeAll(() => {
    kc.loadFromFile(kubeconfig as string);
    raw = RawObjectApi.fromKubeConfig(kc);
  });
  afterAll(async () => {
    await engine.delete(name, ns, kc).catch(() => undefined);
    for (const o of [
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `services.${group}` },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    ])
      await raw.delete(o).catch(() => undefined);
  });

  const readCrd = async () =>
    (await raw.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `services.${group}` },
    })) as unknown as Json;
  const readCr = async () =>
    (await raw.read({
      apiVersion: `${group}/v1`,
      kind: 'Service',
      metadata: { name, namespace: ns },
    })) as unknown as Json;

  it('applies the CRD schema and the custom resource exactly as rendered', async () => {
    const { result } = await engine.apply(
      { source, name, namespace: ns, values },
      kc,
      { timeoutMs: 120_000, pollMs: 500 },
    );
    expect(result.applied).toEqual([
      `CustomResourceDefinition/services.${group}`,
      `Service/${ns}/${name}`,
    ]);

    const props = (await readCrd()).spec.versions[0].schema.openAPIV3Schema
      .properties.spec.properties;
    expect(props.size).toEqual({
      type: 'string',
      enum: ['small', 'large'],
      default: 'small',
    });
    expect(props.port).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(props.replicas).toEqual({ type: 'integer', default: 1 });
    expect(props.extra).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(props.selector['x-kubernetes-map-type']).toBe('atomic');

    expect((await readCr()).spec).toEqual({
      size: 'large',
      port: 'http',
      replicas: 3,
      extra: { nested: { anything: ['a', 1, true] } },
      'x-custom-field': 'kept',
      selector: { matchLabels: { app: name } },
    });
  });

  it('diffs the applied release as unchanged (the dry run sees the same JSON)', async () => {
    const { diff } = await engine.diff(
      { source, name, namespace: ns, values },
      kc,
    );
    expect(diff.map(x => `${x.ref} ${x.action}`)).toEqual([
      `CustomResourceDefinition/services.${group} unchanged`,
      `Service/${ns}/${name} unchanged`,
    ]);
  });

  it('is the bug it fixes: the typed client drops those fields', async () => {
    // The same kind of object through client-node's KubernetesObjectApi: its typed model (V1Service,
    // picked by version and kind alone) has no such spec field, so the change never reaches the server.
    const typed = KubernetesObjectApi.makeApiClient(kc);
    const cr = (v: string) => ({
      apiVersion: `${group}/v1`,
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { 'x-custom-field': v },
    });
    await typed.patch(
      cr('typed'),
      undefined,
      undefined,
      'client-node-typed',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((await readCr()).spec['x-custom-field']).toBe('kept');
    const viaRaw = (await raw.patch(
      cr('raw'),
      undefined,
      'All',
      'client-node-raw',
      true,
      PatchStrategy.ServerSideApply,
    )) as unknown as Json;
    expect(viaRaw.spec['x-custom-field']).toBe('raw');
  });

  it('names the object when the API server refuses it', async () => {
    const err = await raw
      .patch(
        {
          apiVersion: `${group}/v1`,
          kind: 'Service',
          metadata: { name, namespace: ns },
          spec: { size: 'medium' },
        },
        undefined,
        'All',
        'periscope-test',
        true,
        PatchStrategy.ServerSideApply,
      )
      .catch(e => e);
    expect(err.code).toBe(422);
    expect(JSON.stringify(err.body)).toMatch(/spec.size.*Unsupported value/);
  });
});

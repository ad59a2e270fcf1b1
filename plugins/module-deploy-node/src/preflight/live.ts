import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { KubeObject } from '@periscope/backstage-plugin-module-deploy-common';
import { RawObjectApi } from '../cluster/kubeApi';
import {
  PreflightLiveObjects,
  PreflightReport,
  preflightKinds,
  preflightWarnings,
} from './preflight';

function why(e: unknown): string {
  if (e instanceof ApiException) {
    if (e.code === 403) return 'listing it is forbidden for these credentials';
    if (e.code === 404) return 'the cluster does not serve this kind';
    const body = e.body as { message?: string } | undefined;
    return `the API server answered HTTP ${e.code}${
      body?.message ? `: ${body.message}` : ''
    }`;
  }
  return (e as Error)?.message ?? String(e);
}

/**
 * Reads what a preflight of `rendered` needs (see {@link preflightKinds}): one list per kind,
 * namespaced kinds in `namespace` only, with the credentials of `api`. A kind that cannot be
 * listed is reported in `unavailable`, not thrown; Secret values are dropped (only their keys
 * are checked).
 *
 * @public
 */
export async function readPreflightObjects(
  api: RawObjectApi,
  namespace: string,
  rendered: KubeObject[],
): Promise<PreflightLiveObjects> {
  const out: PreflightLiveObjects = {
    objects: [],
    listed: [],
    unavailable: {},
  };
  await Promise.all(
    preflightKinds(rendered).map(async ({ apiVersion, kind, namespaced }) => {
      try {
        const list = await api.list<KubeObject & { apiVersion: string }>(
          apiVersion,
          kind,
          namespaced ? namespace : undefined,
        );
        out.listed.push(kind);
        for (const item of list.items ?? []) {
          const o = { ...item, apiVersion, kind } as KubeObject &
            Record<string, unknown>;
          if (kind === 'Secret') {
            for (const field of ['data', 'stringData'])
              if (o[field] && typeof o[field] === 'object')
                o[field] = Object.fromEntries(
                  Object.keys(o[field] as object).map(k => [k, '']),
                );
          }
          out.objects.push(o);
        }
      } catch (e) {
        out.unavailable[kind] = why(e);
      }
    }),
  );
  out.listed.sort();
  return out;
}

/**
 * The preflight against a cluster: reads the target namespace (and the cluster-scoped kinds the
 * checks need) with the credentials of `kc`, then {@link preflightWarnings}.
 *
 * @public
 */
export async function runPreflight(
  kc: KubeConfig | RawObjectApi,
  input: {
    rendered: KubeObject[];
    namespace: string;
    instanceName?: string;
    block?: readonly string[];
  },
): Promise<PreflightReport> {
  const api = kc instanceof KubeConfig ? RawObjectApi.fromKubeConfig(kc) : kc;
  const live = await readPreflightObjects(api, input.namespace, input.rendered);
  return preflightWarnings({ ...input, live });
}

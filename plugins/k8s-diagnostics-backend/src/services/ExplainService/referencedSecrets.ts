/**
 * `k8sDiagnostics.ai.maskReferencedSecrets`: at explain time, the values of the Secrets that a
 * finding's pod (or its owners' pod templates) references, read from the finding's cluster with
 * the cluster's credentials, to be masked as exact strings before anything leaves for an LLM.
 *
 * The values live in memory for one explanation only (in the masker's table): they are never
 * stored, logged or returned, and no error message built here repeats a response body. Warnings
 * name Secrets (namespace/name), which the reader of the finding may see anyway, never values.
 */
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  apiPrefix,
  ClusterRequestError,
  createKubeHttp,
  KubeHttp,
  RESOURCES,
} from '@periscope/backstage-plugin-k8s-diagnostics-node';
import {
  ClusterCredentialError,
  ClusterSource,
  kubeConfigFor,
} from '@periscope/kube-access';
import { StoredFinding } from '../FindingsStore';

/** A Secret a pod spec references, and which of its keys (`all`: envFrom, or a volume without items). */
export interface SecretReference {
  name: string;
  keys: Set<string> | 'all';
}

/** Kinds whose object carries a pod spec (their own, or a pod template). */
const POD_SPEC_KINDS = new Set([
  'Pod',
  'ReplicaSet',
  'ReplicationController',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
]);

/** Values shorter than this are too common to mask usefully (as for literal env values). */
export const MIN_SECRET_LITERAL = 4;

type Json = any;

/** The pod spec of a Pod, or the pod template's spec of a workload. */
function podSpecOf(obj: Json): Json {
  const spec = obj?.spec;
  return (
    spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec ?? spec
  );
}

/**
 * The Secrets that the pod specs of `objects` reference: `env[].valueFrom.secretKeyRef` (that key),
 * `envFrom[].secretRef` (every key), `volumes[].secret` and projected `sources[].secret` (their
 * `items`' keys, or every key). All of them live in the pod's namespace.
 */
export function secretReferences(objects: Json[]): SecretReference[] {
  const refs = new Map<string, SecretReference>();
  const add = (name: unknown, keys: string[] | 'all') => {
    if (typeof name !== 'string' || !name) return;
    const ref = refs.get(name) ?? { name, keys: new Set<string>() };
    refs.set(name, ref);
    if (keys === 'all' || ref.keys === 'all') ref.keys = 'all';
    else keys.forEach(k => (ref.keys as Set<string>).add(k));
  };
  const itemKeys = (items: unknown): string[] | 'all' =>
    Array.isArray(items) && items.length > 0
      ? items.map(i => i?.key).filter((k): k is string => typeof k === 'string')
      : 'all';
  for (const obj of objects) {
    const pod = podSpecOf(obj);
    for (const c of [
      ...(pod?.containers ?? []),
      ...(pod?.initContainers ?? []),
      ...(pod?.ephemeralContainers ?? []),
    ]) {
      for (const e of c?.env ?? []) {
        const ref = e?.valueFrom?.secretKeyRef;
        if (typeof ref?.key === 'string') add(ref.name, [ref.key]);
      }
      for (const e of c?.envFrom ?? []) add(e?.secretRef?.name, 'all');
    }
    for (const v of pod?.volumes ?? []) {
      if (v?.secret) add(v.secret.secretName, itemKeys(v.secret.items));
      for (const s of v?.projected?.sources ?? [])
        if (s?.secret) add(s.secret.name, itemKeys(s.secret.items));
    }
  }
  return [...refs.values()];
}

/**
 * The strings to mask for a Secret's `data` (base64 values as the API returns them), restricted
 * to `keys`: each value decoded and trimmed (a value written with `echo | base64` ends in a
 * newline a log line does not show), each line of a multi-line value and the value of each of its
 * `key=value` / `key: value` lines (a config file or a key is often logged a line or a setting at
 * a time), and the base64 form itself (what `kubectl get secret -o yaml`
 * and a misconfigured app print; random-looking, so it cannot hit ordinary words). Binary values
 * are masked in their base64 form only. Strings shorter than {@link MIN_SECRET_LITERAL} are left out.
 */
export function secretLiterals(
  data: unknown,
  keys: Set<string> | 'all',
): string[] {
  const out = new Set<string>();
  const add = (s: string) => {
    const v = s.trim();
    if (v.length >= MIN_SECRET_LITERAL) out.add(v);
  };
  if (!data || typeof data !== 'object') return [];
  for (const [key, encoded] of Object.entries(
    data as Record<string, unknown>,
  )) {
    if ((keys !== 'all' && !keys.has(key)) || typeof encoded !== 'string')
      continue;
    const raw = Buffer.from(encoded, 'base64');
    const text = raw.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(raw)) {
      add(text);
      if (/[\r\n]/.test(text.trim())) {
        for (const line of text.split(/\r?\n|\r/)) {
          add(line);
          // `key=value` / `key: value` of a config file: the value is what a log line shows
          const setting = /^\s*[\w.-]+\s*[:=]\s*(.*)$/.exec(line);
          if (setting) add(setting[1].trim().replace(/^(["'])(.*)\1$/, '$2'));
        }
      }
    }
    add(encoded);
  }
  return [...out];
}

/** What was read for one explanation: strings to mask, and why some could not be. */
export interface ReferencedSecrets {
  values: string[];
  warnings: string[];
}

const OFF_HINT = 'or turn off k8sDiagnostics.ai.maskReferencedSecrets';

/**
 * Why a request failed, in words that never repeat a response body (a 200 that is not JSON
 * would otherwise put part of a Secret into a message).
 */
function reasonOf(e: unknown, what: string, cluster: string): string {
  const status =
    e instanceof ClusterRequestError
      ? e.status
      : (e as { statusCode?: number })?.statusCode;
  const credential = (x: unknown) =>
    x instanceof ClusterCredentialError ||
    (x as Error)?.name === 'ClusterCredentialError';
  if (status === 403)
    return `the cluster identity may not get ${what}; grant get on ${what} ${OFF_HINT}`;
  if (
    status === 401 ||
    credential(e) ||
    credential((e as { cause?: unknown })?.cause)
  ) {
    return `cluster ${cluster} did not accept a credential for this request (a cluster with client-side auth needs the signed-in user's token); check its auth ${OFF_HINT}`;
  }
  if (status === 404)
    return `it does not exist in cluster ${cluster} (a running pod keeps the values it started with)`;
  const code = status
    ? `HTTP ${status}`
    : (e as { code?: string })?.code ?? (e as Error)?.name ?? 'error';
  return `cluster ${cluster} did not answer (${code}); try again ${OFF_HINT}`;
}

const path = (kind: string, namespace: string, name: string) => {
  const info = RESOURCES[kind];
  return `${apiPrefix(info)}/namespaces/${encodeURIComponent(namespace)}/${
    info.plural
  }/${encodeURIComponent(name)}`;
};

async function getJson(http: KubeHttp, p: string): Promise<Json> {
  try {
    return await http.getJson(p);
  } catch (e) {
    // a body that is not JSON: its parse error quotes it
    if (e instanceof SyntaxError)
      throw Object.assign(new Error('the answer was not JSON'), {
        code: 'NOT_JSON',
      });
    throw e;
  }
}

/**
 * Reads the Secrets that the finding's object and owner chain reference, in the finding's
 * cluster as `clusters` lists it for this request (the per-request user tokens included).
 */
export async function readReferencedSecrets(options: {
  clusters: ClusterSource;
  finding: StoredFinding;
  requestAuth?: KubernetesRequestAuth;
  timeoutMs: number;
}): Promise<ReferencedSecrets> {
  const { finding, timeoutMs } = options;
  const refs = [finding.object, ...finding.ownerChain].filter(
    r => POD_SPEC_KINDS.has(r.kind) && r.namespace,
  );
  if (refs.length === 0) return { values: [], warnings: [] };
  const namespace = refs[0].namespace!;
  const subject = `${finding.object.kind} ${
    finding.object.namespace ? `${finding.object.namespace}/` : ''
  }${finding.object.name}`;
  const unknown = (why: string) => ({
    values: [],
    warnings: [
      `the Secrets that ${subject} references are not known, their values were not masked by value: ${why}`,
    ],
  });

  let http: KubeHttp;
  try {
    const cluster = (
      await options.clusters.listClusters({ requestAuth: options.requestAuth })
    ).find(c => c.name === finding.cluster);
    if (!cluster)
      return unknown(`cluster ${finding.cluster} is no longer configured`);
    http = await createKubeHttp(kubeConfigFor(cluster), timeoutMs);
  } catch (e) {
    return unknown(reasonOf(e, 'secrets', finding.cluster));
  }

  // The live objects: the pod (if it still exists) and the templates it was made from.
  const read = await Promise.allSettled(
    refs.map(r => getJson(http, path(r.kind, r.namespace!, r.name))),
  );
  const objects = read.flatMap(r =>
    r.status === 'fulfilled' ? [r.value] : [],
  );
  if (objects.length === 0) {
    const failed = read.find(
      r => r.status === 'rejected',
    ) as PromiseRejectedResult;
    const status = (failed.reason as { status?: number })?.status;
    if (status === 404)
      return unknown(
        `${subject} and its owners no longer exist in cluster ${finding.cluster}; rescan`,
      );
    return unknown(
      reasonOf(failed.reason, RESOURCES[refs[0].kind].plural, finding.cluster),
    );
  }

  const secrets = secretReferences(objects);
  const answers = await Promise.allSettled(
    secrets.map(s => getJson(http, path('Secret', namespace, s.name))),
  );
  const values = new Set<string>();
  const failedBy = new Map<string, string[]>();
  answers.forEach((a, i) => {
    const name = `${namespace}/${secrets[i].name}`;
    if (a.status === 'fulfilled') {
      secretLiterals(a.value?.data, secrets[i].keys).forEach(v =>
        values.add(v),
      );
      return;
    }
    const why = reasonOf(a.reason, 'secrets', finding.cluster);
    failedBy.set(why, [...(failedBy.get(why) ?? []), name]);
  });
  const warnings = [...failedBy].map(
    ([why, names]) =>
      `values of Secret${names.length > 1 ? 's' : ''} ${names.join(
        ', ',
      )} were not masked by value: ${why}`,
  );
  return { values: [...values], warnings };
}

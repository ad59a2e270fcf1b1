/**
 * The objects a pod spec requires (ConfigMaps, Secrets, PersistentVolumeClaims, its
 * ServiceAccount) and which of them do not exist.
 */
import { MissingReference } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './clientTypes';
import { Json, objectPath, statusOf } from './evidenceReads';

interface SpecRef {
  kind: 'ConfigMap' | 'Secret' | 'ServiceAccount' | 'PersistentVolumeClaim';
  name: string;
  use: string;
}

/** The objects a pod spec requires (optional references left out). */
function specReferences(pod: Json): SpecRef[] {
  const spec = pod?.spec ?? {};
  const refs: SpecRef[] = [];
  for (const c of [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ]) {
    for (const e of c?.env ?? []) {
      const cm = e?.valueFrom?.configMapKeyRef;
      const s = e?.valueFrom?.secretKeyRef;
      if (cm?.name && !cm.optional)
        refs.push({
          kind: 'ConfigMap',
          name: cm.name,
          use: `env ${e.name} of container ${c.name}`,
        });
      if (s?.name && !s.optional)
        refs.push({
          kind: 'Secret',
          name: s.name,
          use: `env ${e.name} of container ${c.name}`,
        });
    }
    for (const e of c?.envFrom ?? []) {
      if (e?.configMapRef?.name && !e.configMapRef.optional)
        refs.push({
          kind: 'ConfigMap',
          name: e.configMapRef.name,
          use: `envFrom of container ${c.name}`,
        });
      if (e?.secretRef?.name && !e.secretRef.optional)
        refs.push({
          kind: 'Secret',
          name: e.secretRef.name,
          use: `envFrom of container ${c.name}`,
        });
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v?.configMap?.name && !v.configMap.optional)
      refs.push({
        kind: 'ConfigMap',
        name: v.configMap.name,
        use: `volume ${v.name}`,
      });
    if (v?.secret?.secretName && !v.secret.optional)
      refs.push({
        kind: 'Secret',
        name: v.secret.secretName,
        use: `volume ${v.name}`,
      });
    if (v?.persistentVolumeClaim?.claimName)
      refs.push({
        kind: 'PersistentVolumeClaim',
        name: v.persistentVolumeClaim.claimName,
        use: `volume ${v.name}`,
      });
  }
  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  if (sa && sa !== 'default')
    refs.push({ kind: 'ServiceAccount', name: sa, use: 'serviceAccountName' });
  const seen = new Set<string>();
  return refs.filter(r => {
    const k = `${r.kind}/${r.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** At most this many referenced objects are looked up for one pod. */
const MAX_REFERENCE_READS = 20;

/**
 * The required objects of `pod` that do not exist (at most MAX_REFERENCE_READS looked up);
 * kinds that cannot be read are a note.
 */
export async function missingReferences(
  http: KubeHttp,
  pod: Json,
  notes: string[],
): Promise<MissingReference[]> {
  const ns = pod?.metadata?.namespace;
  if (!ns) return [];
  const refs = specReferences(pod).slice(0, MAX_REFERENCE_READS);
  const missing: MissingReference[] = [];
  const unreadable = new Set<string>();
  await Promise.all(
    refs.map(async r => {
      try {
        await http.getJson(objectPath(r.kind, ns, r.name)!);
      } catch (e) {
        if (statusOf(e) === 404)
          missing.push({
            kind: r.kind,
            name: r.name,
            namespace: ns,
            use: r.use,
          });
        else unreadable.add(r.kind);
      }
    }),
  );
  if (unreadable.size)
    notes.push(
      `whether the referenced ${[...unreadable]
        .sort()
        .join(', ')} objects exist is not known (they could not be read)`,
    );
  return missing.sort((a, b) =>
    `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
  );
}

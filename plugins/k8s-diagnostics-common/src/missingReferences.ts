/**
 * Missing objects named in messages of the kubelet, the scheduler or a controller.
 */
import type { MissingReference } from './evidenceModel';

const KUBELET_MISSING: Array<{ re: RegExp; kind: string; key?: boolean }> = [
  { re: /\bconfigmaps? "([^"]+)" not found/i, kind: 'ConfigMap' },
  { re: /\bsecrets? "([^"]+)" not found/i, kind: 'Secret' },
  { re: /\bserviceaccounts? "([^"]+)" not found/i, kind: 'ServiceAccount' },
  {
    re: /\bpersistentvolumeclaims? "([^"]+)" not found/i,
    kind: 'PersistentVolumeClaim',
  },
  {
    re: /couldn't find key (\S+) in ConfigMap (?:([^/\s]+)\/)?(\S+)/,
    kind: 'ConfigMap',
    key: true,
  },
  {
    re: /couldn't find key (\S+) in Secret (?:([^/\s]+)\/)?(\S+)/,
    kind: 'Secret',
    key: true,
  },
];

/**
 * Missing objects that the kubelet, the scheduler or a controller names in a message
 * (`configmap "app-config" not found`, `couldn't find key password in Secret shop/db`).
 * @public
 */
export function missingReferencesIn(
  message: string,
  namespace?: string,
  use?: string,
): MissingReference[] {
  const out: MissingReference[] = [];
  for (const { re, kind, key } of KUBELET_MISSING) {
    const m = re.exec(message);
    if (!m) continue;
    const ref: MissingReference = key
      ? { kind, name: m[3], namespace: m[2] ?? namespace, key: m[1] }
      : { kind, name: m[1], ...(namespace ? { namespace } : {}) };
    out.push(use ? { ...ref, use } : ref);
  }
  return out;
}

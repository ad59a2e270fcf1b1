import { ObjectDiff } from '@periscope/backstage-plugin-module-deploy-common';

/**
 * Masking of Secret values in printed objects and diffs, as Timoni's `internal/mask` does for
 * `timoni build --mask-secrets`, `timoni bundle build --mask-secrets` and every `--diff`.
 */

/** What replaces a masked value (`mask.Value`). */
export const MASK = '***';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SECRET_FIELDS = ['data', 'stringData'];

type Obj = Record<string, unknown>;

function maskField(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return MASK;
  return Object.fromEntries(Object.keys(v).map(k => [k, MASK]));
}

/**
 * Timoni's `mask.SecretData`: a copy of a `v1` Secret with every `data` and `stringData` entry
 * replaced by `***` (a field that is not a map is masked whole) and the kubectl
 * last-applied-configuration annotation masked; any other object is returned as it is.
 *
 * @public
 */
export function maskSecretData<T extends object>(obj: T): T {
  const o = obj as Obj;
  if (o.kind !== 'Secret' || o.apiVersion !== 'v1') return obj;
  const out: Obj = { ...o };
  for (const f of SECRET_FIELDS) if (f in out) out[f] = maskField(out[f]);
  const meta = out.metadata as Obj | undefined;
  const ann = meta?.annotations as Record<string, string> | undefined;
  if (ann && LAST_APPLIED in ann)
    out.metadata = { ...meta, annotations: { ...ann, [LAST_APPLIED]: MASK } };
  return out as T;
}

function secretPath(path: string): boolean {
  return (
    SECRET_FIELDS.some(
      f => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`),
    ) || path.includes(LAST_APPLIED)
  );
}

/**
 * A diff with the before/after values of a Secret's `data`, `stringData` and last-applied
 * annotation replaced by `***` (Timoni masks them in every `--diff`). Other objects are returned
 * as they are.
 *
 * @public
 */
export function maskSecretDiff(d: ObjectDiff): ObjectDiff {
  if (!d.ref.startsWith('Secret/') || d.apiVersion !== 'v1') return d;
  return {
    ...d,
    changes: d.changes.map(c =>
      secretPath(c.path)
        ? {
            ...c,
            ...(c.before !== undefined ? { before: MASK } : {}),
            ...(c.after !== undefined ? { after: MASK } : {}),
          }
        : c,
    ),
  };
}

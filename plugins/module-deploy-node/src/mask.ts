import {
  SECRET_DATA_FIELDS,
  SECRET_MASK,
} from '@periscope/backstage-plugin-module-deploy-common';

/**
 * Masking of Secret values in printed objects, as Timoni's `internal/mask` does for
 * `timoni build --mask-secrets` and `timoni bundle build --mask-secrets`. Diffs are masked where
 * they are made: `diffObjects` in module-deploy-common.
 */

/** What replaces a masked value (`mask.Value`); the same mask as in diffs. */
export const MASK = SECRET_MASK;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

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
  for (const f of SECRET_DATA_FIELDS) if (f in out) out[f] = maskField(out[f]);
  const meta = out.metadata as Obj | undefined;
  const ann = meta?.annotations as Record<string, string> | undefined;
  if (ann && LAST_APPLIED in ann)
    out.metadata = { ...meta, annotations: { ...ann, [LAST_APPLIED]: MASK } };
  return out as T;
}

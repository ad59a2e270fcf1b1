/** Periscope's revision history of an instance: the history Secret's name, type and size limits, and its encoding. */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ApplySet,
  InventoryEntry,
  JsonObject,
  ModuleReference,
} from '@periscope/backstage-plugin-module-deploy-common';
import { DeployError } from '../errors';
import { SecretObject, instanceSecretName } from './instanceSecret';

/** Secret type of Periscope's revision history (Timoni keeps none). */
export const HISTORY_SECRET_TYPE = 'periscope/instance-history';
/** Revisions kept in the history Secret. */
export const HISTORY_LIMIT = 10;
const HISTORY_MAX_BYTES = 900 * 1024;

/** Name of the Secret Periscope stores an instance's revision history in. */
export function historySecretName(name: string): string {
  return `periscope-history.${name}`;
}

/**
 * One stored revision of an instance.
 *
 * @public
 */
export interface Revision {
  revision: number;
  appliedAt: string;
  action: 'apply' | 'rollback';
  module: ModuleReference;
  values: JsonObject;
  valuesCue: string;
  inventory: InventoryEntry[];
  images: string[];
  sets: ApplySet[];
}

/** Serialized history: revisions without their objects, objects gzip+base64 per revision. */
interface StoredRevision extends Omit<Revision, 'sets'> {
  manifests: string;
}

function encodeRevision(r: Revision): StoredRevision {
  const { sets, ...rest } = r;
  return {
    ...rest,
    manifests: gzipSync(Buffer.from(JSON.stringify(sets))).toString('base64'),
  };
}

function decodeRevision(s: StoredRevision): Revision {
  const { manifests, ...rest } = s;
  return {
    ...rest,
    sets: JSON.parse(
      gunzipSync(Buffer.from(manifests, 'base64')).toString('utf8'),
    ) as ApplySet[],
  };
}

/**
 * Attempts of {@link InstanceStore.record} before it gives up on a contended history (enough for
 * as many writers at once: each conflict means another writer got its number).
 *
 * @public
 */
export const RECORD_ATTEMPTS = 10;

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Exponential backoff with jitter, 20 ms .. 1 s, so writers that collided spread out. */
export function backoffMs(attempt: number): number {
  const cap = Math.min(1000, 20 * 2 ** attempt);
  return Math.floor(cap / 2 + Math.random() * (cap / 2));
}

/** The revisions a history Secret holds, oldest first; a clear error when it is corrupt. */
export function decodeHistory(
  s: SecretObject | undefined,
  name: string,
  namespace: string,
): Revision[] {
  const raw = s?.data?.history;
  if (!raw) return [];
  try {
    const stored = JSON.parse(
      Buffer.from(raw, 'base64').toString('utf8'),
    ) as StoredRevision[];
    if (!Array.isArray(stored)) throw new Error('not a list of revisions');
    return stored.map(decodeRevision);
  } catch (e) {
    throw new DeployError(
      `Secret/${namespace}/${historySecretName(name)}`,
      'invalid',
      `the revision history of instance ${namespace}/${name} is corrupt (${
        (e as Error).message
      }): delete this Secret to start a new history (the instance itself, in Secret ${instanceSecretName(
        name,
      )}, is kept), e.g. kubectl -n ${namespace} delete secret ${historySecretName(
        name,
      )}`,
    );
  }
}

/** The history Secret's `history` value: the last {@link HISTORY_LIMIT}, under the size limit. */
export function encodeHistory(revisions: Revision[]): string {
  let stored = revisions.slice(-HISTORY_LIMIT).map(encodeRevision);
  let data = Buffer.from(JSON.stringify(stored)).toString('base64');
  while (data.length > HISTORY_MAX_BYTES && stored.length > 1) {
    stored = stored.slice(1);
    data = Buffer.from(JSON.stringify(stored)).toString('base64');
  }
  return data;
}

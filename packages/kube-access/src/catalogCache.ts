import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** How long an entity lookup is reused by default. */
const ENTITY_LOOKUP_TTL_MS = 5_000;
const ENTITY_LOOKUP_MAX_ENTRIES = 5_000;

/**
 * Options of {@link withEntityLookupCache}.
 * @public
 */
export interface EntityLookupCacheOptions {
  /** How long one answer is reused, in ms. Default 5000. */
  ttlMs?: number;
  /** Most answers kept; the oldest go first. Default 5000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The catalog service with `getEntityByRef` answers reused for a few seconds per entity reference
 * and caller: the key holds the caller's whole principal (a user's entity ref, or a service's
 * subject and access restrictions), so one caller never gets an entity the catalog's permission
 * policy would not give it; concurrent lookups of one key share one request. Not-found answers are
 * reused too; failures are not. Every other method is the catalog service's own. Callers must not
 * change a returned entity (it is shared until it expires).
 *
 * Each entity request of a Periscope plugin reads its entity from the catalog (a loopback HTTP call
 * with a new plugin token: the auth service signs one per call, it caches none); a page that asks
 * several routes at once, and its polling, read it once per `ttlMs`.
 * @public
 */
export function withEntityLookupCache(
  catalog: CatalogService,
  options: EntityLookupCacheOptions = {},
): CatalogService {
  const ttlMs = options.ttlMs ?? ENTITY_LOOKUP_TTL_MS;
  const maxEntries = options.maxEntries ?? ENTITY_LOOKUP_MAX_ENTRIES;
  const now = options.now ?? Date.now;
  const entries = new Map<
    string,
    { at: number; answer: Promise<Entity | undefined> }
  >();

  function getEntityByRef(
    entityRef: string,
    opts: { credentials: BackstageCredentials },
  ): Promise<Entity | undefined> {
    const key = `${JSON.stringify(opts.credentials.principal)}\n${entityRef}`;
    const t = now();
    const hit = entries.get(key);
    if (hit && t - hit.at < ttlMs) return hit.answer;
    if (hit) entries.delete(key);
    const answer = catalog.getEntityByRef(entityRef, opts);
    entries.set(key, { at: t, answer });
    answer.catch(() => {
      if (entries.get(key)?.answer === answer) entries.delete(key);
    });
    // Map keeps insertion order: drop the oldest beyond the limit
    while (entries.size > maxEntries)
      entries.delete(entries.keys().next().value as string);
    return answer;
  }

  return new Proxy(catalog, {
    get(target, prop) {
      if (prop === 'getEntityByRef') return getEntityByRef;
      const value = Reflect.get(target, prop, target);
      // bound to the real service: its methods use private fields
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

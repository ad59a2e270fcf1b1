/** Readiness waits: follows objects with Kubernetes watches (polling where a watch is refused). */
import {
  JsonObject,
  KubeObject,
  Readiness,
  evaluateReadiness,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import { KubernetesObject } from '@kubernetes/client-node';
import { DeployError } from '../errors';
import { RawObjectApi } from './kubeApi';

/**
 * Opens a watch of one object (see `RawObjectApi.watchObject`); resolves to a function that
 * stops it.
 *
 * @public
 */
export type ObjectWatcher = (
  object: KubeObject,
  opts: { resourceVersion?: string; timeoutSeconds: number },
  onEvent: (type: string, object: JsonObject) => void,
  onDone: (err?: unknown) => void,
) => Promise<() => void>;

/**
 * The watcher of a client, or undefined when it cannot watch (see `RawObjectApi.canWatch`).
 *
 * @public
 */
export function objectWatcher(api: RawObjectApi): ObjectWatcher | undefined {
  if (!api.canWatch()) return undefined;
  return (o, opts, onEvent, onDone) =>
    api.watchObject(
      o as unknown as KubernetesObject,
      opts,
      (type, obj) => onEvent(type, obj as unknown as JsonObject),
      onDone,
    );
}

/**
 * How a readiness wait reads and watches objects.
 *
 * @public
 */
export interface ReadinessSource {
  /** The live object, or undefined when it does not exist (other errors are thrown as they are). */
  read(object: KubeObject): Promise<JsonObject | undefined>;
  /** Absent: the objects are polled every `pollMs`. */
  watch?: ObjectWatcher;
}

/**
 * Options of {@link waitForReadiness}.
 *
 * @public
 */
export interface ReadinessWaitOptions {
  /** Give up after this long, with a `timeout` {@link DeployError} naming the first object not ready. */
  timeoutMs: number;
  /** Poll interval for objects that cannot be watched, and the pause after a watch fails. */
  pollMs: number;
  /**
   * Each watch is ended after this long (by the API server's `timeoutSeconds`, and here if the
   * server does not), then the object is read again and watched anew: a resync that also covers a
   * connection that stalled without closing. Default 60 s.
   */
  resyncMs?: number;
  /** Called once per object when it is ready. */
  onReady?: (ref: string, readiness: Readiness) => void;
  /** Called with every state seen, and whether a read, a watch event or a poll showed it. */
  onObserved?: (
    ref: string,
    readiness: Readiness | undefined,
    via: 'read' | 'watch' | 'poll',
  ) => void;
}

/** HTTP statuses with which an API server refuses a watch (no `watch` verb, kind not watchable). */
const REFUSED = new Set([401, 403, 404, 405, 406]);
/** Watches that fail in a row (not closed by the server) before an object falls back to polling. */
const WATCH_FAILURES = 3;

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; code?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

/**
 * Waits until every object is ready (by `evaluateReadiness`, the kstatus-like rules), one is
 * failed (a `failed` {@link DeployError} naming it), or `timeoutMs` passes (a `timeout`
 * {@link DeployError} naming the first object not ready, its last state and the others waited
 * for). Each object is read, then watched from the version read, so a change is seen when the API
 * server sends it rather than at the next poll. A watch that the server closes, that ends with an
 * error event (such as 410 Gone) or that drops is followed by a fresh read and a new watch; an
 * object whose watch is refused (403 without the `watch` verb…) or keeps failing is polled every
 * `pollMs` instead. Errors of reads are thrown as they are.
 *
 * @public
 */
export function waitForReadiness(
  objects: KubeObject[],
  source: ReadinessSource,
  opts: ReadinessWaitOptions,
): Promise<void> {
  const pending = new Map(objects.map(o => [objectRef(o), o]));
  if (!pending.size) return Promise.resolve();
  const last = new Map<string, string>();
  const resyncMs = opts.resyncMs ?? 60_000;
  const stops = new Set<() => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let settled = false;

  return new Promise<void>((resolve, reject) => {
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const stop of stops) stop();
      timers.clear();
      stops.clear();
      if (err) reject(err);
      else resolve();
    };
    // once settled nothing is scheduled: a loop still sleeping then never wakes
    const later = (ms: number, fn: () => void) => {
      if (settled) return () => {};
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    };
    const sleep = (ms: number) => new Promise<void>(r => later(ms, r));

    later(opts.timeoutMs, () => {
      const [ref] = pending.keys();
      finish(
        new DeployError(
          ref,
          'timeout',
          `not ready after ${Math.round(opts.timeoutMs / 1000)}s: ${
            last.get(ref) ?? 'not read yet'
          }${
            pending.size > 1
              ? ` (also waiting for ${[...pending.keys()].slice(1).join(', ')})`
              : ''
          }`,
        ),
      );
    });

    /** Records a state; true when the object is ready (and no longer pending). */
    const observe = (
      ref: string,
      live: JsonObject | undefined,
      via: 'read' | 'watch' | 'poll',
    ): boolean => {
      if (settled || !pending.has(ref)) return true;
      const r = live ? evaluateReadiness(live) : undefined;
      opts.onObserved?.(ref, r, via);
      if (!r) {
        last.set(ref, 'not found');
        return false;
      }
      last.set(ref, r.message);
      if (r.state === 'failed')
        throw new DeployError(ref, 'failed', `not ready: ${r.message}`);
      if (r.state !== 'ready') return false;
      pending.delete(ref);
      opts.onReady?.(ref, r);
      if (!pending.size) finish();
      return true;
    };

    /** One watch from `resourceVersion`, until the object is ready or the watch ends. */
    const watchOnce = (
      ref: string,
      o: KubeObject,
      resourceVersion: string | undefined,
    ): Promise<'ready' | 'closed' | 'failed' | 'refused'> =>
      new Promise((done, fail) => {
        let stop: (() => void) | undefined;
        let ended = false;
        let cancelGuard = () => {};
        const end = (
          outcome: 'ready' | 'closed' | 'failed' | 'refused',
          err?: unknown,
        ) => {
          if (ended) return;
          ended = true;
          cancelGuard();
          if (stop) {
            stops.delete(stop);
            stop();
          }
          if (err) fail(err);
          else done(outcome);
        };
        // the server ends the watch after timeoutSeconds; this ends one it did not end
        cancelGuard = later(resyncMs + 5_000, () => end('closed'));
        source.watch!(
          o,
          {
            resourceVersion,
            timeoutSeconds: Math.max(1, Math.round(resyncMs / 1000)),
          },
          (type, obj) => {
            if (ended || settled) return;
            // ERROR carries a Status (410 Gone: the version is too old): read again, watch anew
            if (type === 'ERROR') end('closed');
            else if (type === 'DELETED') observe(ref, undefined, 'watch');
            else if (type === 'ADDED' || type === 'MODIFIED') {
              try {
                if (observe(ref, obj, 'watch')) end('ready');
              } catch (e) {
                end('failed', e);
              }
            }
          },
          err => {
            if (!err) end('closed');
            else end(REFUSED.has(statusOf(err) ?? 0) ? 'refused' : 'failed');
          },
        ).then(
          s => {
            if (ended || settled) s();
            else {
              stop = s;
              stops.add(s);
            }
          },
          err => end(REFUSED.has(statusOf(err) ?? 0) ? 'refused' : 'failed'),
        );
      });

    const follow = async (ref: string, o: KubeObject) => {
      let failures = 0;
      let via: 'read' | 'poll' = 'read';
      while (!settled) {
        const live = await source.read(o);
        if (observe(ref, live, via)) return;
        if (!source.watch || failures >= WATCH_FAILURES) {
          via = 'poll';
          await sleep(opts.pollMs);
          continue;
        }
        const rv = (live?.metadata as JsonObject | undefined)?.resourceVersion;
        const started = Date.now();
        let outcome = await watchOnce(
          ref,
          o,
          typeof rv === 'string' ? rv : undefined,
        );
        // a watch closed at once (a 410, or a proxy that does not stream) counts as a failure,
        // so such a path cannot turn into a tight loop of reads
        if (
          outcome === 'closed' &&
          Date.now() - started < Math.min(1000, resyncMs / 2)
        )
          outcome = 'failed';
        if (outcome === 'ready') return;
        if (outcome === 'refused') failures = WATCH_FAILURES;
        else if (outcome === 'failed') {
          failures++;
          await sleep(Math.min(opts.pollMs, 1000));
        } else failures = 0;
      }
    };

    for (const [ref, o] of pending) follow(ref, o).catch(finish);
  });
}

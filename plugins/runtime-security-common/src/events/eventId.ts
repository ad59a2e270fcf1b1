import type { RuntimeEvent } from './types';

/**
 * 64-bit FNV-1a over UTF-16 code units, as 16 hex characters. Pure and
 * isomorphic (no crypto module), stable across processes and replicas.
 * @public
 */
export function hash64(text: string): string {
  // Two 32-bit lanes with different offset bases, each FNV-1a with the 32-bit
  // prime; combined they give a 64-bit value whose collision rate is far
  // below what millions of events per day need.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (
    (h1 >>> 0).toString(16).padStart(8, '0') +
    (h2 >>> 0).toString(16).padStart(8, '0')
  );
}

/**
 * Fields that identify one event: the node, the process exec id, the event
 * time, the type and (for probes) the function.
 * @public
 */
export interface EventIdentity {
  node?: string;
  execId?: string;
  time: string;
  type: string;
  function?: string;
  /** Extra discriminator for events without a process (throttle cgroup). */
  extra?: string;
}

/**
 * The stable id of an event: a 64-bit hash (16 hex characters) of node,
 * exec_id, time, type and function. The same export line always gets the same
 * id, so replays and several backend replicas can upsert by it.
 * @public
 */
export function eventId(ev: EventIdentity | RuntimeEvent): string {
  if ('id' in ev && typeof ev.id === 'string' && ev.id.length > 0) {
    return ev.id;
  }
  return computeEventId(identityOf(ev));
}

function identityOf(ev: EventIdentity | RuntimeEvent): EventIdentity {
  if ('process' in ev || 'probe' in ev || 'throttle' in ev || 'timeMs' in ev) {
    const r = ev as RuntimeEvent;
    return {
      node: r.node,
      execId: r.process?.execId,
      time: r.time,
      type: r.type,
      function: r.probe?.function,
      extra: r.throttle
        ? `${r.throttle.type}/${r.throttle.cgroup}`
        : r.loader?.path,
    };
  }
  return ev as EventIdentity;
}

/** @internal */
export function computeEventId(id: EventIdentity): string {
  return hash64(
    `${id.node ?? ''}\u0001${id.execId ?? ''}\u0001${id.time}\u0001${
      id.type
    }\u0001${id.function ?? ''}\u0001${id.extra ?? ''}`,
  );
}

import { JsonObject, JsonValue } from './types';

/**
 * Readiness of a live object.
 *
 * @public
 */
export interface Readiness {
  /** `ready`: done; `progressing`: poll again; `failed`: stop waiting. */
  state: 'ready' | 'progressing' | 'failed';
  message: string;
}

function get(
  obj: JsonValue | undefined,
  path: string[],
): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur))
      return undefined;
    cur = (cur as JsonObject)[p];
  }
  return cur;
}

function num(obj: JsonObject, path: string[], dflt = 0): number {
  const v = get(obj, path);
  return typeof v === 'number' ? v : dflt;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditions(obj: JsonObject): Condition[] {
  const c = get(obj, ['status', 'conditions']);
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function cond(obj: JsonObject, type: string): Condition | undefined {
  return conditions(obj).find(c => c.type === type);
}

function stale(obj: JsonObject): boolean {
  const gen = get(obj, ['metadata', 'generation']);
  const observed = get(obj, ['status', 'observedGeneration']);
  return (
    typeof gen === 'number' && typeof observed === 'number' && observed < gen
  );
}

function workload(obj: JsonObject, readyField: string): Readiness {
  if (stale(obj))
    return { state: 'progressing', message: 'new generation not yet observed' };
  const want = num(obj, ['spec', 'replicas'], 1);
  const updated = num(obj, ['status', 'updatedReplicas']);
  const ready = num(obj, ['status', readyField]);
  if (updated < want || ready < want) {
    return {
      state: 'progressing',
      message: `${ready}/${want} replicas ready, ${updated} updated`,
    };
  }
  return { state: 'ready', message: `${ready}/${want} replicas ready` };
}

function deployment(obj: JsonObject): Readiness {
  const p = cond(obj, 'Progressing');
  if (p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      message: p.message ?? 'progress deadline exceeded',
    };
  }
  return workload(obj, 'availableReplicas');
}

function statefulSet(obj: JsonObject): Readiness {
  const r = workload(obj, 'readyReplicas');
  if (r.state !== 'ready') return r;
  const cur = get(obj, ['status', 'currentRevision']);
  const upd = get(obj, ['status', 'updateRevision']);
  if (upd !== undefined && cur !== upd)
    return { state: 'progressing', message: 'rolling update in progress' };
  return r;
}

function daemonSet(obj: JsonObject): Readiness {
  if (stale(obj))
    return { state: 'progressing', message: 'new generation not yet observed' };
  const want = num(obj, ['status', 'desiredNumberScheduled']);
  const avail = num(obj, ['status', 'numberAvailable']);
  const upd = num(obj, ['status', 'updatedNumberScheduled']);
  if (avail < want || upd < want)
    return { state: 'progressing', message: `${avail}/${want} pods available` };
  return { state: 'ready', message: `${avail}/${want} pods available` };
}

function job(obj: JsonObject): Readiness {
  const failed = cond(obj, 'Failed');
  if (failed?.status === 'True')
    return {
      state: 'failed',
      message: failed.message ?? failed.reason ?? 'Job failed',
    };
  const complete = cond(obj, 'Complete');
  if (complete?.status === 'True')
    return { state: 'ready', message: 'Job completed' };
  return {
    state: 'progressing',
    message: `Job running (${num(obj, ['status', 'active'])} active)`,
  };
}

function genericConditions(obj: JsonObject): Readiness {
  if (stale(obj))
    return { state: 'progressing', message: 'new generation not yet observed' };
  const stalled = cond(obj, 'Stalled');
  if (stalled?.status === 'True')
    return { state: 'failed', message: stalled.message ?? 'Stalled' };
  const ready =
    cond(obj, 'Ready') ?? cond(obj, 'Established') ?? cond(obj, 'Available');
  if (!ready)
    return {
      state: 'ready',
      message: 'no readiness condition; treated as ready',
    };
  if (ready.status === 'True')
    return { state: 'ready', message: `${ready.type} is True` };
  return {
    state: 'progressing',
    message: `${ready.type} is ${ready.status ?? 'Unknown'}${
      ready.message ? `: ${ready.message}` : ''
    }`,
  };
}

/**
 * Evaluates whether a live object is ready, in the spirit of kstatus (which Timoni uses):
 * Deployments, StatefulSets, DaemonSets by replica counts, Jobs by Complete/Failed,
 * PersistentVolumeClaims by phase, Pods by the Ready condition, other objects (CRDs, custom
 * resources) by a `Ready` / `Established` / `Available` condition when they have one.
 *
 * @public
 */
export function evaluateReadiness(obj: JsonObject): Readiness {
  switch (obj.kind) {
    case 'Deployment':
      return deployment(obj);
    case 'StatefulSet':
      return statefulSet(obj);
    case 'DaemonSet':
      return daemonSet(obj);
    case 'Job':
      return job(obj);
    case 'PersistentVolumeClaim': {
      const phase = get(obj, ['status', 'phase']);
      return phase === 'Bound'
        ? { state: 'ready', message: 'Bound' }
        : {
            state: 'progressing',
            message: `phase ${String(phase ?? 'Pending')}`,
          };
    }
    case 'Pod': {
      const phase = get(obj, ['status', 'phase']);
      if (phase === 'Failed') return { state: 'failed', message: 'Pod failed' };
      if (phase === 'Succeeded')
        return { state: 'ready', message: 'Pod succeeded' };
      return genericConditions(obj);
    }
    default:
      return genericConditions(obj);
  }
}

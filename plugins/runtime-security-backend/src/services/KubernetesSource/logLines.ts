/**
 * Helpers for `GET .../log?timestamps=true` lines: `<RFC3339Nano> <content>`: timestamps, per-pod
 * checkpoints and the filter of a resumed stream.
 */

/** Splits a timestamped log line; undefined when it has no timestamp prefix. */
export function splitTimestamp(
  line: string,
): { ts: string; text: string } | undefined {
  const sp = line.indexOf(' ');
  if (sp < 20) return undefined;
  const ts = line.slice(0, sp);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(ts))
    return undefined;
  return { ts, text: line.slice(sp + 1) };
}

function nanosWithinSecond(ts: string): number {
  const m = /\.(\d+)/.exec(ts);
  return m ? Number(m[1].slice(0, 9).padEnd(9, '0')) : 0;
}

/** Compares two RFC 3339 timestamps with nanosecond precision (<0, 0, >0). */
export function compareTimestamps(a: string, b: string): number {
  const sa = Math.floor(Date.parse(a) / 1000);
  const sb = Math.floor(Date.parse(b) / 1000);
  if (sa !== sb) return sa - sb;
  return nanosWithinSecond(a) - nanosWithinSecond(b);
}

/** The whole second of a timestamp, as the API's `sinceTime` takes it (RFC 3339, seconds). */
export function sinceTimeOf(ts: string): string {
  const ms = Date.parse(ts);
  return `${new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .slice(0, 19)}Z`;
}

/**
 * Where one pod's log was read up to: the timestamp of the last line stored
 * and how many lines carried exactly that timestamp (they are skipped on
 * resume; anything re-read anyway is deduplicated by event id in the store).
 */
export interface PodCheckpoint {
  ts: string;
  sameTs: number;
}

/** Decides which lines of a resumed stream are new. */
export interface ResumeFilter {
  /** Whether the line with this timestamp is new; feed every timestamped line in order. */
  accept(ts: string): boolean;
}

/**
 * Creates the filter of a stream resumed at `checkpoint`: `accept` returns false for lines at or
 * before the checkpoint.
 */
export function createResumeFilter(
  checkpoint: PodCheckpoint | undefined,
): ResumeFilter {
  let cp = checkpoint;
  let seenAtCheckpoint = 0;
  return {
    accept(ts) {
      if (!cp) return true;
      const c = compareTimestamps(ts, cp.ts);
      if (c < 0) return false;
      if (c === 0) {
        seenAtCheckpoint++;
        return seenAtCheckpoint > cp.sameTs;
      }
      cp = undefined;
      return true;
    },
  };
}

/** Advances a checkpoint past one stored line. */
export function advance(
  cp: PodCheckpoint | undefined,
  ts: string,
): PodCheckpoint {
  if (cp && compareTimestamps(ts, cp.ts) === 0)
    return { ts: cp.ts, sameTs: cp.sameTs + 1 };
  return { ts, sameTs: 1 };
}

/**
 * Bounded concurrency for the scan's requests: {@link mapLimit} over a list, and a limiter that
 * runs at most so many of the functions given to it at a time.
 */

/** Runs tasks with at most `limit` in flight. @public */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    },
  );
  await Promise.all(workers);
  return out;
}

/** A function that runs what it is given when fewer than its limit are running. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** Runs at most `limit` of the functions given to it at a time, in the order given. */
export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async fn => {
    if (active >= limit)
      await new Promise<void>(resolve => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

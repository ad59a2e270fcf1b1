import { mapLimit } from '.';
import { createLimiter } from './concurrency';

/** A task that resolves on the next tick, recording how many tasks were running at once. */
function tracked() {
  let running = 0;
  let most = 0;
  const run = async <T>(value: T): Promise<T> => {
    running++;
    most = Math.max(most, running);
    await new Promise(resolve => setImmediate(resolve));
    running--;
    return value;
  };
  return { run, most: () => most };
}

describe('mapLimit', () => {
  it('keeps the order of the items and at most `limit` tasks in flight', async () => {
    const t = tracked();
    const out = await mapLimit([1, 2, 3, 4, 5], 2, n => t.run(n * 10));
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(t.most()).toBe(2);
    expect(await mapLimit([], 4, async n => n)).toEqual([]);
  });
});

describe('createLimiter', () => {
  it('runs at most `limit` functions at a time, in the order given', async () => {
    const t = tracked();
    const limit = createLimiter(2);
    const started: number[] = [];
    const out = await Promise.all(
      [1, 2, 3, 4].map(n =>
        limit(() => {
          started.push(n);
          return t.run(n);
        }),
      ),
    );
    expect(out).toEqual([1, 2, 3, 4]);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(t.most()).toBe(2);
  });
});

import {
  advance,
  compareTimestamps,
  createResumeFilter,
  sinceTimeOf,
  splitTimestamp,
} from './logLines';

describe('log line checkpoints', () => {
  it('splits timestamps and compares them to the nanosecond', () => {
    expect(splitTimestamp('2024-01-01T00:00:01.123456789Z {"a":1}')).toEqual({
      ts: '2024-01-01T00:00:01.123456789Z',
      text: '{"a":1}',
    });
    expect(splitTimestamp('{"a":1}')).toBeUndefined();
    expect(
      compareTimestamps(
        '2024-01-01T00:00:01.000000002Z',
        '2024-01-01T00:00:01.000000001Z',
      ),
    ).toBeGreaterThan(0);
    expect(
      compareTimestamps('2024-01-01T00:00:01Z', '2024-01-01T00:00:01.0Z'),
    ).toBe(0);
    expect(sinceTimeOf('2024-01-01T00:00:01.9Z')).toBe('2024-01-01T00:00:01Z');
  });

  it('skips exactly the lines stored before a restart', () => {
    const ts = [
      '2024-01-01T00:00:01.5Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:03Z',
    ];
    // the first run stored the first three lines
    let cp;
    for (const t of ts.slice(0, 3)) cp = advance(cp, t);
    expect(cp).toEqual({ ts: '2024-01-01T00:00:02Z', sameTs: 2 });
    // the resumed stream starts at the whole second of the checkpoint (sinceTime)
    const filter = createResumeFilter(cp);
    expect(ts.slice(1).map(t => filter.accept(t))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});

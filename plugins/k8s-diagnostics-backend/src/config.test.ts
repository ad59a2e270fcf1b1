import { mockServices } from '@backstage/backend-test-utils';
import { AI_LIMIT_DEFAULTS, readDiagnosticsConfig } from './config';

const read = (ai: object) =>
  readDiagnosticsConfig(
    mockServices.rootConfig({
      data: {
        k8sDiagnostics: {
          ai: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'm', ...ai },
        },
      },
    }),
  );

describe('readDiagnosticsConfig: AI request limits', () => {
  it('defaults: max_tokens 800, 16 KiB of input, 2 KiB a text, 10 calls a user and minute', () => {
    expect(read({}).ai).toMatchObject({
      maxOutputTokens: 800,
      maxInputBytes: 16_384,
      maxItemBytes: 2_048,
      perUserPerMinute: 10,
      dailyTokenBudget: undefined,
    });
    expect(AI_LIMIT_DEFAULTS).toEqual({
      maxOutputTokens: 800,
      maxInputBytes: 16_384,
      maxItemBytes: 2_048,
      perUserPerMinute: 10,
    });
  });

  it('evidenceLogLines: 20 by default, 0 to 200', () => {
    expect(read({}).ai?.evidenceLogLines).toBe(20);
    expect(read({ evidenceLogLines: 0 }).ai?.evidenceLogLines).toBe(0);
    expect(() => read({ evidenceLogLines: 201 })).toThrow(
      /^k8sDiagnostics\.ai\.evidenceLogLines is 201: it must be a whole number from 0 to 200/,
    );
    expect(() => read({ evidenceLogLines: 'all' })).toThrow(
      /^k8sDiagnostics\.ai\.evidenceLogLines is "all": it must be a number/,
    );
  });

  it('maskReferencedSecrets is off unless set to true', () => {
    expect(read({}).ai?.maskReferencedSecrets).toBe(false);
    expect(
      read({ maskReferencedSecrets: true }).ai?.maskReferencedSecrets,
    ).toBe(true);
    expect(() => read({ maskReferencedSecrets: 'maybe' })).toThrow(
      /^k8sDiagnostics\.ai\.maskReferencedSecrets is "maybe": it must be true or false/,
    );
  });

  it('reads set values', () => {
    expect(
      read({
        maxOutputTokens: 1200,
        maxInputBytes: 8192,
        maxItemBytes: 1024,
        perUserPerMinute: 0,
        dailyTokenBudget: 50_000,
      }).ai,
    ).toMatchObject({
      maxOutputTokens: 1200,
      maxInputBytes: 8192,
      maxItemBytes: 1024,
      perUserPerMinute: 0,
      dailyTokenBudget: 50_000,
    });
  });

  it.each([
    [
      { maxOutputTokens: 0 },
      /^k8sDiagnostics\.ai\.maxOutputTokens is 0: it must be a whole number from 64 to 128000/,
    ],
    [
      { maxOutputTokens: 10 },
      /^k8sDiagnostics\.ai\.maxOutputTokens is 10: .*at least 64/,
    ],
    [
      { maxOutputTokens: 500.5 },
      /^k8sDiagnostics\.ai\.maxOutputTokens is 500\.5: it must be a whole number/,
    ],
    [
      { maxOutputTokens: 1_000_000 },
      /^k8sDiagnostics\.ai\.maxOutputTokens is 1000000/,
    ],
    [
      { maxOutputTokens: 'lots' },
      /^k8sDiagnostics\.ai\.maxOutputTokens is "lots": it must be a number/,
    ],
    [
      { maxInputBytes: 100 },
      /^k8sDiagnostics\.ai\.maxInputBytes is 100: it must be a whole number from 1024/,
    ],
    [{ maxInputBytes: -1 }, /^k8sDiagnostics\.ai\.maxInputBytes is -1/],
    [
      { maxItemBytes: 10 },
      /^k8sDiagnostics\.ai\.maxItemBytes is 10: it must be a whole number from 128/,
    ],
    [
      { maxItemBytes: 8192, maxInputBytes: 4096 },
      /^k8sDiagnostics\.ai\.maxItemBytes is 8192, more than k8sDiagnostics\.ai\.maxInputBytes \(4096\)/,
    ],
    [
      { perUserPerMinute: -1 },
      /^k8sDiagnostics\.ai\.perUserPerMinute is -1: it must be a whole number from 0/,
    ],
    [
      { perUserPerMinute: 2.5 },
      /^k8sDiagnostics\.ai\.perUserPerMinute is 2\.5/,
    ],
    [
      { perUserPerMinute: true },
      /^k8sDiagnostics\.ai\.perUserPerMinute is true: it must be a number/,
    ],
    [
      { dailyTokenBudget: -5 },
      /^k8sDiagnostics\.ai\.dailyTokenBudget is -5: it must be a number >= 0/,
    ],
    [
      { dailyTokenBudget: 500 },
      /^k8sDiagnostics\.ai\.dailyTokenBudget is 500, less than one answer may use \(k8sDiagnostics\.ai\.maxOutputTokens 800\)/,
    ],
  ])('rejects %j with a message naming the key', (ai, message) => {
    expect(() => read(ai)).toThrow(message);
    expect(() => read(ai)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });
});

describe('readDiagnosticsConfig: freshness of a stored entity scan (cacheTtlSeconds)', () => {
  const ttl = (k8sDiagnostics: object) =>
    readDiagnosticsConfig(mockServices.rootConfig({ data: { k8sDiagnostics } }))
      .cacheTtlSeconds;

  it('follows the schedule: its frequency plus a minute for the scan itself', () => {
    expect(ttl({})).toBe(360);
    expect(
      ttl({
        schedule: { frequency: { minutes: 10 }, timeout: { minutes: 4 } },
      }),
    ).toBe(660);
    expect(
      ttl({
        schedule: {
          frequency: { hours: 1, minutes: 30 },
          timeout: { minutes: 4 },
        },
      }),
    ).toBe(5460);
    // a cron schedule has no fixed period: the default schedule's window
    expect(
      ttl({
        schedule: {
          frequency: { cron: '*/5 * * * *' },
          timeout: { minutes: 4 },
        },
      }),
    ).toBe(360);
  });

  it('a set value wins; zero, negative or text values are refused naming the key', () => {
    expect(ttl({ cacheTtlSeconds: 90 })).toBe(90);
    expect(() => ttl({ cacheTtlSeconds: 0 })).toThrow(
      /^k8sDiagnostics\.cacheTtlSeconds is 0: it must be a number of seconds above 0/,
    );
    expect(() => ttl({ cacheTtlSeconds: -1 })).toThrow(
      /^k8sDiagnostics\.cacheTtlSeconds is -1/,
    );
    expect(() => ttl({ cacheTtlSeconds: 'soon' })).toThrow(
      /^k8sDiagnostics\.cacheTtlSeconds is "soon": it must be a number of seconds/,
    );
  });
});

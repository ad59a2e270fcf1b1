/**
 * Who may start an LLM call now: the caller's calls of this minute (`ai.perUserPerMinute`) and
 * the day's token budget (`ai.dailyTokenBudget`), both kept in the store so that replicas share
 * them; what does not fit is answered 429.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { AiConfig } from '../../config';
import { FindingsStore } from '../FindingsStore';

/** What the limits read: the store that holds them and the clock. */
export interface LimitDeps {
  store: FindingsStore;
  now: () => Date;
}

/** Tokens reserved of a day's budget, to settle when the call ends. */
export interface Reservation {
  day: string;
  reserved: number;
}

/** A 429 in the shape the error handler answers with (`statusCode`). */
function tooManyRequests(message: string): Error {
  return Object.assign(new ServiceUnavailableError(message), {
    statusCode: 429,
  });
}

/** Who asks, for the rate limit and the usage records: a user entity ref, `service:<subject>` or `anonymous`. */
export function callerOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as
    | { type?: string; userEntityRef?: string; subject?: string }
    | undefined;
  if (p?.type === 'user' && p.userEntityRef) return p.userEntityRef;
  if (p?.type === 'service' && p.subject) return `service:${p.subject}`;
  return 'anonymous';
}

/** Takes one of the caller's LLM calls of this minute, or answers 429. */
export async function checkRate(
  { store, now }: LimitDeps,
  config: AiConfig,
  caller: string,
) {
  if (!config.perUserPerMinute) return;
  const minute = now().toISOString().slice(0, 16);
  if (
    !(await store.takeRateSlot({
      userRef: caller,
      minute,
      limit: config.perUserPerMinute,
    }))
  ) {
    throw tooManyRequests(
      `too many AI explanations: ${caller} may start ${config.perUserPerMinute} a minute (k8sDiagnostics.ai.perUserPerMinute); try again in a minute (already explained findings are still served from the cache)`,
    );
  }
}

/**
 * Reserves the worst case of a call (estimated input + max_tokens) of today's budget before it
 * starts, atomically in the store; answers 429 when it does not fit. Returns what to settle.
 */
export async function reserve(
  { store, now }: LimitDeps,
  config: AiConfig,
  tokens: number,
): Promise<Reservation> {
  const day = now().toISOString().slice(0, 10);
  if (!config.dailyTokenBudget) return { day, reserved: 0 };
  const r = await store.reserveTokens({
    day,
    tokens,
    budget: config.dailyTokenBudget,
  });
  if (!r.granted) {
    throw tooManyRequests(
      `the daily AI token budget is spent (${r.used} of ${config.dailyTokenBudget} tokens used on ${day} UTC, ${r.reserved} more reserved by explanations in progress; this one may need up to ${tokens}): explanations resume tomorrow, or raise k8sDiagnostics.ai.dailyTokenBudget`,
    );
  }
  return { day, reserved: tokens };
}

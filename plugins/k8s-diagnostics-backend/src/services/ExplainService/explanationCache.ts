/**
 * The explanation cache and the usage accounting of LLM calls: the cache key of a masked input,
 * the cached (masked) answers, and the settling of a call's token reservation with what it used.
 */
import { createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { AiConfig } from '../../config';
import { Explanation } from '../../types';
import { FindingsStore, UsageEntry } from '../FindingsStore';
import { FindingInput, parseAnswer, PROMPT_VERSION } from './prompt';
import { Reservation } from './rateLimits';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The hash of a masked input and the cache key of its answer: the same masked input with the same
 * provider, model, prompt version and language has the same answer.
 */
export function cacheKeysOf(
  config: AiConfig,
  input: FindingInput,
): { inputHash: string; cacheKey: string } {
  const inputHash = sha256(`${input.text}\n${input.cut ?? ''}`);
  const cacheKey = sha256(
    JSON.stringify([
      config.provider,
      config.model,
      PROMPT_VERSION,
      config.language,
      inputHash,
    ]),
  );
  return { inputHash, cacheKey };
}

/** The cached answer of `cacheKey` (still masked); undefined when none, or none that parses. */
export async function cachedAnswer(
  store: FindingsStore,
  cacheKey: string,
): Promise<Explanation | undefined> {
  const cached = await store.getExplanation(cacheKey);
  return cached ? parseAnswer(cached) : undefined;
}

/**
 * Caches a structured answer. The cache holds the masked answer: no names are stored, and it fits
 * any finding with the same masked input.
 */
export async function cacheAnswer(
  store: FindingsStore,
  config: AiConfig,
  entry: { cacheKey: string; inputHash: string; answer: string; at: Date },
): Promise<void> {
  await store.putExplanation({
    cacheKey: entry.cacheKey,
    provider: config.provider,
    model: config.model,
    promptVersion: PROMPT_VERSION,
    language: config.language,
    inputHash: entry.inputHash,
    answer: entry.answer,
    at: entry.at,
  });
}

/**
 * Releases the reservation of a call that failed, recording `partial` (what it is known to have
 * used) when given; a store that fails here is logged, not thrown (the call's error is).
 */
export async function releaseReservation(
  deps: { store: FindingsStore; logger: LoggerService },
  reservation: Reservation,
  partial?: UsageEntry,
): Promise<void> {
  await deps.store
    .settleTokens({ ...reservation, usage: partial })
    .catch(settleError => {
      deps.logger.error(
        `k8s-diagnostics: could not release ${reservation.reserved} reserved AI tokens of ${reservation.day}: ${settleError}`,
      );
    });
}

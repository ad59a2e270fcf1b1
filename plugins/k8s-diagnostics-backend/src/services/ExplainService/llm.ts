import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  AzureOpenAI,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { ServiceUnavailableError } from '@backstage/errors';
import { AiConfig } from '../../config';
import { TokenUsage } from '../../types';

/** An OpenAI-compatible client for OpenAI, Azure OpenAI, Ollama, vLLM or LocalAI. */
export function createLlmClient(ai: AiConfig): OpenAI {
  if (ai.azure) {
    return new AzureOpenAI({
      endpoint: ai.azure.endpoint,
      deployment: ai.azure.deployment,
      apiVersion: ai.azure.apiVersion,
      apiKey: ai.apiKey,
      timeout: ai.timeoutMs,
      maxRetries: ai.maxRetries,
    });
  }
  return new OpenAI({
    baseURL: ai.baseUrl,
    // Local servers (Ollama, vLLM, LocalAI) need no key, but the SDK insists on one.
    apiKey: ai.apiKey ?? 'not-needed',
    timeout: ai.timeoutMs,
    maxRetries: ai.maxRetries,
  });
}

/** Where the provider is, for messages. */
export function providerLabel(ai: AiConfig): string {
  return ai.azure
    ? `Azure OpenAI at ${ai.azure.endpoint}`
    : `the AI provider at ${ai.baseUrl ?? 'api.openai.com'}`;
}

/** Turns an SDK error into a `@backstage/errors` error that says what to do. */
export function providerError(ai: AiConfig, e: unknown, elapsedMs = 0): Error {
  const where = providerLabel(ai);
  // Depending on the fetch implementation a timeout surfaces as a plain connection error.
  const timedOut =
    e instanceof APIConnectionError && elapsedMs >= ai.timeoutMs * 0.9;
  if (e instanceof APIConnectionTimeoutError || timedOut) {
    return new ServiceUnavailableError(
      `${where} did not answer within ${ai.timeoutMs} ms: check that it is up, or raise k8sDiagnostics.ai.timeoutMs`,
    );
  }
  if (e instanceof APIConnectionError) {
    return new ServiceUnavailableError(
      `cannot reach ${where}: ${e.message.replace(
        /\.$/,
        '',
      )}. Check k8sDiagnostics.ai.baseUrl and that the server runs`,
    );
  }
  if (e instanceof AuthenticationError || e instanceof PermissionDeniedError) {
    return new ServiceUnavailableError(
      `${where} rejected the credentials (${e.status}): check k8sDiagnostics.ai.apiKey`,
    );
  }
  if (e instanceof RateLimitError) {
    return Object.assign(
      new ServiceUnavailableError(
        `${where} is rate limiting (429) even after ${ai.maxRetries} retries: try again later or raise the provider's quota`,
      ),
      { statusCode: 429 },
    );
  }
  if (e instanceof NotFoundError) {
    return new ServiceUnavailableError(
      `${where} does not know model '${ai.model}' (404): check k8sDiagnostics.ai.model`,
    );
  }
  if (e instanceof APIError) {
    return new ServiceUnavailableError(
      `${where} failed with HTTP ${e.status ?? '?'}: ${e.message}`,
    );
  }
  return new ServiceUnavailableError(
    `${where} failed: ${(e as Error)?.message ?? String(e)}`,
  );
}

/** Rough token count when the provider reports no usage (4 characters a token). */
export function estimateUsage(prompt: string, completion: string): TokenUsage {
  const promptTokens = Math.ceil(prompt.length / 4);
  const completionTokens = Math.ceil(completion.length / 4);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    estimated: true,
  };
}

/**
 * A cautious count of the tokens of a request's messages, for reserving budget before the call:
 * 3 UTF-8 bytes a token (English text averages about 4 characters, JSON and identifiers fewer),
 * plus the per-message overhead of the chat format.
 */
export function estimateInputTokens(
  messages: Array<{ content: string }>,
): number {
  return (
    3 +
    messages.reduce(
      (n, m) => n + 4 + Math.ceil(Buffer.byteLength(m.content, 'utf8') / 3),
      0,
    )
  );
}

/**
 * The LLM call: one streamed chat completion with max_tokens, an idle timeout between chunks,
 * the provider's usage (estimated when it sends none) and whether the answer was cut at the limit.
 */
import { ServiceUnavailableError } from '@backstage/errors';
import OpenAI from 'openai';
import { AiConfig } from '../../config';
import { TokenUsage } from '../../types';
import { estimateUsage, providerError, providerLabel } from './llm';
import { buildMessages } from './prompt';

/** A finished completion: the raw answer, its usage, and whether max_tokens cut it. */
export interface Completion {
  raw: string;
  usage: TokenUsage;
  cutAtLimit: boolean;
}

/**
 * Streams the completion of `messages`, handing each delta to `onText` and adding it to
 * `progress.raw` (which the caller reads when the call fails part way).
 */
export async function streamCompletion(
  config: AiConfig,
  llm: OpenAI,
  messages: ReturnType<typeof buildMessages>,
  progress: { raw: string },
  onText: (delta: string) => void,
): Promise<Completion> {
  const abort = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(), config.timeoutMs);
  };
  let usage: TokenUsage | undefined;
  let cutAtLimit = false;
  const started = Date.now();
  try {
    const stream = await llm.chat.completions.create(
      {
        model: config.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.2,
        max_tokens: config.maxOutputTokens,
      },
      { signal: abort.signal },
    );
    arm();
    for await (const chunk of stream) {
      arm();
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content ?? '';
      if (delta) {
        progress.raw += delta;
        onText(delta);
      }
      if (choice?.finish_reason === 'length') cutAtLimit = true;
      if (chunk.usage) {
        usage = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
          totalTokens: chunk.usage.total_tokens,
        };
      }
    }
  } catch (e) {
    if (abort.signal.aborted) {
      throw new ServiceUnavailableError(
        `${providerLabel(config)} stopped answering for ${
          config.timeoutMs
        } ms: check the server, or raise k8sDiagnostics.ai.timeoutMs`,
      );
    }
    throw providerError(config, e, Date.now() - started);
  } finally {
    clearTimeout(idle);
  }
  const raw = progress.raw;
  return {
    raw,
    usage: usage ?? estimateUsage(messages.map(m => m.content).join('\n'), raw),
    cutAtLimit,
  };
}

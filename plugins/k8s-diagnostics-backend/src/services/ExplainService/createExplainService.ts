import { createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import OpenAI from 'openai';
import { AiConfig } from '../../config';
import { ExplainChunk, ExplainResult, Explanation, TokenUsage } from '../../types';
import { FindingsStore, StoredFinding } from '../FindingsStore';
import { HealthService } from '../HealthService';
import { createLlmClient, estimateUsage, providerError, providerLabel } from './llm';
import { createPlaceholderMasker, createStreamingUnmasker, PlaceholderMasker } from './masking';
import { buildMessages, explanationText, maskedFindingInput, parseAnswer, PROMPT_VERSION } from './prompt';
import { catalogExplanation } from './remediationCatalog';
import { ExplainService } from './types';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The masker of one finding: its names, namespaces and labels (scan hints), plus the entity's name. */
export function maskerFor(finding: StoredFinding, entityRef: string): PlaceholderMasker {
  const refs = [finding.object, ...finding.ownerChain, finding.workload];
  const namespaces = refs.map(r => r.namespace ?? '').filter(Boolean);
  const names = [...refs.map(r => r.name), finding.cluster, entityRef.replace(/^.*\//, '')];
  const labels = finding.sensitive.filter(s => !namespaces.includes(s) && !names.includes(s));
  return createPlaceholderMasker({ names, namespaces, labels });
}

function unmaskExplanation(e: Explanation, unmask: (t: string) => string): Explanation {
  return {
    summary: unmask(e.summary),
    likelyCause: unmask(e.likelyCause),
    steps: e.steps.map(unmask),
    commands: e.commands.map(unmask),
  };
}

function textFallback(raw: string): Explanation {
  return { summary: raw.trim(), likelyCause: '', steps: [], commands: [] };
}

const MALFORMED_WARNING = 'the model did not answer in the requested JSON format; its answer is shown as text';

/** @public */
export function createExplainService(deps: {
  ai?: AiConfig;
  health: HealthService;
  store: FindingsStore;
  logger: LoggerService;
  now?: () => Date;
  /** For tests: a prepared client instead of one built from `ai`. */
  client?: OpenAI;
}): ExplainService {
  const { ai, health, store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const client = ai ? deps.client ?? createLlmClient(ai) : undefined;

  function fromCatalog(finding: StoredFinding, onChunk: (c: ExplainChunk) => void): ExplainResult {
    const explanation = catalogExplanation(finding);
    for (const line of explanationText(explanation).split(/(?<=\n)/)) onChunk({ type: 'delta', text: line });
    return { findingId: finding.id, source: 'catalog', format: 'json', explanation };
  }

  async function checkBudget(config: AiConfig) {
    if (!config.dailyTokenBudget) return;
    const day = now().toISOString().slice(0, 10);
    const used = await store.tokensUsedOn(day);
    if (used >= config.dailyTokenBudget) {
      throw Object.assign(
        new ServiceUnavailableError(
          `the daily AI token budget is spent (${used} of ${config.dailyTokenBudget} tokens used on ${day} UTC): explanations resume tomorrow, or raise k8sDiagnostics.ai.dailyTokenBudget`,
        ),
        { statusCode: 429 },
      );
    }
  }

  async function streamCompletion(
    config: AiConfig,
    llm: OpenAI,
    messages: ReturnType<typeof buildMessages>,
    onText: (delta: string) => void,
  ): Promise<{ raw: string; usage: TokenUsage }> {
    const abort = new AbortController();
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), config.timeoutMs);
    };
    let raw = '';
    let usage: TokenUsage | undefined;
    const started = Date.now();
    try {
      const stream = await llm.chat.completions.create(
        { model: config.model, messages, stream: true, stream_options: { include_usage: true }, temperature: 0.2 },
        { signal: abort.signal },
      );
      arm();
      for await (const chunk of stream) {
        arm();
        const delta = chunk.choices?.[0]?.delta?.content ?? '';
        if (delta) {
          raw += delta;
          onText(delta);
        }
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
        throw new ServiceUnavailableError(`${providerLabel(config)} stopped answering for ${config.timeoutMs} ms: check the server, or raise k8sDiagnostics.ai.timeoutMs`);
      }
      throw providerError(config, e, Date.now() - started);
    } finally {
      clearTimeout(idle);
    }
    const prompt = messages.map(m => m.content).join('\n');
    return { raw, usage: usage ?? estimateUsage(prompt, raw) };
  }

  async function fromLlm(config: AiConfig, llm: OpenAI, entityRef: string, finding: StoredFinding, onChunk: (c: ExplainChunk) => void): Promise<ExplainResult> {
    const masker = maskerFor(finding, entityRef);
    const input = maskedFindingInput(finding, masker);
    const inputHash = sha256(input);
    const cacheKey = sha256(JSON.stringify([config.provider, config.model, PROMPT_VERSION, config.language, inputHash]));
    const base = { findingId: finding.id, provider: config.provider, model: config.model };

    const cached = await store.getExplanation(cacheKey);
    const cachedAnswer = cached ? parseAnswer(cached) : undefined;
    if (cachedAnswer) {
      const explanation = unmaskExplanation(cachedAnswer, masker.unmask);
      onChunk({ type: 'delta', text: explanationText(explanation) });
      return { ...base, source: 'cache', format: 'json', explanation };
    }

    await checkBudget(config);
    const unmasker = createStreamingUnmasker(masker.unmask);
    const { raw, usage } = await streamCompletion(config, llm, buildMessages(input, config.language), delta => {
      const text = unmasker.push(delta);
      if (text) onChunk({ type: 'delta', text });
    });
    const rest = unmasker.flush();
    if (rest) onChunk({ type: 'delta', text: rest });
    await store.recordUsage({ cacheKey, entityRef, findingId: finding.id, provider: config.provider, model: config.model, usage, at: now() });
    if (!raw.trim()) {
      throw new ServiceUnavailableError(`${providerLabel(config)} returned an empty answer for model '${config.model}': check that the model is loaded`);
    }
    const parsed = parseAnswer(raw);
    if (!parsed) {
      logger.warn(`k8s-diagnostics: ${MALFORMED_WARNING} (finding ${finding.id}, model ${config.model})`);
      return { ...base, source: 'llm', format: 'text', explanation: textFallback(masker.unmask(raw)), usage, warning: MALFORMED_WARNING };
    }
    // The cache holds the masked answer: no names are stored, and it fits any finding with the same masked input.
    await store.putExplanation({ cacheKey, provider: config.provider, model: config.model, promptVersion: PROMPT_VERSION, language: config.language, inputHash, answer: raw, at: now() });
    return { ...base, source: 'llm', format: 'json', explanation: unmaskExplanation(parsed, masker.unmask), usage };
  }

  return {
    async explain({ entityRef, findingId, credentials, onChunk }) {
      const emit = onChunk ?? (() => {});
      const finding = await health.getEntityFinding({ entityRef, findingId, credentials });
      const result = ai && client ? await fromLlm(ai, client, entityRef, finding, emit) : fromCatalog(finding, emit);
      emit({ type: 'done', result });
      return result;
    },
  };
}

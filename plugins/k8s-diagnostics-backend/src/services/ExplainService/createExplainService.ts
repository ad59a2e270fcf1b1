/**
 * The Explain service: {@link createExplainService} puts the parts together for one explanation,
 * through the LLM (masked, cached, rate- and budget-limited, streamed) or the built-in catalog.
 * The parts: the masker (explainMasker.ts), the limits (rateLimits.ts), the cache and usage
 * accounting (explanationCache.ts), the LLM call (completion.ts) and the fallbacks (fallback.ts).
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  ClusterDetails,
  ClusterSource,
  toClusterSource,
} from '@periscope/kube-access';
import OpenAI from 'openai';
import { AiConfig, EVIDENCE_LOG_LINES } from '../../config';
import { ExplainChunk, ExplainResult, TokenUsage } from '../../types';
import { FindingsStore, StoredFinding } from '../FindingsStore';
import { HealthService } from '../HealthService';
import { EvidenceResult, EvidenceService } from '../EvidenceService';
import { Completion, streamCompletion } from './completion';
import { evidenceNames } from './evidencePrompt';
import { maskerFor, unmaskExplanation } from './explainMasker';
import {
  cacheAnswer,
  cachedAnswer,
  cacheKeysOf,
  releaseReservation,
} from './explanationCache';
import {
  explainFromCatalog,
  textFallback,
  textFallbackWarning,
} from './fallback';
import {
  createLlmClient,
  estimateInputTokens,
  estimateUsage,
  providerLabel,
} from './llm';
import { createStreamingUnmasker } from './masking';
import {
  buildMessages,
  explanationText,
  maskedFindingInput,
  parseAnswer,
} from './prompt';
import { callerOf, checkRate, reserve } from './rateLimits';
import { readReferencedSecrets, ReferencedSecrets } from './referencedSecrets';
import { ExplainService } from './types';

/** @public */
export function createExplainService(deps: {
  ai?: AiConfig;
  health: HealthService;
  store: FindingsStore;
  logger: LoggerService;
  now?: () => Date;
  /** For tests: a prepared client instead of one built from `ai`. */
  client?: OpenAI;
  /**
   * The clusters the findings were scanned in (the Health service's source), for
   * `ai.maskReferencedSecrets`: the referenced Secrets are read there at explain time.
   */
  clusters?: ClusterSource | ClusterDetails[];
  /** Limit of each cluster request of `ai.maskReferencedSecrets`. Default 10 s. */
  clusterTimeoutMs?: number;
  /**
   * Reads the finding's evidence (failing container, logs, events, missing objects) for the
   * prompt and the built-in remediation; without it both use the stored finding only.
   */
  evidence?: EvidenceService;
}): ExplainService {
  const { ai, health, store, logger } = deps;
  const clusters = deps.clusters ? toClusterSource(deps.clusters) : undefined;
  const now = deps.now ?? (() => new Date());
  const client = ai ? deps.client ?? createLlmClient(ai) : undefined;

  /** The finding's evidence now; undefined without an evidence service. */
  async function evidenceFor(
    finding: StoredFinding,
    logLines: number,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<EvidenceResult | undefined> {
    if (!deps.evidence) return undefined;
    const read = await deps.evidence.evidenceOf(finding, {
      requestAuth,
      logLines: Math.max(1, logLines),
    });
    if (read.error)
      logger.warn(
        `k8s-diagnostics: the evidence of finding ${finding.id} could not be read: ${read.error}`,
      );
    return read;
  }

  async function fromCatalog(
    finding: StoredFinding,
    onChunk: (c: ExplainChunk) => void,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<ExplainResult> {
    const read = await evidenceFor(finding, 20, requestAuth);
    return explainFromCatalog(
      finding,
      read?.error ? undefined : read?.evidence,
      now(),
      onChunk,
    );
  }

  /**
   * `ai.maskReferencedSecrets`: the values of the Secrets the finding's pod (template) references,
   * read now in its cluster; they stay in this explanation's masker only.
   */
  async function referencedSecrets(
    config: AiConfig,
    finding: StoredFinding,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<ReferencedSecrets> {
    if (!config.maskReferencedSecrets) return { values: [], warnings: [] };
    const read: ReferencedSecrets = clusters
      ? await readReferencedSecrets({
          clusters,
          finding,
          requestAuth,
          timeoutMs: deps.clusterTimeoutMs ?? 10_000,
        })
      : {
          values: [],
          warnings: [
            'the values of referenced Secrets were not masked by value: this backend has no cluster access for explanations',
          ],
        };
    // names of Secrets only, never a value
    for (const w of read.warnings)
      logger.warn(`k8s-diagnostics: ${w} (finding ${finding.id})`);
    return read;
  }

  async function fromLlm(
    config: AiConfig,
    llm: OpenAI,
    entityRef: string,
    caller: string,
    finding: StoredFinding,
    onChunk: (c: ExplainChunk) => void,
    requestAuth?: KubernetesRequestAuth,
  ): Promise<ExplainResult> {
    const logLines = config.evidenceLogLines ?? EVIDENCE_LOG_LINES;
    const [secrets, read] = await Promise.all([
      referencedSecrets(config, finding, requestAuth),
      evidenceFor(finding, logLines, requestAuth),
    ]);
    const evidence = read?.error ? undefined : read?.evidence;
    const masker = maskerFor(
      finding,
      entityRef,
      secrets.values,
      evidenceNames(evidence),
    );
    const evidenceWarning = read?.error
      ? [`the explanation has no evidence from the cluster (${read.error})`]
      : [];
    /** The answer's warning: what was not masked by value, then `also` (about the answer itself). */
    const warningWith = (also?: string) => {
      const all = [
        ...secrets.warnings,
        ...evidenceWarning,
        ...(also ? [also] : []),
      ];
      return all.length ? { warning: all.join('; ') } : {};
    };
    const input = maskedFindingInput(finding, masker, config, {
      evidence,
      logLines,
    });
    const { inputHash, cacheKey } = cacheKeysOf(config, input);
    const base = {
      findingId: finding.id,
      provider: config.provider,
      model: config.model,
    };

    const cached = await cachedAnswer(store, cacheKey);
    if (cached) {
      const explanation = unmaskExplanation(cached, masker.unmask);
      onChunk({ type: 'delta', text: explanationText(explanation) });
      return {
        ...base,
        source: 'cache',
        format: 'json',
        explanation,
        ...warningWith(),
      };
    }

    await checkRate({ store, now }, config, caller);
    const messages = buildMessages(input.text, config.language, input.cut);
    const reservation = await reserve(
      { store, now },
      config,
      estimateInputTokens(messages) + config.maxOutputTokens,
    );
    const usageEntry = (usage: TokenUsage) => ({
      cacheKey,
      entityRef,
      userRef: caller,
      findingId: finding.id,
      provider: config.provider,
      model: config.model,
      usage,
      at: now(),
    });
    const unmasker = createStreamingUnmasker(masker.unmask);
    const progress = { raw: '' };
    let completion: Completion;
    try {
      completion = await streamCompletion(
        config,
        llm,
        messages,
        progress,
        delta => {
          const text = unmasker.push(delta);
          if (text) onChunk({ type: 'delta', text });
        },
      );
    } catch (e) {
      // Release the reservation; what the provider used is unknown: count the text that came back
      // (and the prompt that produced it), nothing when no answer started.
      const partial = progress.raw
        ? usageEntry(
            estimateUsage(
              messages.map(m => m.content).join('\n'),
              progress.raw,
            ),
          )
        : undefined;
      await releaseReservation({ store, logger }, reservation, partial);
      throw e;
    }
    const { raw, usage, cutAtLimit } = completion;
    await store.settleTokens({ ...reservation, usage: usageEntry(usage) });
    const rest = unmasker.flush();
    if (rest) onChunk({ type: 'delta', text: rest });
    if (!raw.trim()) {
      throw new ServiceUnavailableError(
        `${providerLabel(config)} returned an empty answer for model '${
          config.model
        }': check that the model is loaded`,
      );
    }
    const parsed = parseAnswer(raw);
    if (!parsed) {
      const warning = textFallbackWarning(config, cutAtLimit);
      logger.warn(
        `k8s-diagnostics: ${warning} (finding ${finding.id}, model ${config.model})`,
      );
      return {
        ...base,
        source: 'llm',
        format: 'text',
        explanation: textFallback(masker.unmask(raw)),
        usage,
        ...warningWith(warning),
      };
    }
    await cacheAnswer(store, config, {
      cacheKey,
      inputHash,
      answer: raw,
      at: now(),
    });
    return {
      ...base,
      source: 'llm',
      format: 'json',
      explanation: unmaskExplanation(parsed, masker.unmask),
      usage,
      ...warningWith(),
    };
  }

  return {
    async explain({ entityRef, findingId, credentials, onChunk, requestAuth }) {
      const emit = onChunk ?? (() => {});
      const finding = await health.getEntityFinding({
        entityRef,
        findingId,
        credentials,
      });
      const result =
        ai && client
          ? await fromLlm(
              ai,
              client,
              entityRef,
              callerOf(credentials),
              finding,
              emit,
              requestAuth,
            )
          : await fromCatalog(finding, emit, requestAuth);
      emit({ type: 'done', result });
      return result;
    },
  };
}

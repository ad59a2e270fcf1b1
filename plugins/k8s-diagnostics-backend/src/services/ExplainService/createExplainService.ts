import { createHash } from 'node:crypto';
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import {
  ClusterDetails,
  ClusterSource,
  toClusterSource,
} from '@periscope/kube-access';
import OpenAI from 'openai';
import { AiConfig, EVIDENCE_LOG_LINES } from '../../config';
import {
  ExplainChunk,
  ExplainResult,
  Explanation,
  TokenUsage,
} from '../../types';
import { FindingsStore, StoredFinding } from '../FindingsStore';
import { HealthService } from '../HealthService';
import {
  createLlmClient,
  estimateInputTokens,
  estimateUsage,
  providerError,
  providerLabel,
} from './llm';
import {
  createPlaceholderMasker,
  createStreamingUnmasker,
  PlaceholderMasker,
} from './masking';
import {
  buildMessages,
  explanationText,
  maskedFindingInput,
  parseAnswer,
  PROMPT_VERSION,
} from './prompt';
import { readReferencedSecrets, ReferencedSecrets } from './referencedSecrets';
import { catalogExplanation } from './remediationCatalog';
import { evidenceNames } from './evidencePrompt';
import { EvidenceResult, EvidenceService } from '../EvidenceService';
import { ExplainService } from './types';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The masker of one finding: its names, namespaces and labels (scan hints), plus the entity's
 * name, and `secrets` (values of referenced Secrets read for this explanation) as exact strings.
 */
export function maskerFor(
  finding: StoredFinding,
  entityRef: string,
  secrets: string[] = [],
  evidenceNamesOf: string[] = [],
): PlaceholderMasker {
  const refs = [finding.object, ...finding.ownerChain, finding.workload];
  const namespaces = refs.map(r => r.namespace ?? '').filter(Boolean);
  const names = [
    ...refs.map(r => r.name),
    finding.cluster,
    entityRef.replace(/^.*\//, ''),
    ...evidenceNamesOf,
  ];
  const labels = finding.sensitive.filter(
    s => !namespaces.includes(s) && !names.includes(s),
  );
  return createPlaceholderMasker({ names, namespaces, labels, secrets });
}

function unmaskExplanation(
  e: Explanation,
  unmask: (t: string) => string,
): Explanation {
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

const MALFORMED_WARNING =
  'the model did not answer in the requested JSON format; its answer is shown as text';

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
    const explanation = catalogExplanation(
      finding,
      read?.error ? undefined : read?.evidence,
      now(),
    );
    for (const line of explanationText(explanation).split(/(?<=\n)/))
      onChunk({ type: 'delta', text: line });
    return {
      findingId: finding.id,
      source: 'catalog',
      format: 'json',
      explanation,
    };
  }

  /** Takes one of the caller's LLM calls of this minute, or answers 429. */
  async function checkRate(config: AiConfig, caller: string) {
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
  async function reserve(
    config: AiConfig,
    tokens: number,
  ): Promise<{ day: string; reserved: number }> {
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

  async function streamCompletion(
    config: AiConfig,
    llm: OpenAI,
    messages: ReturnType<typeof buildMessages>,
    progress: { raw: string },
    onText: (delta: string) => void,
  ): Promise<{ raw: string; usage: TokenUsage; cutAtLimit: boolean }> {
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
      usage:
        usage ?? estimateUsage(messages.map(m => m.content).join('\n'), raw),
      cutAtLimit,
    };
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
    const base = {
      findingId: finding.id,
      provider: config.provider,
      model: config.model,
    };

    const cached = await store.getExplanation(cacheKey);
    const cachedAnswer = cached ? parseAnswer(cached) : undefined;
    if (cachedAnswer) {
      const explanation = unmaskExplanation(cachedAnswer, masker.unmask);
      onChunk({ type: 'delta', text: explanationText(explanation) });
      return {
        ...base,
        source: 'cache',
        format: 'json',
        explanation,
        ...warningWith(),
      };
    }

    await checkRate(config, caller);
    const messages = buildMessages(input.text, config.language, input.cut);
    const reservation = await reserve(
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
    let completion: Awaited<ReturnType<typeof streamCompletion>>;
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
      await store
        .settleTokens({ ...reservation, usage: partial })
        .catch(settleError => {
          logger.error(
            `k8s-diagnostics: could not release ${reservation.reserved} reserved AI tokens of ${reservation.day}: ${settleError}`,
          );
        });
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
      const warning = cutAtLimit
        ? `the answer was cut at k8sDiagnostics.ai.maxOutputTokens (${config.maxOutputTokens} tokens) before the requested JSON was complete; it is shown as text`
        : MALFORMED_WARNING;
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
    // The cache holds the masked answer: no names are stored, and it fits any finding with the same masked input.
    await store.putExplanation({
      cacheKey,
      provider: config.provider,
      model: config.model,
      promptVersion: PROMPT_VERSION,
      language: config.language,
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

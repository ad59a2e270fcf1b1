/**
 * The answers without a structured LLM answer: the built-in remediation catalog when no LLM is
 * configured, and an answer shown as text when the model did not answer in the requested JSON.
 */
import { FindingEvidence } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { AiConfig } from '../../config';
import { ExplainChunk, ExplainResult, Explanation } from '../../types';
import { StoredFinding } from '../FindingsStore';
import { explanationText } from './prompt';
import { catalogExplanation } from './remediationCatalog';

/** An answer that is not the requested JSON, shown as text. */
export function textFallback(raw: string): Explanation {
  return { summary: raw.trim(), likelyCause: '', steps: [], commands: [] };
}

const MALFORMED_WARNING =
  'the model did not answer in the requested JSON format; its answer is shown as text';

/** Why an answer is shown as text: cut at max_tokens, or not in the requested format. */
export function textFallbackWarning(
  config: AiConfig,
  cutAtLimit: boolean,
): string {
  return cutAtLimit
    ? `the answer was cut at k8sDiagnostics.ai.maxOutputTokens (${config.maxOutputTokens} tokens) before the requested JSON was complete; it is shown as text`
    : MALFORMED_WARNING;
}

/** The built-in catalog's explanation of a finding (with its evidence when read), streamed by line. */
export function explainFromCatalog(
  finding: StoredFinding,
  evidence: FindingEvidence | undefined,
  now: Date,
  onChunk: (c: ExplainChunk) => void,
): ExplainResult {
  const explanation = catalogExplanation(finding, evidence, now);
  for (const line of explanationText(explanation).split(/(?<=\n)/))
    onChunk({ type: 'delta', text: line });
  return {
    findingId: finding.id,
    source: 'catalog',
    format: 'json',
    explanation,
  };
}

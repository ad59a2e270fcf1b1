/**
 * The masking of one explanation: the masker of a finding (its names, namespaces, labels, the
 * entity's name, referenced Secret values) and the unmasking of a structured answer.
 */
import { Explanation } from '../../types';
import { StoredFinding } from '../FindingsStore';
import { createPlaceholderMasker, PlaceholderMasker } from './masking';

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

/** An answer with the placeholders put back (names, not secrets). */
export function unmaskExplanation(
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

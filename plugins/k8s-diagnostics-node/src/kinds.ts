/**
 * Which built-in kinds a scan lists for a set of analyzers, and which of them it lists in every
 * namespace even when one namespace is given.
 */
import {
  AnalyzerDefinition,
  inputKindsFor,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { RESOURCES } from './resources';
import { reportsPods } from './podPrefilter';

/**
 * Kinds that must be listed in every namespace even when a namespace is given, because an
 * analyzer follows references across namespaces (webhook Services, HTTPRoute parent Gateways).
 */
export function crossNamespaceKinds(
  analyzers: AnalyzerDefinition[],
): Set<string> {
  const names = new Set(analyzers.map(a => a.name));
  const kinds = new Set<string>();
  if (
    names.has('ValidatingWebhookConfiguration') ||
    names.has('MutatingWebhookConfiguration')
  ) {
    kinds.add('Service');
    kinds.add('Pod');
  }
  if (names.has('HTTPRoute')) {
    kinds.add('Gateway');
    kinds.add('Service');
  }
  return kinds;
}

/**
 * The built-in kinds to list: the analyzers' inputs, plus the owners of pods for the parent
 * object when an analyzer may report pods. @public
 */
export function kindsToList(analyzers: AnalyzerDefinition[]): string[] {
  const kinds = new Set(inputKindsFor(analyzers));
  if (reportsPods(analyzers)) {
    kinds.add('ReplicaSet');
    kinds.add('Job');
  }
  return [...kinds].filter(k => RESOURCES[k]);
}

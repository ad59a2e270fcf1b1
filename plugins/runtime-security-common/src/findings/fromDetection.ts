/** Maps one detection on one event to the fields of a finding; used by the aggregator and the backend's store. */
import type { ProcessSummary } from '../events/processCache';
import type { RuntimeEvent } from '../events/types';
import type { Detection } from '../rules/types';
import type { Finding, FindingSample } from './aggregator';

/**
 * The finding fields a detection's rule decides.
 * @public
 */
export type DetectionFindingFields = Pick<
  Finding,
  'rule' | 'title' | 'severity' | 'mitre' | 'remediation' | 'outcome'
>;

/**
 * The rule's part of a finding: id, title, the detection's severity, MITRE technique, remediation
 * and outcome (`observed` unless the rule says `blocked`).
 * @public
 */
export function detectionFindingFields(d: Detection): DetectionFindingFields {
  return {
    rule: d.rule.id,
    title: d.rule.title,
    severity: d.severity,
    mitre: d.rule.mitre,
    remediation: d.rule.remediation,
    outcome: d.rule.outcome ?? 'observed',
  };
}

/**
 * The event kept as a finding's evidence, with the detection's detail and the process ancestry.
 * @public
 */
export function detectionSample(
  ev: RuntimeEvent,
  d: Detection,
  ancestry: ProcessSummary[],
): FindingSample {
  const p = ev.process;
  return {
    eventId: ev.id,
    type: ev.type,
    time: ev.time,
    node: ev.node,
    pod: p?.pod?.name,
    container: p?.pod?.container.name ?? p?.containerId,
    image: p?.pod?.container.imageName,
    binary: p?.binary ?? '',
    arguments: p?.arguments ?? '',
    uid: p?.uid,
    function: ev.probe?.function,
    policy: ev.probe?.policy,
    action: ev.probe?.action,
    detail: d.detail,
    ancestry,
  };
}

import { Node, Pod, Service, WebhookConfiguration } from '../kinds';
import { Condition } from '../kinds';
import { Failure, Severity } from '../model';
import { matchesLabelMap } from '../selector';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
  collect,
  nameOf,
  nsOf,
} from './types';

const PRESSURE_TYPES = new Set([
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
]);

function nodeConditionFailure(
  ctx: AnalyzerContext,
  node: string,
  c: Condition,
  severity: Severity,
): Failure {
  return ctx.failure(
    `${node} has condition of type ${c.type ?? ''}, reason ${c.reason ?? ''}: ${
      c.message ?? ''
    }`,
    severity,
    [node],
  );
}

function nodeFailures(ctx: AnalyzerContext, node: Node): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(node);
  for (const c of node.status?.conditions ?? []) {
    const type = c.type ?? '';
    if (type === 'Ready') {
      if (c.status !== 'True')
        failures.push(nodeConditionFailure(ctx, name, c, 'critical'));
    } else if (type === 'EtcdIsVoter') {
      continue;
    } else if (PRESSURE_TYPES.has(type)) {
      if (c.status !== 'False')
        failures.push(nodeConditionFailure(ctx, name, c, 'high'));
    } else {
      failures.push(nodeConditionFailure(ctx, name, c, 'medium'));
    }
  }
  return failures;
}

/** k8sgpt `NodeAnalyzer`. */
export const nodeAnalyzer: AnalyzerDefinition = {
  name: 'Node',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Node'],
  description:
    'Nodes not Ready, under pressure, or with an unknown condition type.',
  analyze: ctx =>
    collect(
      ctx.select<Node>('Node'),
      'Node',
      n => nodeFailures(ctx, n),
      nameOf,
    ),
};

function webhookAnalyzer(kind: 'Validating' | 'Mutating'): AnalyzerDefinition {
  const configKind = `${kind}WebhookConfiguration`;
  return {
    name: configKind,
    enabledByDefault: true,
    fromK8sgpt: true,
    inputKinds: [configKind, 'Service', 'Pod'],
    description: `${kind} webhooks whose Service is missing or has no running pods.`,
    analyze: ctx => {
      const results: RawResult[] = [];
      for (const config of ctx.select<WebhookConfiguration>(configKind)) {
        for (const wh of config.webhooks ?? []) {
          const ref = wh.clientConfig?.service;
          if (!ref) continue;
          const failures = webhookFailures(ctx, kind, wh.name ?? '', ref);
          if (failures.length > 0) {
            results.push({
              kind: configKind,
              name: `${nsOf(config)}/${wh.name ?? ''}`,
              object: config,
              failures,
            });
          }
        }
      }
      return results;
    },
  };
}

function webhookFailures(
  ctx: AnalyzerContext,
  kind: string,
  webhook: string,
  ref: { name?: string; namespace?: string },
): Failure[] {
  const svcName = ref.name ?? '';
  const svc = ctx.index.get<Service>('Service', ref.namespace ?? '', svcName);
  if (!svc) {
    return [
      ctx.failure(
        `Service ${svcName} not found as mapped to by ${kind} Webhook ${webhook}`,
        'critical',
        [svcName, webhook],
      ),
    ];
  }
  const selector = svc.spec?.selector ?? {};
  // A Service without a selector has hand-managed endpoints: there are no pods to check.
  if (Object.keys(selector).length === 0) return [];
  const pods = ctx.index
    .inNamespace<Pod>('Pod', nsOf(svc))
    .filter(p => matchesLabelMap(selector, p.metadata?.labels));
  if (pods.length === 0) {
    return [
      ctx.failure(
        `No active pods found within service ${svcName} as mapped to by ${kind} Webhook ${webhook}`,
        'critical',
        [svcName, webhook],
      ),
    ];
  }
  return pods
    .filter(p => p.status?.phase !== 'Running')
    .map(p =>
      ctx.failure(
        `${kind} Webhook (${webhook}) is pointing to an inactive receiver pod (${nameOf(
          p,
        )})`,
        'high',
        [webhook, nameOf(p)],
      ),
    );
}

/** k8sgpt `ValidatingWebhookAnalyzer`. */
export const validatingWebhookAnalyzer = webhookAnalyzer('Validating');
/** k8sgpt `MutatingWebhookAnalyzer`. */
export const mutatingWebhookAnalyzer = webhookAnalyzer('Mutating');

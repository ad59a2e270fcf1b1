import { Endpoints, Ingress, Service } from '../kinds';
import { Failure } from '../model';
import { eventMessage } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
  goList,
  nameOf,
  nsName,
  nsOf,
} from './types';

const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

function endpointsFailures(
  ctx: AnalyzerContext,
  ep: Endpoints,
): Failure[] | undefined {
  const failures: Failure[] = [];
  const ns = nsOf(ep);
  const name = nameOf(ep);
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) {
    if (ep.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined)
      return undefined;
    const svc = ctx.index.get<Service>('Service', ns, name);
    if (!svc) return undefined;
    for (const [k, v] of Object.entries(svc.spec?.selector ?? {})) {
      failures.push(
        ctx.failure(
          `Service has no endpoints, expected label ${k}=${v}`,
          'high',
          [k, v],
        ),
      );
    }
  } else {
    let count = 0;
    const pods: string[] = [];
    for (const subset of subsets) {
      for (const addr of subset.notReadyAddresses ?? []) {
        count++;
        if (addr.targetRef)
          pods.push(
            `${addr.targetRef.kind ?? ''}/${addr.targetRef.name ?? ''}`,
          );
      }
    }
    if (count > 0) {
      failures.push(
        ctx.failure(
          `Service has not ready endpoints, pods: ${goList(
            pods,
          )}, expected ${count}`,
          'medium',
          pods.map(p => p.split('/')[1]),
        ),
      );
    }
  }
  for (const evt of ctx.index.warningEventsNamed(ns, name)) {
    failures.push(
      ctx.failure(
        `Service ${ns}/${name} has event ${eventMessage(evt)}`,
        'medium',
        [ns, name],
      ),
    );
  }
  return failures;
}

/** k8sgpt `ServiceAnalyzer` (it iterates over Endpoints). */
export const serviceAnalyzer: AnalyzerDefinition = {
  name: 'Service',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Endpoints', 'Service', 'Event'],
  description:
    'Services without endpoints or with not-ready endpoints, and their warning events.',
  analyze: ctx => {
    const results: RawResult[] = [];
    for (const ep of ctx.select<Endpoints>('Endpoints')) {
      const failures = endpointsFailures(ctx, ep);
      if (failures && failures.length > 0) {
        // The result is about the Service behind the Endpoints when it exists.
        const svc = ctx.index.get('Service', nsOf(ep), nameOf(ep));
        results.push({
          kind: 'Service',
          name: nsName(ep),
          object: svc ?? ep,
          failures,
        });
      }
    }
    return results;
  },
};

const GKE_CLASSES = new Set(['gce', 'gce-internal']);

function ingressFailures(ctx: AnalyzerContext, ing: Ingress): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(ing);
  const name = nameOf(ing);
  let className = ing.spec?.ingressClassName ?? undefined;
  if (className === undefined || className === null) {
    const annotation =
      ing.metadata?.annotations?.['kubernetes.io/ingress.class'] ?? '';
    if (annotation === '') {
      failures.push(
        ctx.failure(
          `Ingress ${ns}/${name} does not specify an Ingress class.`,
          'medium',
          [ns, name],
        ),
      );
    } else {
      className = annotation;
    }
  }
  if (
    typeof className === 'string' &&
    !GKE_CLASSES.has(className) &&
    !ctx.index.get('IngressClass', '', className)
  ) {
    failures.push(
      ctx.failure(
        `Ingress uses the ingress class ${className} which does not exist.`,
        'high',
        [className],
      ),
    );
  }
  for (const rule of ing.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      const svc = path.backend?.service;
      if (!svc) continue;
      const svcName = svc.name ?? '';
      if (!ctx.index.get('Service', ns, svcName)) {
        failures.push(
          ctx.failure(
            `Ingress uses the service ${ns}/${svcName} which does not exist.`,
            'high',
            [ns, svcName],
          ),
        );
      }
    }
  }
  for (const tls of ing.spec?.tls ?? []) {
    const secret = tls.secretName ?? '';
    if (secret === '') continue;
    if (!ctx.index.get('Secret', ns, secret)) {
      failures.push(
        ctx.failure(
          `Ingress uses the secret ${ns}/${secret} as a TLS certificate which does not exist.`,
          'high',
          [ns, secret],
        ),
      );
    }
  }
  return failures;
}

/** k8sgpt `IngressAnalyzer`. */
export const ingressAnalyzer: AnalyzerDefinition = {
  name: 'Ingress',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Ingress', 'IngressClass', 'Service', 'Secret'],
  description:
    'Ingresses without a class, or using a missing IngressClass, backend Service or TLS Secret.',
  analyze: ctx => {
    const results: RawResult[] = [];
    for (const ing of ctx.select<Ingress>('Ingress')) {
      const failures = ingressFailures(ctx, ing);
      if (failures.length > 0) {
        results.push({
          kind: 'Ingress',
          name: nsName(ing),
          object: ing,
          failures,
        });
      }
    }
    return results;
  },
};

import { Gateway, GatewayClass, HTTPRoute, Service } from '../kinds';
import { Failure, KubeObject } from '../model';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Gateway API objects only (Istio also has a `Gateway` kind). */
function isGatewayApi(obj: KubeObject): boolean {
  return (obj.apiVersion ?? '').startsWith(`${GATEWAY_GROUP}/`);
}

/** k8sgpt `GatewayClassAnalyzer`. */
export const gatewayClassAnalyzer: AnalyzerDefinition = {
  name: 'GatewayClass',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['GatewayClass'],
  description: 'GatewayClasses whose first condition is not True.',
  analyze: ctx =>
    collect(
      ctx.select<GatewayClass>('GatewayClass').filter(isGatewayApi),
      'GatewayClass',
      gc => {
        const first = gc.status?.conditions?.[0];
        if (!first || first.status === 'True') return [];
        const name = nameOf(gc);
        return [
          ctx.failure(
            `GatewayClass '${name}' with a controller name '${
              gc.spec?.controllerName ?? ''
            }' is not accepted. Message: '${first.message ?? ''}'.`,
            'high',
            [name],
          ),
        ];
      },
      nameOf,
    ),
};

function gatewayFailures(ctx: AnalyzerContext, gw: Gateway): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(gw);
  const name = nameOf(gw);
  const cls = gw.spec?.gatewayClassName ?? '';
  if (!ctx.index.get('GatewayClass', '', cls)) {
    failures.push(
      ctx.failure(
        `Gateway uses the GatewayClass ${cls} which does not exist.`,
        'high',
        [cls],
      ),
    );
  }
  for (const c of gw.status?.conditions ?? []) {
    if (
      (c.type === 'Accepted' || c.type === 'Programmed') &&
      c.status !== 'True'
    ) {
      failures.push(
        ctx.failure(
          `Gateway '${ns}/${name}' has condition ${c.type}=${
            c.status ?? ''
          }, reason ${c.reason ?? ''}: ${c.message ?? ''}`,
          'high',
          [ns, name],
        ),
      );
    }
  }
  return failures;
}

/** k8sgpt `GatewayAnalyzer`. */
export const gatewayAnalyzer: AnalyzerDefinition = {
  name: 'Gateway',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['Gateway', 'GatewayClass'],
  description:
    'Gateways with a missing GatewayClass, or Accepted/Programmed not True.',
  analyze: ctx =>
    collect(
      ctx.select<Gateway>('Gateway').filter(isGatewayApi),
      'Gateway',
      gw => gatewayFailures(ctx, gw),
    ),
};

function parentFailures(ctx: AnalyzerContext, route: HTTPRoute): Failure[] {
  const failures: Failure[] = [];
  const rns = nsOf(route);
  const rname = nameOf(route);
  for (const ref of route.spec?.parentRefs ?? []) {
    if (ref.kind && ref.kind !== 'Gateway') continue;
    const gns = ref.namespace ?? rns;
    const gname = ref.name ?? '';
    const gw = ctx.index.get<Gateway>('Gateway', gns, gname);
    if (!gw || !isGatewayApi(gw)) {
      failures.push(
        ctx.failure(
          `HTTPRoute uses the Gateway '${gns}/${gname}' which does not exist in the same namespace.`,
          'high',
          [gns, gname],
        ),
      );
      continue;
    }
    for (const listener of gw.spec?.listeners ?? []) {
      const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
      if (from === 'Same' && rns !== gns) {
        failures.push(
          ctx.failure(
            `HTTPRoute '${rns}/${rname}' is deployed in a different namespace from Gateway '${gns}/${gname}' which only allows HTTPRoutes from its namespace.`,
            'high',
            [rns, rname, gns, gname],
          ),
        );
      } else if (from === 'Selector') {
        const selector =
          listener.allowedRoutes?.namespaces?.selector?.matchLabels ?? {};
        const labels = route.metadata?.labels ?? {};
        const anyMatch = Object.entries(selector).some(
          ([k, v]) => labels[k] === v,
        );
        if (!anyMatch) {
          failures.push(
            ctx.failure(
              `HTTPRoute '${rns}/${rname}' can't be attached on Gateway '${gns}/${gname}', selector labels do not match HTTProute's labels.`,
              'high',
              [rns, rname, gns, gname],
            ),
          );
        }
      }
    }
  }
  return failures;
}

function backendFailures(ctx: AnalyzerContext, route: HTTPRoute): Failure[] {
  const failures: Failure[] = [];
  for (const rule of route.spec?.rules ?? []) {
    for (const b of rule.backendRefs ?? []) {
      if ((b.kind && b.kind !== 'Service') || (b.group && b.group !== ''))
        continue;
      const ns = b.namespace ?? nsOf(route);
      const name = b.name ?? '';
      const svc = ctx.index.get<Service>('Service', ns, name);
      if (!svc) {
        failures.push(
          ctx.failure(
            `HTTPRoute uses the Service '${ns}/${name}' which does not exist.`,
            'high',
            [ns, name],
          ),
        );
      } else if (
        typeof b.port === 'number' &&
        !(svc.spec?.ports ?? []).some(p => p.port === b.port)
      ) {
        failures.push(
          ctx.failure(
            `HTTPRoute's backend service '${name}' is using port '${b.port}' but the corresponding K8s service '${ns}/${name}' isn't configured with the same port.`,
            'high',
            [name, ns],
          ),
        );
      }
    }
  }
  return failures;
}

/** k8sgpt `HTTPRouteAnalyzer`. */
export const httpRouteAnalyzer: AnalyzerDefinition = {
  name: 'HTTPRoute',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['HTTPRoute', 'Gateway', 'Service'],
  description:
    'HTTPRoutes with a missing or refusing parent Gateway, or a missing/mismatched backend Service.',
  analyze: ctx =>
    collect(
      ctx.select<HTTPRoute>('HTTPRoute').filter(isGatewayApi),
      'HTTPRoute',
      r => [...parentFailures(ctx, r), ...backendFailures(ctx, r)],
    ),
};

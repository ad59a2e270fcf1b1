import { PermissionsService } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  k8sDiagnosticsExplainPermission,
  k8sDiagnosticsReadPermission,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { authorizeEntity, parseEntityRefParam } from '@periscope/kube-access';
import { ExplainService } from './services/ExplainService';
import { HealthService } from './services/HealthService';

/**
 * Registers the read-only actions an AI assistant (e.g. through the MCP actions backend) may
 * call; each checks the caller's permission on the entity, like the HTTP routes.
 */
export function registerActions(deps: {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  health: HealthService;
  explain: ExplainService;
}) {
  const { actionsRegistry, permissions, health, explain } = deps;

  actionsRegistry.register({
    name: 'get-entity-health-findings',
    title: 'Get Kubernetes health findings of an entity',
    description:
      "Returns the open Kubernetes health findings (k8sgpt analyzers) of a catalog entity's workloads in every configured cluster, with severity, failure texts and history, plus per-cluster errors.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/payments'),
        }),
      output: z =>
        z.object({
          status: z.enum(['ok', 'not-configured', 'not-annotated']),
          scannedAt: z.string().optional(),
          stale: z
            .boolean()
            .optional()
            .describe(
              'true when the stored scan is older than the freshness window; a newer scan runs in the background, ask again shortly',
            ),
          findings: z.array(
            z.object({
              id: z.string(),
              cluster: z.string(),
              analyzer: z.string(),
              kind: z.string(),
              namespace: z.string().optional(),
              name: z.string(),
              workload: z.string(),
              severity: z.string(),
              failures: z.array(z.string()),
              firstSeen: z.string(),
              lastSeen: z.string(),
            }),
          ),
          errors: z.array(
            z.object({ cluster: z.string(), message: z.string() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      await authorizeEntity(
        permissions,
        k8sDiagnosticsReadPermission,
        entityRef,
        credentials,
      );
      const h = await health.getEntityHealth({ entityRef, credentials });
      return {
        output: {
          status: h.status,
          ...(h.scannedAt ? { scannedAt: h.scannedAt } : {}),
          ...(h.stale ? { stale: true } : {}),
          findings: h.groups.flatMap(g =>
            g.findings.map(f => ({
              id: f.id,
              cluster: f.cluster,
              analyzer: f.analyzer,
              kind: f.object.kind,
              ...(f.object.namespace ? { namespace: f.object.namespace } : {}),
              name: f.object.name,
              workload: `${f.workload.kind}/${f.workload.name}`,
              severity: f.severity,
              failures: f.failures.map(x => x.text),
              firstSeen: f.firstSeen,
              lastSeen: f.lastSeen,
            })),
          ),
          errors: h.errors.map(e => ({
            cluster: e.cluster,
            message: e.message,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'explain-health-finding',
    title: 'Explain a Kubernetes health finding',
    description:
      'Explains one finding returned by get-entity-health-findings: summary, likely cause, numbered fix steps and kubectl commands (from the configured LLM with identifiers masked, or the built-in remediation catalog).',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/payments'),
          findingId: z
            .string()
            .describe('The id of a finding from get-entity-health-findings'),
        }),
      output: z =>
        z.object({
          source: z.enum(['llm', 'cache', 'catalog']),
          format: z.enum(['json', 'text']),
          summary: z.string(),
          likelyCause: z.string(),
          steps: z.array(z.string()),
          commands: z.array(z.string()),
          warning: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      await authorizeEntity(
        permissions,
        k8sDiagnosticsReadPermission,
        entityRef,
        credentials,
      );
      await authorizeEntity(
        permissions,
        k8sDiagnosticsExplainPermission,
        entityRef,
        credentials,
      );
      const r = await explain.explain({
        entityRef,
        findingId: input.findingId,
        credentials,
      });
      return {
        output: {
          source: r.source,
          format: r.format,
          ...r.explanation,
          ...(r.warning ? { warning: r.warning } : {}),
        },
      };
    },
  });
}

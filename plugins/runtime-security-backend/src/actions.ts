import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError } from '@backstage/errors';
import {
  runtimeSecurityReadPermission,
  runtimeSecurityTriagePermission,
  SEVERITIES,
  type SecurityFinding,
} from '@periscope/backstage-plugin-runtime-security-common';
import { authorizeEntity, parseEntityRefParam } from '@periscope/kube-access';
import { SecurityService } from './services/SecurityService';

/** The most findings one list-entity-security-findings answer carries (the most severe and recent first). */
const MAX_LISTED = 500;

function principalName(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return p.userEntityRef ?? p.subject ?? 'unknown';
}

function findingIdOf(raw: string): string {
  if (!/^[0-9a-f]{16}$/.test(raw)) {
    throw new InputError(
      `finding id '${raw}' is not valid: ids are 16 hexadecimal characters, as list-entity-security-findings returns them`,
    );
  }
  return raw;
}

function summaryOf(f: SecurityFinding) {
  return {
    id: f.id,
    rule: f.rule,
    title: f.title,
    severity: f.severity,
    outcome: f.outcome,
    mitre: `${f.mitre.id} ${f.mitre.name}`,
    cluster: f.cluster,
    namespace: f.namespace,
    workload: f.workload,
    pod: f.pod,
    binary: f.binary,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    ...(f.policy ? { policy: f.policy } : {}),
    triage: f.triage.state,
  };
}

/**
 * Registers the actions an AI assistant (e.g. through the MCP actions backend) may call: list an
 * entity's runtime-security findings, read one with its process tree, and triage one. Each checks
 * the caller's permission on the entity exactly like the HTTP routes (the triage action needs
 * `runtime-security.findings.triage`).
 */
export function registerActions(deps: {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  security: SecurityService;
}) {
  const { actionsRegistry, permissions, security } = deps;

  const findingSummary = (z: any) =>
    z.object({
      id: z.string(),
      rule: z.string(),
      title: z.string(),
      severity: z.string(),
      outcome: z.string(),
      mitre: z.string(),
      cluster: z.string(),
      namespace: z.string(),
      workload: z.string(),
      pod: z.string(),
      binary: z.string(),
      count: z.number(),
      firstSeen: z.string(),
      lastSeen: z.string(),
      policy: z.string().optional(),
      triage: z.string(),
    });

  actionsRegistry.register({
    name: 'list-entity-security-findings',
    title: 'List runtime-security findings of an entity',
    description:
      "Returns the Tetragon runtime-security findings (rule, severity, MITRE ATT&CK technique, workload, binary, counts, triage state) of a catalog entity's workloads, the most severe and recent first. Filter by minimum severity and triage state.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/checkout'),
          minSeverity: z
            .enum(['critical', 'high', 'medium', 'low', 'info'])
            .optional()
            .describe('Only findings at least this severe'),
          triage: z
            .enum(['open', 'acknowledged', 'false-positive'])
            .optional()
            .describe('Only findings in this triage state'),
        }),
      output: z =>
        z.object({
          status: z.enum(['ok', 'not-configured', 'not-annotated']),
          findings: z.array(findingSummary(z)),
          truncated: z.boolean(),
          errors: z.array(
            z.object({ cluster: z.string(), message: z.string() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      await authorizeEntity(
        permissions,
        runtimeSecurityReadPermission,
        entityRef,
        credentials,
      );
      const s = await security.getEntitySecurity({ entityRef, credentials });
      const allowed = input.minSeverity
        ? new Set(
            SEVERITIES.slice(0, SEVERITIES.indexOf(input.minSeverity) + 1),
          )
        : undefined;
      const matching = s.findings.filter(
        f =>
          (!allowed || allowed.has(f.severity)) &&
          (!input.triage || f.triage.state === input.triage),
      );
      return {
        output: {
          status: s.status,
          findings: matching.slice(0, MAX_LISTED).map(summaryOf),
          truncated: matching.length > MAX_LISTED || s.nextOffset !== undefined,
          errors: s.errors.map(e => ({
            cluster: e.cluster,
            message: e.message,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-security-finding',
    title: 'Get a runtime-security finding with its process tree',
    description:
      'Returns one finding from list-entity-security-findings with its evidence: the sample event (type, time, node, pod, kprobe/LSM function, policy, action, detail) and the process tree that led to it, root first, the process that triggered the rule last.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/checkout'),
          findingId: z
            .string()
            .describe('The id of a finding from list-entity-security-findings'),
        }),
      output: z =>
        z.object({
          finding: findingSummary(z).extend({
            remediation: z.string(),
            triageReason: z.string().optional(),
            triagedBy: z.string().optional(),
          }),
          event: z.object({
            eventId: z.string(),
            type: z.string(),
            time: z.string(),
            node: z.string().optional(),
            pod: z.string().optional(),
            container: z.string().optional(),
            image: z.string().optional(),
            function: z.string().optional(),
            policy: z.string().optional(),
            action: z.string().optional(),
            detail: z.string().optional(),
          }),
          processTree: z.array(
            z.object({
              execId: z.string(),
              binary: z.string(),
              arguments: z.string(),
              pid: z.number().optional(),
              uid: z.number().optional(),
              startTime: z.string().optional(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      const id = findingIdOf(input.findingId);
      await authorizeEntity(
        permissions,
        runtimeSecurityReadPermission,
        entityRef,
        credentials,
      );
      const f = await security.getEntityFinding({ entityRef, id, credentials });
      const s = f.sample;
      const opt = <K extends string, V>(k: K, v: V | undefined) =>
        v !== undefined && v !== '' ? { [k]: v } : {};
      return {
        output: {
          finding: {
            ...summaryOf(f),
            remediation: f.remediation,
            ...opt('triageReason', f.triage.reason),
            ...opt('triagedBy', f.triage.by),
          },
          event: {
            eventId: s.eventId,
            type: s.type,
            time: s.time,
            ...opt('node', s.node),
            ...opt('pod', s.pod),
            ...opt('container', s.container),
            ...opt('image', s.image),
            ...opt('function', s.function),
            ...opt('policy', s.policy),
            ...opt('action', s.action),
            ...opt('detail', s.detail),
          },
          processTree: s.ancestry.map(p => ({
            execId: p.execId,
            binary: p.binary,
            arguments: p.arguments,
            ...opt('pid', p.pid),
            ...opt('uid', p.uid),
            ...opt('startTime', p.startTime),
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'triage-security-finding',
    title: 'Triage a runtime-security finding',
    description:
      "Marks a finding of an entity acknowledged (expected behaviour), false-positive, or open again, with the reason; the caller is recorded as who triaged it. Needs the runtime-security.findings.triage permission on the entity. A reason is required unless the state is 'open'.",
    attributes: { readOnly: false, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity reference, e.g. component:default/checkout'),
          findingId: z
            .string()
            .describe('The id of a finding from list-entity-security-findings'),
          state: z.enum(['acknowledged', 'false-positive', 'open']),
          reason: z
            .string()
            .max(2000)
            .optional()
            .describe('Why, e.g. "expected: nightly backup job runs tar"'),
        }),
      output: z =>
        z.object({
          id: z.string(),
          state: z.string(),
          by: z.string().optional(),
          reason: z.string().optional(),
          at: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const entityRef = parseEntityRefParam(input.entityRef);
      const id = findingIdOf(input.findingId);
      const reason = input.reason?.trim();
      if (input.state !== 'open' && !reason) {
        throw new InputError(
          `'reason' is required to mark a finding ${input.state}: say why, e.g. "expected: nightly backup job runs tar"`,
        );
      }
      await authorizeEntity(
        permissions,
        runtimeSecurityTriagePermission,
        entityRef,
        credentials,
      );
      const f = await security.triageEntityFinding({
        entityRef,
        id,
        state: input.state,
        reason,
        by: principalName(credentials),
        credentials,
      });
      return {
        output: {
          id: f.id,
          state: f.triage.state,
          ...(f.triage.by ? { by: f.triage.by } : {}),
          ...(f.triage.reason ? { reason: f.triage.reason } : {}),
          ...(f.triage.at ? { at: f.triage.at } : {}),
        },
      };
    },
  });
}

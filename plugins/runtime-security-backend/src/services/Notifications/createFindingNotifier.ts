/**
 * The FindingNotifier: a Backstage notification to the owners of the entities a new critical (or
 * enforced) finding belongs to, muted per entity, never failing ingest.
 */
import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  DEFAULT_NAMESPACE,
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import type { NotificationPayload } from '@backstage/plugin-notifications-common';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import {
  inSelectorNamespace,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  matchesLabelSelector,
  WorkloadSelector,
  WorkloadSelectorOptions,
  workloadSelectorFor,
} from '@periscope/kube-access';
import { NotificationSettings } from '../../config';
import { DetectionRecord } from '../FindingsStore';
import { FindingNotifier } from './types';

/** An entity mutes its own runtime-security notifications with `off` (or `false`, `disabled`). */
export const SECURITY_NOTIFICATIONS_ANNOTATION =
  'periscope.dev/security-notifications';
/** The notifications topic (users can mute it in their notification settings). */
export const NOTIFICATION_TOPIC = 'runtime-security';

/** How long the list of annotated catalog entities is reused (a mute takes at most this long). */
const CATALOG_CACHE_MS = 30_000;

type Reason =
  | { kind: 'critical' }
  | { kind: 'enforcement'; action: 'SIGKILL' | 'OVERRIDE' };

const KILLING = /(?:^|[_\s:])(SIGKILL|OVERRIDE)\b/;

/**
 * Why a new finding is worth a notification: it is critical, or a TracingPolicy killed the
 * process (Sigkill) or overrode its call (Override), as the event's action shows.
 */
export function notificationReason(r: DetectionRecord): Reason | undefined {
  if (r.severity === 'critical') return { kind: 'critical' };
  // the action of the event, or (for return actions) the blocked-finding detail naming it
  const shown = `${r.sample.action ?? ''} ${
    r.outcome === 'blocked' ? r.sample.detail ?? '' : ''
  }`;
  const m = KILLING.exec(shown);
  if (m && (r.outcome === 'blocked' || r.sample.policy))
    return { kind: 'enforcement', action: m[1] as 'SIGKILL' | 'OVERRIDE' };
  return undefined;
}

function muted(entity: Entity, settings: NotificationSettings): boolean {
  const v =
    entity.metadata.annotations?.[
      SECURITY_NOTIFICATIONS_ANNOTATION
    ]?.trim().toLowerCase();
  return (
    v === 'off' ||
    v === 'false' ||
    v === 'disabled' ||
    settings.mutedEntities.includes(stringifyEntityRef(entity))
  );
}

/** The owner of an entity: its ownedBy relation, else `spec.owner` (a group unless it says otherwise). */
export function ownerOf(entity: Entity): string | undefined {
  const rel = entity.relations?.find(
    r => r.type === RELATION_OWNED_BY,
  )?.targetRef;
  if (rel) return rel;
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner.trim()) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(owner.trim(), {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
      }),
    );
  } catch {
    return undefined;
  }
}

/** The entity's Security tab, relative to the app (the notifications UI opens it in the app). */
export function securityTabLink(entity: Entity): string {
  const ns = (entity.metadata.namespace ?? DEFAULT_NAMESPACE).toLocaleLowerCase(
    'en-US',
  );
  return `/catalog/${encodeURIComponent(ns)}/${encodeURIComponent(
    entity.kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(entity.metadata.name)}/security`;
}

function workloadName(r: DetectionRecord): string {
  return `${r.namespace}/${r.workload || r.pod || 'unknown workload'}`;
}

/** The notification of one new finding (the same for every owner: `scope` dedupes per user). */
export function notificationPayload(
  r: DetectionRecord,
  reason: Reason,
  entity: Entity,
): NotificationPayload {
  const where = workloadName(r);
  const cluster = r.cluster ? ` on cluster ${r.cluster}` : '';
  const binary = r.binary || r.sample.binary;
  const process = [
    binary,
    r.sample.detail !== binary ? r.sample.detail : undefined,
  ]
    .filter(Boolean)
    .join(': ');
  const title =
    reason.kind === 'critical'
      ? `Critical runtime finding: ${r.title} in ${where}`
      : `TracingPolicy ${r.sample.policy ?? '(unnamed)'} ${
          reason.action === 'SIGKILL' ? 'killed a process' : 'overrode a call'
        } in ${where}`;
  const description = [
    `Rule ${r.rule} (${r.severity}) matched in ${where}${cluster} at ${
      r.sample.time
    }${process ? `: ${process}` : ''}.`,
    reason.kind === 'enforcement'
      ? `The policy enforces (action ${reason.action}) in this workload now; check it blocks what it should and nothing the workload needs.`
      : undefined,
    `MITRE ATT&CK ${r.mitre.id} ${r.mitre.name}.`,
    r.remediation,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    title,
    description,
    link: securityTabLink(entity),
    severity: reason.kind === 'critical' ? 'critical' : 'high',
    topic: NOTIFICATION_TOPIC,
    scope: `runtime-security:finding:${r.findingId}`,
    metadata: {
      findingId: r.findingId,
      rule: r.rule,
      entityRef: stringifyEntityRef(entity),
    },
  };
}

function belongs(selector: WorkloadSelector, r: DetectionRecord): boolean {
  return (
    r.namespace !== '' &&
    inSelectorNamespace(selector, r.namespace) &&
    matchesLabelSelector(r.labels, selector.labelSelector)
  );
}

/**
 * Sends one Backstage notification per new notifiable finding to the owner of each catalog
 * entity whose workloads it belongs to (entities mapped as the Security tab maps them), unless
 * the entity is muted. An owner of several matching entities gets one. Failures are logged and
 * never fail ingest (the findings are stored either way).
 */
export function createFindingNotifier(deps: {
  settings: NotificationSettings;
  notifications: NotificationService;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  selectors?: WorkloadSelectorOptions;
  now?: () => number;
}): FindingNotifier {
  const { settings, logger } = deps;
  const now = deps.now ?? Date.now;
  let cached: { at: number; entities: Entity[] } | undefined;

  /** The entities with workload annotations, read at most every {@link CATALOG_CACHE_MS} (a backfill has many batches). */
  async function annotatedEntities(): Promise<Entity[]> {
    if (cached && now() - cached.at < CATALOG_CACHE_MS) return cached.entities;
    const { items } = await deps.catalog.getEntities(
      {
        filter: [
          {
            [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
          {
            [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
          'spec.owner',
          'relations',
        ],
      },
      { credentials: await deps.auth.getOwnServiceCredentials() },
    );
    cached = { at: now(), entities: items };
    return items;
  }

  return {
    async notifyNewFindings(findings) {
      if (!settings.enabled) return;
      const todo = findings.flatMap(r => {
        const reason = notificationReason(r);
        return reason ? [{ r, reason }] : [];
      });
      if (!todo.length) return;
      let entities: Array<{ entity: Entity; selector: WorkloadSelector }>;
      try {
        entities = (await annotatedEntities()).flatMap(entity => {
          try {
            const selector = workloadSelectorFor(entity, deps.selectors);
            return selector ? [{ entity, selector }] : [];
          } catch {
            return []; // a selector the Security tab refuses too (no namespace, too broad)
          }
        });
      } catch (e) {
        logger.warn(
          `runtime-security: cannot read the catalog to notify owners of ${
            todo.length
          } new finding(s): ${(e as Error).message}`,
        );
        return;
      }
      for (const { r, reason } of todo) {
        const byOwner = new Map<string, Entity>();
        for (const { entity, selector } of entities) {
          if (!belongs(selector, r) || muted(entity, settings)) continue;
          const owner = ownerOf(entity);
          if (!owner) {
            logger.debug(
              `runtime-security: ${stringifyEntityRef(
                entity,
              )} has no owner to notify of finding ${r.findingId}`,
            );
            continue;
          }
          const cur = byOwner.get(owner);
          if (!cur || stringifyEntityRef(entity) < stringifyEntityRef(cur))
            byOwner.set(owner, entity);
        }
        for (const [owner, entity] of [...byOwner.entries()].sort(([a], [b]) =>
          a.localeCompare(b),
        )) {
          try {
            await deps.notifications.send({
              recipients: { type: 'entity', entityRef: owner },
              payload: notificationPayload(r, reason, entity),
            });
            logger.info(
              `runtime-security: notified ${owner} of new ${
                reason.kind === 'critical'
                  ? 'critical finding'
                  : `${reason.action} enforcement`
              } ${r.findingId} (${r.rule}) in ${workloadName(
                r,
              )} of ${stringifyEntityRef(entity)}`,
            );
          } catch (e) {
            logger.warn(
              `runtime-security: could not notify ${owner} of finding ${
                r.findingId
              } (${r.rule}) in ${workloadName(r)}: ${
                (e as Error).message
              }. Is the notifications backend (@backstage/plugin-notifications-backend) installed? Set runtimeSecurity.notifications.enabled: false to stop trying.`,
            );
          }
        }
      }
    },
  };
}

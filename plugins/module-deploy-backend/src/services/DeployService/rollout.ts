/**
 * Rollouts of a deploy, rollback or delete: one cluster at a time, each step streamed, audited and
 * (on success) recorded as a revision; a failure skips the clusters after it.
 */
import {
  AuditorService,
  AuditorServiceEvent,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  DeployEvent,
  JsonObject,
  scrubSecrets,
} from '@periscope/backstage-plugin-module-deploy-common';
import { ClusterDetails, classifyClusterError } from '@periscope/kube-access';
import {
  CueEvaluationError,
  DeployError,
  Revision,
} from '@periscope/backstage-plugin-module-deploy-node';
import { AuditAction, ClusterResult, DeployTarget } from '../../types';
import { DeployStore } from '../DeployStore';
import { StreamSink } from './types';

/**
 * What one cluster's step of a rollout returns: its result and, for the revision record, what
 * was applied (`values` as the database may keep them: sensitive fields already masked).
 */
export interface StepOutcome {
  result: ClusterResult;
  values?: JsonObject;
  module?: Revision['module'];
}

/** Runs an operation on one cluster, reporting its engine events. */
export type ClusterStep = (
  c: ClusterDetails,
  onEvent: (e: DeployEvent) => void,
) => Promise<StepOutcome>;

/** A target with its resolved clusters, in rollout order. */
export type Resolved = { target: DeployTarget; clusters: ClusterDetails[] };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Who did it, for the audit trail: the user's entity ref or the calling service. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (p?.type === 'user' && p.userEntityRef) return p.userEntityRef;
  if (p?.type === 'service' && p.subject) return p.subject;
  return 'unknown';
}

/** Runs a step; a thrown error becomes the cluster's `failed` result with a readable message. */
async function runStep(
  c: ClusterDetails,
  step: ClusterStep,
  sink: StreamSink,
): Promise<StepOutcome> {
  sink({ type: 'cluster', cluster: c.name, status: 'started' });
  try {
    return await step(c, event =>
      sink({ type: 'step', cluster: c.name, event }),
    );
  } catch (e) {
    const text =
      e instanceof DeployError || e instanceof CueEvaluationError
        ? e.message
        : classifyClusterError(c.name, e).message;
    return { result: { cluster: c.name, status: 'failed', message: text } };
  }
}

async function closeAuditEvent(
  event: AuditorServiceEvent | undefined,
  results: ClusterResult[],
): Promise<void> {
  const meta = { results: results.map(x => `${x.cluster}: ${x.status}`) };
  const failure = results.find(x => x.status === 'failed');
  const done = failure
    ? event?.fail({ error: new Error(failure.message ?? 'failed'), meta })
    : event?.success({ meta });
  await done?.catch(() => undefined);
}

/**
 * Rollouts: one cluster at a time in order, each recorded in the audit table (and, on success,
 * the revision table); a failure skips the remaining clusters.
 */
export function createRollout(deps: {
  store: DeployStore;
  logger: LoggerService;
  auditor?: AuditorService;
}) {
  const { store, logger } = deps;
  const logged = (what: string) => (e: unknown) =>
    logger.error(`module-deploy: could not write the ${what}: ${message(e)}`);

  async function record(
    target: DeployTarget,
    action: AuditAction,
    actor: string,
    out: StepOutcome,
    changeMessage: string | undefined,
  ): Promise<void> {
    const { result } = out;
    const row = {
      at: new Date().toISOString(),
      actor,
      entityRef: target.entityRef,
      cluster: result.cluster,
      namespace: target.namespace,
      instanceName: target.instanceName,
      action,
      revision: result.revision,
      module: out.module,
      values: out.values,
      result: result.status === 'failed' ? 'failure' : 'success',
      message: result.message,
      ...(changeMessage ? { changeMessage } : {}),
    } as const;
    await store.recordAudit(row).catch(logged('audit record'));
    if (action === 'delete' || result.status === 'failed') return;
    if (result.revision === undefined || !out.module || !out.values) return;
    await store
      .recordRevision({
        ...row,
        action,
        revision: result.revision,
        module: out.module,
        values: out.values,
        result: 'success',
      })
      .catch(logged('revision record'));
  }

  /**
   * `secrets` are the sensitive values in play: every event, result and audit message is
   * scrubbed of them (a step may add to the set, e.g. the values of the revisions it reads).
   * `changeMessage` (why, as the deployer wrote it) goes with the audit event, every audit row
   * and every revision row, scrubbed too.
   */
  return async function rollout(
    r: Resolved,
    action: AuditAction,
    credentials: BackstageCredentials,
    rawSink: StreamSink,
    step: ClusterStep,
    secrets: Set<string> = new Set(),
    changeMessage?: string,
  ): Promise<ClusterResult[]> {
    const scrub = <T>(v: T): T => scrubSecrets(v, [...secrets]);
    const sink: StreamSink = e => rawSink(scrub(e));
    const actor = actorOf(credentials);
    const { target } = r;
    const why = changeMessage ? scrub(changeMessage) : undefined;
    const auditEvent = await deps.auditor
      ?.createEvent({
        eventId: `module-${action}`,
        severityLevel: 'high',
        meta: {
          actor,
          entityRef: target.entityRef,
          instance: `${target.namespace}/${target.instanceName}`,
          clusters: target.clusters,
          ...(why ? { changeMessage: why } : {}),
        },
      })
      .catch(() => undefined);
    sink({
      type: 'start',
      action,
      instanceName: target.instanceName,
      namespace: target.namespace,
      clusters: target.clusters,
    });
    const results: ClusterResult[] = [];
    for (const c of r.clusters) {
      const failedBefore = results.some(x => x.status === 'failed');
      const out: StepOutcome = failedBefore
        ? {
            result: {
              cluster: c.name,
              status: 'skipped',
              message: 'not rolled out: a previous cluster failed',
            },
          }
        : await runStep(c, step, sink);
      out.result = scrub(out.result);
      results.push(out.result);
      sink({ type: 'cluster', ...out.result });
      if (!failedBefore) await record(target, action, actor, out, why);
    }
    const ok = !results.some(x => x.status === 'failed');
    sink({ type: 'done', ok, results });
    await closeAuditEvent(auditEvent, results);
    return results;
  };
}

/** What {@link createRollout} returns. */
export type Rollout = ReturnType<typeof createRollout>;

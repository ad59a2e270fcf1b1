import { DaemonSet, Deployment, Pod, ReplicaSet, StatefulSet } from '../kinds';
import { Failure } from '../model';
import { eventMessage } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

function deploymentFailures(ctx: AnalyzerContext, d: Deployment): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(d);
  const name = nameOf(d);
  const want = d.spec?.replicas;
  const ready = d.status?.readyReplicas ?? 0;
  const current = d.status?.replicas ?? 0;
  if (typeof want === 'number' && want !== ready) {
    if (current > want) {
      failures.push(
        ctx.failure(
          `Deployment ${ns}/${name} has ${want} replicas in spec but ${current} replicas in status because status field is not updated yet after scaling and ${ready} replicas are available with status running`,
          'medium',
          [ns, name],
        ),
      );
    } else {
      failures.push(
        ctx.failure(
          `Deployment ${ns}/${name} has ${want} replicas but ${ready} are available with status running`,
          ready === 0 ? 'critical' : 'high',
          [ns, name],
        ),
      );
    }
  }
  for (const c of d.status?.conditions ?? []) {
    if (c.type === 'Progressing' && c.status === 'False') {
      failures.push(
        ctx.failure(
          `Deployment ${ns}/${name} has condition ${c.type}=${
            c.status
          }, reason ${c.reason ?? ''}: ${c.message ?? ''}`,
          'high',
          [ns, name],
        ),
      );
    }
  }
  return failures;
}

/** k8sgpt `DeploymentAnalyzer`. */
export const deploymentAnalyzer: AnalyzerDefinition = {
  name: 'Deployment',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Deployment'],
  description:
    'Ready replicas differing from spec.replicas; Progressing=False.',
  analyze: ctx =>
    collect(ctx.select<Deployment>('Deployment'), 'Deployment', d =>
      deploymentFailures(ctx, d),
    ),
};

/** k8sgpt `ReplicaSetAnalyzer`. */
export const replicaSetAnalyzer: AnalyzerDefinition = {
  name: 'ReplicaSet',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['ReplicaSet'],
  description:
    'ReplicaSets with zero replicas that failed to create pods (ReplicaFailure/FailedCreate).',
  analyze: ctx =>
    collect(ctx.select<ReplicaSet>('ReplicaSet'), 'ReplicaSet', rs => {
      if ((rs.status?.replicas ?? 0) !== 0) return [];
      return (rs.status?.conditions ?? [])
        .filter(c => c.type === 'ReplicaFailure' && c.reason === 'FailedCreate')
        .map(c => ctx.failure(c.message ?? '', 'high'));
    }),
};

function daemonSetFailures(ctx: AnalyzerContext, ds: DaemonSet): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(ds);
  const name = nameOf(ds);
  const ready = ds.status?.numberReady ?? 0;
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  if (ready < desired) {
    failures.push(
      ctx.failure(
        `DaemonSet ${ns}/${name} has ${ready} ready replicas out of ${desired} scheduled`,
        ready === 0 ? 'critical' : 'high',
        [ns, name],
      ),
    );
  }
  for (const s of ds.spec?.template?.spec?.imagePullSecrets ?? []) {
    const secret = s.name ?? '';
    if (!ctx.index.get('Secret', ns, secret)) {
      failures.push(
        ctx.failure(
          `DaemonSet ${ns}/${name} references non-existent ImagePullSecret ${secret}`,
          'high',
          [ns, name, secret],
        ),
      );
    }
  }
  return failures;
}

/** k8sgpt `DaemonSetAnalyzer`. */
export const daemonSetAnalyzer: AnalyzerDefinition = {
  name: 'DaemonSet',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['DaemonSet', 'Secret'],
  description:
    'DaemonSets with fewer ready than scheduled pods, or a missing image pull Secret.',
  analyze: ctx =>
    collect(ctx.select<DaemonSet>('DaemonSet'), 'DaemonSet', ds =>
      daemonSetFailures(ctx, ds),
    ),
};

function statefulSetPodFailures(
  ctx: AnalyzerContext,
  sts: StatefulSet,
): Failure[] {
  const replicas = sts.spec?.replicas;
  if (
    typeof replicas !== 'number' ||
    replicas === (sts.status?.availableReplicas ?? 0)
  ) {
    return [];
  }
  const ns = nsOf(sts);
  for (let i = 0; i < replicas; i++) {
    const podName = `${nameOf(sts)}-${i}`;
    const pod = ctx.index.get<Pod>('Pod', ns, podName);
    if (!pod) {
      if (i === 0) {
        const evt = ctx.index.latestEvent(ns, nameOf(sts));
        if (evt && evt.type !== 'Normal') {
          return [ctx.failure(eventMessage(evt), 'high')];
        }
      }
      return [];
    }
    if (pod.status?.phase !== 'Running') {
      return [
        ctx.failure(
          `Statefulset pod ${podName} in the namespace ${ns} is not in running state.`,
          'high',
          [podName, ns],
        ),
      ];
    }
  }
  return [];
}

function statefulSetFailures(
  ctx: AnalyzerContext,
  sts: StatefulSet,
): Failure[] {
  const failures: Failure[] = [];
  const ns = nsOf(sts);
  const svc = sts.spec?.serviceName ?? '';
  if (svc === '' || !ctx.index.get('Service', ns, svc)) {
    failures.push(
      ctx.failure(
        `StatefulSet uses the service ${ns}/${svc} which does not exist.`,
        'high',
        [ns, svc],
      ),
    );
  }
  for (const t of sts.spec?.volumeClaimTemplates ?? []) {
    const sc = t.spec?.storageClassName;
    if (typeof sc === 'string' && !ctx.index.get('StorageClass', '', sc)) {
      failures.push(
        ctx.failure(
          `StatefulSet uses the storage class ${sc} which does not exist.`,
          'high',
          [sc],
        ),
      );
    }
  }
  failures.push(...statefulSetPodFailures(ctx, sts));
  return failures;
}

/** k8sgpt `StatefulSetAnalyzer`. */
export const statefulSetAnalyzer: AnalyzerDefinition = {
  name: 'StatefulSet',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['StatefulSet', 'Service', 'StorageClass', 'Pod', 'Event'],
  description:
    'Missing governing Service or StorageClass; the first non-running pod when replicas are unavailable.',
  analyze: ctx =>
    collect(ctx.select<StatefulSet>('StatefulSet'), 'StatefulSet', sts =>
      statefulSetFailures(ctx, sts),
    ),
};

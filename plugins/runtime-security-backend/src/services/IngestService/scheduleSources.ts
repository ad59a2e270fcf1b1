/** Schedules the configured sources (Kubernetes logs, export files) and the retention task. */
import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { ClusterSource } from '@periscope/kube-access';
import { RuntimeSecurityConfig, selectFollowedClusters } from '../../config';
import { createFileSource } from '../FileSource';
import { FindingsStore } from '../FindingsStore';
import {
  createKubernetesLogSource,
  KubernetesLogSource,
} from '../KubernetesSource';
import type { FindingNotifier } from '../Notifications';

/**
 * Schedules every configured source and the retention task:
 * - one global task per cluster following its Tetragon pods (one replica at a
 *   time follows a cluster; the next run, on any replica, resumes from the checkpoint);
 * - one local task per export file (the file is on this replica's disk);
 * - a global retention task (hourly).
 */
export async function scheduleSources(deps: {
  config: RuntimeSecurityConfig;
  scheduler: SchedulerService;
  store: FindingsStore;
  logger: LoggerService;
  clusters: ClusterSource;
  notifier?: FindingNotifier;
}): Promise<void> {
  const { config, scheduler, store, logger } = deps;
  const sourceDeps = {
    store,
    logger,
    analyzer: config.analyzer,
    notifier: deps.notifier,
  };
  if (config.kubernetes.enabled) {
    // Clusters can appear later (catalog, GKE locators): each run lists them again and follows
    // every server-side cluster for one window; a source per cluster keeps its checkpoint.
    const sources = new Map<
      string,
      { url: string; source: KubernetesLogSource }
    >();
    let reported = '';
    await scheduler.scheduleTask({
      id: 'runtime-security:kubernetes',
      scope: 'global',
      frequency: { seconds: 5 },
      timeout: { milliseconds: config.kubernetes.followWindowMs + 60_000 },
      initialDelay: { seconds: 1 },
      fn: async signal => {
        const { clusters, problems } = selectFollowedClusters(
          config.kubernetes,
          await deps.clusters.listClusters(),
        );
        const report = [
          `following ${config.kubernetes.labelSelector} container ${
            config.kubernetes.container
          } in ${clusters.map(c => c.name).join(', ') || 'no cluster'}`,
          ...problems,
        ].join('; ');
        if (report !== reported) {
          (problems.length ? logger.warn : logger.info).call(
            logger,
            `runtime-security: ${report}`,
          );
          reported = report;
        }
        const running = clusters.map(cluster => {
          let entry = sources.get(cluster.name);
          if (!entry || entry.url !== cluster.url) {
            entry = {
              url: cluster.url,
              source: createKubernetesLogSource(
                cluster,
                config.kubernetes,
                sourceDeps,
              ),
            };
            sources.set(cluster.name, entry);
          }
          return entry.source.run(signal ?? new AbortController().signal);
        });
        await Promise.all(running);
      },
    });
  }
  for (const file of config.files) {
    const source = createFileSource(file, sourceDeps);
    await scheduler.scheduleTask({
      id: `runtime-security:${file.id}`,
      scope: 'local',
      frequency: { milliseconds: file.pollMs },
      timeout: { minutes: 10 },
      fn: async signal => {
        await source.poll(signal);
      },
    });
  }
  await scheduler.scheduleTask({
    id: 'runtime-security:retention',
    scope: 'global',
    frequency: { hours: 1 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 1 },
    fn: async () => {
      const r = await store.enforceRetention(Date.now() - config.retentionMs);
      if (r.events || r.findings)
        logger.info(
          `runtime-security retention: deleted ${r.events} events and ${r.findings} findings`,
        );
    },
  });
}

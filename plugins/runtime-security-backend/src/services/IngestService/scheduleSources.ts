import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { RuntimeSecurityConfig } from '../../config';
import { FileSource } from '../FileSource/FileSource';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import { KubernetesLogSource } from '../KubernetesSource/KubernetesLogSource';

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
}): Promise<void> {
  const { config, scheduler, store, logger } = deps;
  const sourceDeps = { store, logger, analyzer: config.analyzer };
  if (config.kubernetes.enabled) {
    for (const cluster of config.kubernetes.clusters) {
      const source = new KubernetesLogSource(cluster, config.kubernetes, sourceDeps);
      await scheduler.scheduleTask({
        id: `runtime-security:${source.id}`,
        scope: 'global',
        frequency: { seconds: 5 },
        timeout: { milliseconds: config.kubernetes.followWindowMs + 60_000 },
        initialDelay: { seconds: 1 },
        fn: async signal => {
          await source.run(signal ?? new AbortController().signal);
        },
      });
    }
    logger.info(
      `runtime-security: following ${config.kubernetes.labelSelector} container ${config.kubernetes.container} in ${config.kubernetes.clusters.map(c => c.name).join(', ')}`,
    );
  }
  for (const file of config.files) {
    const source = new FileSource(file, sourceDeps);
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
      if (r.events || r.findings) logger.info(`runtime-security retention: deleted ${r.events} events and ${r.findings} findings`);
    },
  });
}

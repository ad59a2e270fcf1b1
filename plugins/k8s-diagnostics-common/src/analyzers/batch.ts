import { cronScheduleError } from '../cron';
import { CronJob, Job, PersistentVolumeClaim } from '../kinds';
import { Failure } from '../model';
import { eventMessage } from '../snapshot';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  collect,
  nameOf,
  nsOf,
} from './types';

function jobCompleted(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    c =>
      (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') &&
      c.status === 'True',
  );
}

function jobFailures(ctx: AnalyzerContext, job: Job): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(job);
  if (job.spec?.suspend === true) {
    failures.push(ctx.failure(`Job ${name} is suspended`, 'low', [name]));
  }
  if ((job.status?.failed ?? 0) > 0 && !jobCompleted(job)) {
    let text = `Job ${name} has failed`;
    const evt = ctx.index.latestEvent(nsOf(job), name);
    if (
      evt &&
      evt.reason === 'BackoffLimitExceeded' &&
      eventMessage(evt) !== ''
    ) {
      text = eventMessage(evt);
    }
    failures.push(ctx.failure(text, 'high', [name]));
  }
  return failures;
}

/** k8sgpt `JobAnalyzer`. */
export const jobAnalyzer: AnalyzerDefinition = {
  name: 'Job',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['Job', 'Event'],
  description:
    'Suspended Jobs, and Jobs with failed pods that did not complete.',
  analyze: ctx =>
    collect(ctx.select<Job>('Job'), 'Job', job => jobFailures(ctx, job)),
};

function cronJobFailures(ctx: AnalyzerContext, cj: CronJob): Failure[] {
  const name = nameOf(cj);
  if (cj.spec?.suspend === true) {
    return [ctx.failure(`CronJob ${name} is suspended`, 'low', [name])];
  }
  const failures: Failure[] = [];
  const err = cronScheduleError(cj.spec?.schedule ?? '');
  if (err !== undefined) {
    failures.push(
      ctx.failure(`CronJob ${name} has an invalid schedule: ${err}`, 'high', [
        name,
      ]),
    );
  }
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (typeof deadline === 'number' && deadline < 0) {
    failures.push(
      ctx.failure(
        `CronJob ${name} has a negative starting deadline`,
        'medium',
        [name],
      ),
    );
  }
  return failures;
}

/** k8sgpt `CronJobAnalyzer`. */
export const cronJobAnalyzer: AnalyzerDefinition = {
  name: 'CronJob',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['CronJob'],
  description:
    'Suspended CronJobs, invalid schedules (robfig/cron rules), negative starting deadlines.',
  analyze: ctx =>
    collect(ctx.select<CronJob>('CronJob'), 'CronJob', cj =>
      cronJobFailures(ctx, cj),
    ),
};

/** k8sgpt `PvcAnalyzer`. */
export const pvcAnalyzer: AnalyzerDefinition = {
  name: 'PersistentVolumeClaim',
  enabledByDefault: true,
  fromK8sgpt: true,
  inputKinds: ['PersistentVolumeClaim', 'Event'],
  description: 'Pending claims whose latest event is ProvisioningFailed.',
  analyze: ctx =>
    collect(
      ctx.select<PersistentVolumeClaim>('PersistentVolumeClaim'),
      'PersistentVolumeClaim',
      pvc => {
        if (pvc.status?.phase !== 'Pending') return [];
        const evt = ctx.index.latestEvent(nsOf(pvc), nameOf(pvc));
        if (
          !evt ||
          evt.reason !== 'ProvisioningFailed' ||
          eventMessage(evt) === ''
        )
          return [];
        return [ctx.failure(eventMessage(evt), 'high')];
      },
    ),
};

/**
 * The entity timeline: health findings, runtime-security findings and deploys of one entity on
 * one time axis, so a service owner sees that a finding started right after a deploy.
 *
 * The inputs are structural subsets of the three backends' responses (`GET /entity` of
 * k8s-diagnostics and runtime-security, `GET /entity/history` of module-deploy), so this package
 * needs none of the plugins and each plugin's response fits as it is.
 */

/** @public */
export type TimelineSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** @public */
export type TimelineSource = 'health' | 'security' | 'deploy';

/** @public */
export type TimelineEventType =
  | 'finding-opened'
  | 'finding-resolved'
  | 'deployed'
  | 'rolled-back'
  | 'deleted'
  | 'deploy-failed';

/**
 * One point on the timeline.
 * @public
 */
export interface TimelineEvent {
  /** Unique within one timeline. */
  id: string;
  /** ISO time. */
  at: string;
  source: TimelineSource;
  type: TimelineEventType;
  severity?: TimelineSeverity;
  title: string;
  detail?: string;
  cluster?: string;
  /**
   * For an opened finding: the latest successful deploy to the same cluster at most
   * `windowMinutes` before it (see {@link buildEntityTimeline}).
   */
  afterDeploy?: { eventId: string; minutes: number; label: string };
}

/** The part of k8s-diagnostics' `EntityHealth` the timeline reads. @public */
export interface TimelineHealthInput {
  groups: Array<{ findings: TimelineHealthFinding[] }>;
  resolved: TimelineHealthFinding[];
}

/** @public */
export interface TimelineHealthFinding {
  id: string;
  cluster: string;
  analyzer: string;
  object: { kind: string; name: string; namespace?: string };
  severity: TimelineSeverity;
  failures: Array<{ text: string }>;
  firstSeen: string;
  resolvedAt?: string;
}

/** The part of runtime-security's entity response the timeline reads. @public */
export interface TimelineSecurityInput {
  findings: Array<{
    id: string;
    title: string;
    severity: TimelineSeverity;
    cluster: string;
    namespace: string;
    workload: string;
    binary: string;
    count: number;
    firstSeen: string;
    triage?: { state: string };
  }>;
}

/** The part of module-deploy's `EntityHistory` the timeline reads. @public */
export interface TimelineDeployInput {
  revisions: Array<{
    cluster: string;
    revision: number;
    appliedAt: string;
    action: 'apply' | 'rollback';
    module: { name?: string; version?: string; url?: string };
    actor?: string;
  }>;
  audit: Array<{
    at: string;
    actor: string;
    cluster: string;
    action: string;
    revision?: number;
    result: 'success' | 'failure';
    message?: string;
  }>;
}

/** @public */
export interface BuildTimelineOptions {
  health?: TimelineHealthInput;
  security?: TimelineSecurityInput;
  deploys?: TimelineDeployInput;
  /** A finding opened at most this long after a deploy is linked to it. Default 60. */
  windowMinutes?: number;
}

const objectName = (o: { kind: string; name: string; namespace?: string }) =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

function healthEvents(input: TimelineHealthInput): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  const all = [...input.groups.flatMap(g => g.findings), ...input.resolved];
  const seen = new Set<string>();
  for (const f of all) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    const detail = f.failures.map(x => x.text).join('; ');
    const base = {
      source: 'health' as const,
      severity: f.severity,
      cluster: f.cluster,
      detail,
    };
    out.push({
      ...base,
      id: `health:${f.id}:opened`,
      at: f.firstSeen,
      type: 'finding-opened',
      title: `${objectName(f.object)}: ${f.analyzer} finding`,
    });
    if (f.resolvedAt) {
      out.push({
        ...base,
        id: `health:${f.id}:resolved`,
        at: f.resolvedAt,
        type: 'finding-resolved',
        title: `${objectName(f.object)}: ${f.analyzer} finding resolved`,
      });
    }
  }
  return out;
}

function securityEvents(input: TimelineSecurityInput): TimelineEvent[] {
  return input.findings.map(f => ({
    id: `security:${f.id}:opened`,
    at: f.firstSeen,
    source: 'security' as const,
    type: 'finding-opened' as const,
    severity: f.severity,
    cluster: f.cluster,
    title: `${f.title} in ${f.namespace}/${f.workload}`,
    detail: `${f.binary} (${f.count} event${f.count === 1 ? '' : 's'}${
      f.triage && f.triage.state !== 'open' ? `, ${f.triage.state}` : ''
    })`,
  }));
}

function moduleLabel(
  m: TimelineDeployInput['revisions'][number]['module'],
): string {
  const name = m.name ?? m.url ?? 'module';
  return m.version ? `${name}@${m.version}` : name;
}

function deployEvents(input: TimelineDeployInput): TimelineEvent[] {
  const out: TimelineEvent[] = input.revisions.map(r => ({
    id: `deploy:${r.cluster}:${r.revision}`,
    at: r.appliedAt,
    source: 'deploy' as const,
    type:
      r.action === 'rollback'
        ? ('rolled-back' as const)
        : ('deployed' as const),
    cluster: r.cluster,
    title: `${
      r.action === 'rollback' ? 'Rolled back to' : 'Deployed'
    } revision ${r.revision} (${moduleLabel(r.module)})`,
    detail: r.actor ? `by ${r.actor}` : undefined,
  }));
  // failed attempts and deletes leave no revision; the audit log has them
  input.audit.forEach((a, i) => {
    const failed = a.result === 'failure';
    if (!failed && a.action !== 'delete') return;
    out.push({
      id: `deploy:${a.cluster}:audit:${i}`,
      at: a.at,
      source: 'deploy',
      type: failed ? 'deploy-failed' : 'deleted',
      severity: failed ? 'high' : undefined,
      cluster: a.cluster,
      title: failed
        ? `${a.action} failed${
            a.revision !== undefined ? ` (revision ${a.revision})` : ''
          }`
        : 'Instance deleted',
      detail: [a.message, `by ${a.actor}`].filter(Boolean).join(' — '),
    });
  });
  return out;
}

const time = (iso: string) => Date.parse(iso);

/**
 * Merges the three sources into one list, newest first, dropping events without a valid time,
 * and links each opened finding to the latest successful deploy to the same cluster at most
 * `windowMinutes` before it.
 * @public
 */
export function buildEntityTimeline(
  options: BuildTimelineOptions,
): TimelineEvent[] {
  const windowMs = (options.windowMinutes ?? 60) * 60_000;
  const events = [
    ...(options.health ? healthEvents(options.health) : []),
    ...(options.security ? securityEvents(options.security) : []),
    ...(options.deploys ? deployEvents(options.deploys) : []),
  ].filter(e => Number.isFinite(time(e.at)));
  const deploys = events
    .filter(e => e.type === 'deployed' || e.type === 'rolled-back')
    .sort((a, b) => time(b.at) - time(a.at));
  for (const e of events) {
    if (e.type !== 'finding-opened') continue;
    const t = time(e.at);
    const d = deploys.find(
      x =>
        x.cluster === e.cluster &&
        time(x.at) <= t &&
        t - time(x.at) <= windowMs,
    );
    if (d) {
      e.afterDeploy = {
        eventId: d.id,
        minutes: Math.round((t - time(d.at)) / 60_000),
        label: d.title,
      };
    }
  }
  return events.sort(
    (a, b) => time(b.at) - time(a.at) || a.id.localeCompare(b.id),
  );
}

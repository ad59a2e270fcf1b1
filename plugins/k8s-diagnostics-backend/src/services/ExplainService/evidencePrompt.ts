/**
 * A finding's evidence as it is sent to an LLM: every identifier masked (the pod, containers,
 * missing objects, ServiceAccount and node are added to the masker's names; images, hosts,
 * e-mails and tokens are masked by pattern), every text cut to `maxItemBytes`, the log to its
 * last `logLines` lines, and the whole to at most half of `maxInputBytes` (log lines go first,
 * then the other containers, then the events).
 */
import {
  ContainerStateEvidence,
  FindingEvidence,
} from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { PlaceholderMasker } from './masking';

/** The identifiers of the evidence, for the masker's names. */
export function evidenceNames(e: FindingEvidence | undefined): string[] {
  if (!e) return [];
  return [
    e.pod?.name,
    e.pod?.node,
    e.pod?.serviceAccount,
    ...e.containers.map(c => c.name),
    ...e.missingReferences.map(r => r.name),
    ...e.ownerChain.map(o => o.name),
  ].filter((n): n is string => typeof n === 'string' && n !== '');
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A masked text, cut to `max` bytes (the masking first, so a secret is never cut before it is recognised). */
function text(masker: PlaceholderMasker, raw: string, max: number): string {
  const masked = masker.mask(raw.length > 8 * max ? raw.slice(-8 * max) : raw);
  if (bytes(masked) <= max) return masked;
  return `${Buffer.from(masked, 'utf8')
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')} …[cut]`;
}

/** The evidence to send, masked and bounded; undefined when there is none worth sending. */
export function maskedEvidence(
  e: FindingEvidence | undefined,
  masker: PlaceholderMasker,
  limits: { maxInputBytes: number; maxItemBytes: number; logLines: number },
): object | undefined {
  if (!e || (!e.pod && e.missingReferences.length === 0)) return undefined;
  const t = (s: string) => text(masker, s, limits.maxItemBytes);
  const state = (s?: ContainerStateEvidence) =>
    s && {
      status: s.status,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      ...(s.signal !== undefined ? { signal: s.signal } : {}),
      ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
      ...(s.message ? { message: t(s.message) } : {}),
    };
  const containers = e.containers.map(c => ({
    name: t(c.name),
    ...(c.init ? { init: true } : {}),
    ...(c.image ? { image: t(c.image) } : {}),
    // one line, masked whole: `--password` and its value may be two items
    ...(c.command || c.args
      ? { commandLine: t([...(c.command ?? []), ...(c.args ?? [])].join(' ')) }
      : {}),
    ...(c.resources ? { resources: c.resources } : {}),
    ...(c.probes.length
      ? {
          probes: c.probes.map(p => ({
            ...p,
            handler: t(p.handler),
            ...(p.path ? { path: t(p.path) } : {}),
          })),
        }
      : {}),
    ...(c.ready !== undefined ? { ready: c.ready } : {}),
    ...(c.restartCount !== undefined ? { restartCount: c.restartCount } : {}),
    ...(c.state ? { state: state(c.state) } : {}),
    ...(c.lastState ? { lastState: state(c.lastState) } : {}),
  }));
  const logs = e.logs
    .filter(() => limits.logLines > 0)
    .map(l => ({
      container: t(l.container),
      previous: l.previous,
      ...(l.error ? { error: t(l.error) } : {}),
      lastLines: l.lines.slice(-limits.logLines).map(t),
    }));
  const pod = e.pod && {
    name: masker.mask(e.pod.name),
    ...(e.pod.phase ? { phase: e.pod.phase } : {}),
    ...(e.pod.reason ? { reason: e.pod.reason } : {}),
    ...(e.pod.message ? { message: t(e.pod.message) } : {}),
    ...(e.pod.createdAt ? { createdAt: e.pod.createdAt } : {}),
  };
  const events = e.warningEvents.map(ev => ({
    reason: ev.reason,
    count: ev.count,
    message: t(ev.message),
  }));
  const missing = e.missingReferences.map(r => ({
    kind: r.kind,
    name: masker.mask(r.name),
    ...(r.key ? { key: t(r.key) } : {}),
    ...(r.use ? { use: t(r.use) } : {}),
  }));
  const build = (
    cs: typeof containers,
    ls: typeof logs,
    es: typeof events,
  ) => ({
    ...(pod ? { pod } : {}),
    ...(e.failingContainer
      ? { failingContainer: masker.mask(e.failingContainer) }
      : {}),
    containers: cs,
    ...(ls.length ? { logs: ls } : {}),
    ...(es.length ? { warningEvents: es } : {}),
    ...(missing.length ? { missingReferences: missing } : {}),
  });
  const budget = Math.floor(limits.maxInputBytes / 2);
  const size = (x: object) => bytes(JSON.stringify(x, null, 2));
  let ls = logs;
  let cs = containers;
  let es = events;
  let out = build(cs, ls, es);
  // log lines first (oldest first), then the containers that do not fail, then events
  while (size(out) > budget && ls.some(l => l.lastLines.length > 0)) {
    ls = ls.map(l => ({
      ...l,
      lastLines: l.lastLines.slice(
        Math.max(1, Math.ceil(l.lastLines.length / 4)),
      ),
    }));
    out = build(cs, ls, es);
  }
  if (size(out) > budget) out = build((cs = cs.slice(0, 1)), ls, es);
  while (size(out) > budget && es.length > 0)
    out = build(cs, ls, (es = es.slice(0, -1)));
  return size(out) > budget ? undefined : out;
}

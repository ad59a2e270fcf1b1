/**
 * The KubernetesLogSource: follows the export container of every Tetragon pod of one cluster
 * through the API server, checkpointed per pod.
 */
import { CoreV1Api, Log, V1Pod } from '@kubernetes/client-node';
import { createLineSplitter } from '@periscope/backstage-plugin-runtime-security-common';
import {
  ClusterDetails,
  classifyClusterError,
  kubeConfigFor,
} from '@periscope/kube-access';
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { KubernetesSourceSettings } from '../../config';
import { createSourceIngester } from '../IngestService/createSourceIngester';
import { SourceDeps } from '../IngestService/types';
import {
  advance,
  createResumeFilter,
  sinceTimeOf,
  splitTimestamp,
} from './logLines';
import { KubernetesCheckpoint, KubernetesLogSource } from './types';

/** Lines buffered per pod before the stream is paused until they are stored. */
const MAX_PENDING = 2000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Creates the follower of the export container of every Tetragon pod of one cluster through
 * the API server (`GET /api/v1/namespaces/{ns}/pods/{pod}/log?follow=true&timestamps=true&sinceTime=…`).
 *
 * One {@link KubernetesLogSource.run} follows for a window (default 5 min),
 * listing pods again every rescan interval, then returns so the scheduler can
 * hand the task to any replica. Progress is a checkpoint per pod (timestamp of
 * the last stored line + how many lines had that timestamp), advanced only
 * after the store accepted the lines: a restart resumes from `sinceTime` (whole
 * second) and drops the lines it already stored, so nothing is lost; anything
 * re-read anyway is deduplicated by event id.
 */
export function createKubernetesLogSource(
  cluster: ClusterDetails,
  settings: KubernetesSourceSettings,
  deps: SourceDeps,
): KubernetesLogSource {
  const id = `kubernetes:${cluster.name}`;
  const kc = kubeConfigFor(cluster);
  const ingester = createSourceIngester(id, 'kubernetes', deps);
  /** Where each pod was read up to (loaded at the start of every run). */
  const state: { checkpoint: KubernetesCheckpoint } = {
    checkpoint: { pods: {} },
  };
  let saveChain: Promise<void> = Promise.resolve();

  async function listPods(): Promise<V1Pod[]> {
    const api = kc.makeApiClient(CoreV1Api);
    const list = settings.namespace
      ? await api.listNamespacedPod({
          namespace: settings.namespace,
          labelSelector: settings.labelSelector,
        })
      : await api.listPodForAllNamespaces({
          labelSelector: settings.labelSelector,
        });
    return list.items;
  }

  async function startFollowers(
    followers: Map<string, Promise<void>>,
    signal: AbortSignal,
  ): Promise<void> {
    let pods: V1Pod[];
    try {
      pods = await listPods();
    } catch (e) {
      const err = classifyClusterError(cluster.name, e);
      await ingester.fail(
        `listing Tetragon pods (${settings.labelSelector}) failed: ${err.message}`,
      );
      return;
    }
    const live = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      live.add(key);
      const hasContainer = pod.spec?.containers.some(
        c => c.name === settings.container,
      );
      if (
        !hasContainer ||
        pod.status?.phase !== 'Running' ||
        followers.has(key)
      )
        continue;
      const p = follow(pod, key, signal)
        .catch(async e => {
          const err = classifyClusterError(cluster.name, e);
          await ingester.fail(
            `following ${key} container ${settings.container} failed: ${err.message}`,
            state.checkpoint,
          );
        })
        .finally(() => followers.delete(key));
      followers.set(key, p);
    }
    // Forget checkpoints of pods that are gone, so the checkpoint stays small.
    for (const key of Object.keys(state.checkpoint.pods))
      if (!live.has(key)) delete state.checkpoint.pods[key];
    if (pods.length === 0) {
      await ingester.fail(
        `no pod matches ${settings.labelSelector}${
          settings.namespace ? ` in namespace ${settings.namespace}` : ''
        }: is Tetragon installed, or set runtimeSecurity.sources.kubernetes.labelSelector`,
        state.checkpoint,
      );
    }
  }

  async function follow(
    pod: V1Pod,
    key: string,
    signal: AbortSignal,
  ): Promise<void> {
    const cp = state.checkpoint.pods[key];
    const filter = createResumeFilter(cp);
    const stream = new PassThrough();
    const splitter = createLineSplitter({
      maxLineBytes: deps.analyzer.maxLineBytes,
    });
    const decoder = new StringDecoder('utf8');
    let pending: Array<{ ts: string; text: string }> = [];
    let flushing: Promise<void> = Promise.resolve();

    const flush = (): Promise<void> => {
      flushing = flushing.then(async () => {
        const batch = pending;
        pending = [];
        if (batch.length === 0) return;
        await ingester.pushLines(
          batch.map(b => b.text),
          { cluster: cluster.name },
        );
        let next = state.checkpoint.pods[key];
        for (const b of batch) next = advance(next, b.ts);
        state.checkpoint.pods[key] = next;
        saveChain = saveChain.then(() => ingester.save(state.checkpoint));
        await saveChain;
        if (stream.isPaused()) stream.resume();
      });
      return flushing;
    };

    const take = (lines: string[]) => {
      for (const line of lines) {
        const split = splitTimestamp(line);
        if (!split) continue;
        if (filter.accept(split.ts)) pending.push(split);
      }
      if (pending.length >= MAX_PENDING) {
        stream.pause();
        void flush();
      }
    };

    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) =>
        take(splitter.push(decoder.write(chunk))),
      );
      stream.on('end', () => {
        take(splitter.push(decoder.end()));
        take(splitter.end());
        resolve();
      });
      stream.on('error', reject);
      signal.addEventListener('abort', () => resolve());
    });
    const timer = setInterval(() => void flush(), settings.flushMs);
    try {
      const ctl = await new Log(kc).log(
        pod.metadata!.namespace!,
        pod.metadata!.name!,
        settings.container,
        stream,
        {
          follow: true,
          timestamps: true,
          sinceTime: cp ? sinceTimeOf(cp.ts) : undefined,
        },
      );
      const abort = () => ctl.abort();
      signal.addEventListener('abort', abort);
      try {
        await ended;
      } finally {
        signal.removeEventListener('abort', abort);
        ctl.abort();
      }
    } finally {
      clearInterval(timer);
      await flush();
    }
  }

  /** Follows the logs until `windowMs` passed or `signal` aborts; resolves after the last lines are stored. */
  async function run(
    signal: AbortSignal,
    windowMs = settings.followWindowMs,
  ): Promise<void> {
    state.checkpoint = (await deps.store.getCheckpoint<KubernetesCheckpoint>(
      id,
    )) ?? {
      pods: {},
    };
    if (!state.checkpoint.pods) state.checkpoint.pods = {};
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort);
    const deadline = Date.now() + windowMs;
    const followers = new Map<string, Promise<void>>();
    try {
      while (!stop.signal.aborted && Date.now() < deadline) {
        await startFollowers(followers, stop.signal);
        await sleep(
          Math.min(settings.rescanMs, Math.max(0, deadline - Date.now())),
          stop.signal,
        );
      }
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      await Promise.all(followers.values());
      await saveChain;
    }
  }

  return { id, run };
}

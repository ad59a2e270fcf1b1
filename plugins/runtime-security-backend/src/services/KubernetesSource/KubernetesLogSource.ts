import { LoggerService } from '@backstage/backend-plugin-api';
import { CoreV1Api, KubeConfig, Log, V1Pod } from '@kubernetes/client-node';
import { createLineSplitter } from '@periscope/backstage-plugin-runtime-security-common';
import {
  ClusterDetails,
  classifyClusterError,
  kubeConfigFor,
} from '@periscope/kube-access';
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { AnalyzerSettings, KubernetesSourceSettings } from '../../config';
import { FindingsStore } from '../FindingsStore/FindingsStore';
import { SourceIngester } from '../IngestService/SourceIngester';
import type { FindingNotifier } from '../Notifications/FindingNotifier';
import {
  advance,
  PodCheckpoint,
  ResumeFilter,
  sinceTimeOf,
  splitTimestamp,
} from './logLines';

/** Stored per cluster: where each Tetragon pod's log was read up to. */
export interface KubernetesCheckpoint {
  pods: Record<string, PodCheckpoint>;
}

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
 * Follows the export container of every Tetragon pod of one cluster through
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
export class KubernetesLogSource {
  readonly id: string;
  private readonly kc: KubeConfig;
  private readonly ingester: SourceIngester;
  private checkpoint: KubernetesCheckpoint = { pods: {} };
  private saveChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: ClusterDetails,
    private readonly settings: KubernetesSourceSettings,
    private readonly deps: {
      store: FindingsStore;
      logger: LoggerService;
      analyzer: AnalyzerSettings;
      notifier?: FindingNotifier;
    },
  ) {
    this.id = `kubernetes:${cluster.name}`;
    this.kc = kubeConfigFor(cluster);
    this.ingester = new SourceIngester(this.id, 'kubernetes', deps);
  }

  /** Follows the logs until `windowMs` passed or `signal` aborts; resolves after the last lines are stored. */
  async run(
    signal: AbortSignal,
    windowMs = this.settings.followWindowMs,
  ): Promise<void> {
    this.checkpoint =
      (await this.deps.store.getCheckpoint<KubernetesCheckpoint>(this.id)) ?? {
        pods: {},
      };
    if (!this.checkpoint.pods) this.checkpoint.pods = {};
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort);
    const deadline = Date.now() + windowMs;
    const followers = new Map<string, Promise<void>>();
    try {
      while (!stop.signal.aborted && Date.now() < deadline) {
        await this.startFollowers(followers, stop.signal);
        await sleep(
          Math.min(this.settings.rescanMs, Math.max(0, deadline - Date.now())),
          stop.signal,
        );
      }
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      await Promise.all(followers.values());
      await this.saveChain;
    }
  }

  private async listPods(): Promise<V1Pod[]> {
    const api = this.kc.makeApiClient(CoreV1Api);
    const list = this.settings.namespace
      ? await api.listNamespacedPod({
          namespace: this.settings.namespace,
          labelSelector: this.settings.labelSelector,
        })
      : await api.listPodForAllNamespaces({
          labelSelector: this.settings.labelSelector,
        });
    return list.items;
  }

  private async startFollowers(
    followers: Map<string, Promise<void>>,
    signal: AbortSignal,
  ): Promise<void> {
    let pods: V1Pod[];
    try {
      pods = await this.listPods();
    } catch (e) {
      const err = classifyClusterError(this.cluster.name, e);
      await this.ingester.fail(
        `listing Tetragon pods (${this.settings.labelSelector}) failed: ${err.message}`,
      );
      return;
    }
    const live = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      live.add(key);
      const hasContainer = pod.spec?.containers.some(
        c => c.name === this.settings.container,
      );
      if (
        !hasContainer ||
        pod.status?.phase !== 'Running' ||
        followers.has(key)
      )
        continue;
      const p = this.follow(pod, key, signal)
        .catch(async e => {
          const err = classifyClusterError(this.cluster.name, e);
          await this.ingester.fail(
            `following ${key} container ${this.settings.container} failed: ${err.message}`,
            this.checkpoint,
          );
        })
        .finally(() => followers.delete(key));
      followers.set(key, p);
    }
    // Forget checkpoints of pods that are gone, so the checkpoint stays small.
    for (const key of Object.keys(this.checkpoint.pods))
      if (!live.has(key)) delete this.checkpoint.pods[key];
    if (pods.length === 0) {
      await this.ingester.fail(
        `no pod matches ${this.settings.labelSelector}${
          this.settings.namespace
            ? ` in namespace ${this.settings.namespace}`
            : ''
        }: is Tetragon installed, or set runtimeSecurity.sources.kubernetes.labelSelector`,
        this.checkpoint,
      );
    }
  }

  private async follow(
    pod: V1Pod,
    key: string,
    signal: AbortSignal,
  ): Promise<void> {
    const cp = this.checkpoint.pods[key];
    const filter = new ResumeFilter(cp);
    const stream = new PassThrough();
    const splitter = createLineSplitter({
      maxLineBytes: this.deps.analyzer.maxLineBytes,
    });
    const decoder = new StringDecoder('utf8');
    let pending: Array<{ ts: string; text: string }> = [];
    let flushing: Promise<void> = Promise.resolve();

    const flush = (): Promise<void> => {
      flushing = flushing.then(async () => {
        const batch = pending;
        pending = [];
        if (batch.length === 0) return;
        await this.ingester.pushLines(
          batch.map(b => b.text),
          { cluster: this.cluster.name },
        );
        let next = this.checkpoint.pods[key];
        for (const b of batch) next = advance(next, b.ts);
        this.checkpoint.pods[key] = next;
        this.saveChain = this.saveChain.then(() =>
          this.ingester.save(this.checkpoint),
        );
        await this.saveChain;
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
    const timer = setInterval(() => void flush(), this.settings.flushMs);
    try {
      const ctl = await new Log(this.kc).log(
        pod.metadata!.namespace!,
        pod.metadata!.name!,
        this.settings.container,
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
}

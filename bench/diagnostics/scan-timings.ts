/* eslint-disable no-console */
/**
 * Where a live scan's time goes (bundled and run by scan-timings.sh): one `scanCluster` with
 * the k8sgpt core analyzers (or those of `--filter`), printing for each request when it started, when its first byte came
 * (time-to-first-byte shows API server work), when it ended and the time spent decoding it, then
 * the analysis time. Pods are read as `periscope diagnose` reads them (Table rows first, then only
 * the failing ones in full) unless `--pods all`, Deployments and ReplicaSets likewise unless
 * `--workloads all`, and events as it reads them (every event of the namespaces an analyzer
 * asks for, none before) unless `--events warnings` (every warning first) or `--events all`.
 *
 *   --kubeconfig PATH [--pods failing|all] [--workloads failing|all] [--events none|warnings|all] [--filter Analyzer,...]
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  BodySink,
  KubeHttp,
  analyzeWithEvents,
  createKubeHttp,
  scanCluster,
} from '../../plugins/k8s-diagnostics-node/src';
import {
  K8SGPT_CORE_ANALYZERS,
  resolveAnalyzers,
} from '../../plugins/k8s-diagnostics-common/src';

const ms = (t: number) => t.toFixed(0).padStart(5);

/** Wraps a sink to add up the time spent in it. */
function timedSink<T>(sink: BodySink<T>, spent: { ms: number }): BodySink<T> {
  const time = <R>(fn: () => R): R => {
    const t = performance.now();
    try {
      return fn();
    } finally {
      spent.ms += performance.now() - t;
    }
  };
  return {
    write: c => time(() => sink.write(c)),
    end: () => time(() => sink.end()),
  };
}

function timedHttp(base: KubeHttp, t0: number, rows: string[]): KubeHttp {
  const row = (
    path: string,
    start: number,
    first: number | undefined,
    decode: number,
  ) =>
    rows.push(
      `${ms(start - t0)} ${first === undefined ? '    -' : ms(first - t0)} ${ms(
        performance.now() - t0,
      )} ${ms(decode)}  ${path}`,
    );
  return {
    ...base,
    getJson: async (path, accept) => {
      const start = performance.now();
      const out = await base.getJson(path, accept);
      row(path, start, undefined, 0);
      return out;
    },
    getStreamed: async (path, accept, sinkFor) => {
      const start = performance.now();
      let first: number | undefined;
      const spent = { ms: 0 };
      const out = await base.getStreamed(path, accept, contentType => {
        first = performance.now();
        return timedSink(sinkFor(contentType), spent);
      });
      row(path, start, first, spent.ms);
      return out;
    },
  };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--kubeconfig');
  const file = i >= 0 ? process.argv[i + 1] : undefined;
  if (!file) throw new Error('missing --kubeconfig <path>');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const f = process.argv.indexOf('--filter');
  const analyzers = resolveAnalyzers(
    f >= 0 ? process.argv[f + 1].split(',') : [...K8SGPT_CORE_ANALYZERS],
  );
  const rows: string[] = [];
  const t0 = performance.now();
  const p = process.argv.indexOf('--pods');
  const pods = p >= 0 ? process.argv[p + 1] : 'failing';
  if (pods !== 'failing' && pods !== 'all')
    throw new Error(`--pods is '${pods}': use failing or all`);
  const e = process.argv.indexOf('--events');
  const events = e >= 0 ? process.argv[e + 1] : 'none';
  if (events !== 'none' && events !== 'warnings' && events !== 'all') {
    throw new Error(`--events is '${events}': use none, warnings or all`);
  }
  const w = process.argv.indexOf('--workloads');
  const workloads = w >= 0 ? process.argv[w + 1] : 'failing';
  if (workloads !== 'failing' && workloads !== 'all')
    throw new Error(`--workloads is '${workloads}': use failing or all`);
  const http = timedHttp(await createKubeHttp(kc), t0, rows);
  const scan = await scanCluster(http, { analyzers, pods, workloads, events });
  const t1 = performance.now();
  // As `periscope diagnose` does: events only of the namespaces an analyzer asks for, and
  // no related events (neither of its output formats shows them).
  const report = await analyzeWithEvents(
    http,
    scan.snapshot,
    { filters: analyzers.map(a => a.name), relatedEvents: false },
    {
      onEventsRead: (namespaces, kind) =>
        rows.push(
          `       (${
            kind === 'all' ? 'events of every type' : 'warning events'
          } read for ${namespaces.join(', ')})`,
        ),
    },
  );
  const t2 = performance.now();
  console.log(
    'start  ttfb   end decode (ms since the scan began; ttfb only for protobuf lists)',
  );
  console.log(rows.join('\n'));
  console.log(
    `scan ${ms(t1 - t0)} ms, ${scan.requests} requests, pods read: ${
      scan.podsRead
    } (${
      scan.snapshot.objects.Pod?.length ?? 0
    } in full), Deployments/ReplicaSets read: ${scan.workloadsRead}; ` +
      `analysis (with the event reads it asked for) ${ms(t2 - t1)} ms, ${
        report.results.length
      } results`,
  );
}

main().catch(e => {
  console.error(`bench/diagnostics/scan-timings: ${(e as Error).message}`);
  process.exit(1);
});

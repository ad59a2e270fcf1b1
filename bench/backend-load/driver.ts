/* eslint-disable no-console */
/**
 * Backend-load benchmark driver (bundled by run.sh with esbuild, run with Node 22).
 *
 *   entities --from examples/entities.yaml --count 50 --out FILE
 *       writes COUNT Component entities, each a copy of the Kubernetes annotations of one example
 *       Component (round robin), so every entity maps to a workload of the scenarios seed; each
 *       with a namespace also gets the example module `minimal` (instance: the entity's name, not deployed)
 *   run --base URL --token T --count 50 --pgid PGID --duration S --rate R [--slices N] [--connections C]
 *       waits for the entities in the catalog, warms the three entity endpoints up, samples the
 *       backend's RSS (its whole process group) and drives autocannon at R requests/s for S seconds
 *       against GET /api/{k8s-diagnostics,module-deploy,runtime-security}/entity over the entities,
 *       then prints the table.
 */
import autocannon from 'autocannon';
import * as fs from 'fs';
import * as os from 'os';
import { parseAllDocuments, stringify } from 'yaml';

const LABEL = 'periscope.dev/bench';
const LABEL_VALUE = 'backend-load';
const ENDPOINTS = [
  'k8s-diagnostics',
  'module-deploy',
  'runtime-security',
] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const P99_GOAL_MS = 250;

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}
const num = (name: string, fallback?: number) => {
  const v = Number(
    arg(name, fallback === undefined ? undefined : String(fallback)),
  );
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name} must be a positive number`);
  return v;
};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const entityName = (i: number) => `load-${String(i).padStart(2, '0')}`;

/* ---------- entities ---------- */

type Annotations = Record<string, string>;

function entities() {
  const from = arg('from');
  const count = num('count', 50);
  const out = arg('out');
  const K8S = [
    'backstage.io/kubernetes-id',
    'backstage.io/kubernetes-namespace',
    'backstage.io/kubernetes-label-selector',
    'periscope.dev/instance',
  ];
  const templates: Annotations[] = [];
  for (const doc of parseAllDocuments(fs.readFileSync(from, 'utf8'))) {
    const e = doc.toJS() as {
      kind?: string;
      metadata?: { annotations?: Annotations };
    } | null;
    const a = e?.metadata?.annotations ?? {};
    if (e?.kind !== 'Component') continue;
    if (
      !a['backstage.io/kubernetes-id'] &&
      !a['backstage.io/kubernetes-label-selector']
    )
      continue;
    templates.push(
      Object.fromEntries(K8S.filter(k => a[k]).map(k => [k, a[k]])),
    );
  }
  if (!templates.length)
    throw new Error(`${from} has no Component with Kubernetes annotations`);
  const docs = [];
  for (let i = 0; i < count; i++) {
    const t = templates[i % templates.length];
    // the Deploy tab's instance: one of the entity's own (an instance belongs to one entity; the
    // examples' instances belong to the example entities), in the workload's namespace; an entity
    // without a namespace annotation has no Deploy tab (module-deploy refuses the default namespace)
    const { 'periscope.dev/instance': _instance, ...k8s } = t;
    const deploy = k8s['backstage.io/kubernetes-namespace']
      ? {
          'periscope.dev/module': 'minimal',
          'periscope.dev/instance': entityName(i),
        }
      : {};
    docs.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: entityName(i),
        labels: { [LABEL]: LABEL_VALUE },
        annotations: { ...k8s, ...deploy },
      },
      spec: { type: 'service', lifecycle: 'experimental', owner: 'team-shop' },
    });
  }
  fs.writeFileSync(out, docs.map(d => stringify(d)).join('---\n'));
  console.log(
    `${count} entities over ${templates.length} example workloads in ${out}`,
  );
}

/* ---------- RSS and CPU of a process group ---------- */

interface GroupSample {
  rss: number;
  cpuSeconds: number;
  pids: number;
}

const CLK_TCK = 100;

function sampleGroup(pgid: number): GroupSample {
  let rss = 0;
  let ticks = 0;
  let pids = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // fields after "(comm)": state ppid pgrp ... utime(14) stime(15)
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      ticks += Number(rest[11]) + Number(rest[12]);
      const m = /^VmRSS:\s+(\d+) kB/m.exec(
        fs.readFileSync(`/proc/${d}/status`, 'utf8'),
      );
      if (m) rss += Number(m[1]) * 1024;
      pids++;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return { rss, cpuSeconds: ticks / CLK_TCK, pids };
}

/* ---------- HTTP ---------- */

async function get(base: string, token: string, path: string) {
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - t0 };
  } catch (e) {
    return {
      status: 0,
      text: (e as Error).message,
      ms: performance.now() - t0,
    };
  }
}

async function waitForEntities(base: string, token: string, count: number) {
  const q = `/api/catalog/entities/by-query?filter=metadata.labels.${LABEL}=${LABEL_VALUE}&limit=1`;
  let seen = -1;
  for (let i = 0; i < 300; i++) {
    const r = await get(base, token, q);
    if (r.status === 200) {
      seen = (JSON.parse(r.text) as { totalItems?: number }).totalItems ?? 0;
      if (seen >= count) return;
    }
    await sleep(1000);
  }
  throw new Error(
    `the catalog holds ${seen} of the ${count} bench entities after 300 s`,
  );
}

const entityPath = (endpoint: Endpoint, i: number) =>
  `/api/${endpoint}/entity?entityRef=${encodeURIComponent(
    `component:default/${entityName(i)}`,
  )}`;

/** Each URL once per pass (6 at a time), until a pass answers every one 2xx (at most 3 passes). */
async function warmUp(base: string, token: string, count: number) {
  const urls = ENDPOINTS.flatMap(e =>
    Array.from({ length: count }, (_, i) => ({ e, path: entityPath(e, i) })),
  );
  const t0 = Date.now();
  type Failure = { e: Endpoint; path: string; status: number; text: string };
  const onePass = async () => {
    const failed: Failure[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < urls.length) {
          const u = urls[next++];
          const r = await get(base, token, u.path);
          if (r.status < 200 || r.status > 299)
            failed.push({ ...u, status: r.status, text: r.text.slice(0, 300) });
        }
      }),
    );
    return failed;
  };
  let failures: Failure[] = [];
  let passes = 0;
  for (; passes < 3; passes++) {
    failures = await onePass();
    if (!failures.length && passes >= 1) break;
  }
  return {
    seconds: (Date.now() - t0) / 1000,
    passes: Math.min(passes + 1, 3),
    failures,
  };
}

/* ---------- load ---------- */

interface EndpointStats {
  latencies: number[];
  /** When each answer came (ms since the epoch), parallel to latencies. */
  at: number[];
  statuses: Map<number, number>;
  errors: number;
  timeouts: number;
  errorMessages: Map<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[i];
}

/** Splits TOTAL into N integers that differ by at most one. */
const split = (total: number, n: number) =>
  Array.from(
    { length: n },
    (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0),
  );

async function load(opts: {
  base: string;
  token: string;
  count: number;
  duration: number;
  rate: number;
  slices: number;
  connections: number;
}) {
  const stats = new Map<Endpoint, EndpointStats>(
    ENDPOINTS.map(e => [
      e,
      {
        latencies: [],
        at: [],
        statuses: new Map(),
        errors: 0,
        timeouts: 0,
        errorMessages: new Map(),
      },
    ]),
  );
  const cursor = new Map<Endpoint, number>(
    ENDPOINTS.map((e, k) => [e, k * 17]),
  );
  // autocannon limits each connection to its share of requests per second and sends them as soon
  // as a second starts, so one instance makes bursts on each second; the load is spread over
  // `slices` instances per endpoint whose seconds start at staggered offsets.
  const rates = split(opts.rate, ENDPOINTS.length * opts.slices);
  const runs: Promise<autocannon.Result>[] = [];
  const instances: autocannon.Instance[] = [];
  ENDPOINTS.forEach((endpoint, k) => {
    for (let s = 0; s < opts.slices; s++) {
      const rate = rates[k * opts.slices + s];
      if (rate <= 0) continue;
      const st = stats.get(endpoint)!;
      runs.push(
        (async () => {
          await sleep((s * 1000) / opts.slices);
          return new Promise<autocannon.Result>((resolve, reject) => {
            const inst = autocannon(
              {
                url: opts.base,
                duration: opts.duration,
                overallRate: rate,
                connections: Math.min(opts.connections, rate),
                timeout: 10,
                headers: { authorization: `Bearer ${opts.token}` },
                requests: [
                  {
                    method: 'GET',
                    setupRequest: req => {
                      const i = cursor.get(endpoint)!;
                      cursor.set(endpoint, i + 1);
                      return {
                        ...req,
                        path: entityPath(endpoint, i % opts.count),
                      };
                    },
                  },
                ],
              },
              (err, result) => (err ? reject(err) : resolve(result)),
            );
            inst.on('response', (_client, statusCode, _bytes, responseTime) => {
              st.latencies.push(responseTime);
              st.at.push(Date.now());
              st.statuses.set(
                statusCode,
                (st.statuses.get(statusCode) ?? 0) + 1,
              );
            });
            inst.on('reqError', (e: Error & { code?: string }) => {
              const m = e?.code ?? e?.message ?? String(e);
              st.errorMessages.set(m, (st.errorMessages.get(m) ?? 0) + 1);
            });
            instances.push(inst);
          });
        })().then(r => {
          st.errors += r.errors;
          st.timeouts += r.timeouts;
          return r;
        }),
      );
    }
  });
  // interrupted (run.sh stops the driver first): no table of a partial run
  const stopAll = (code: number) => () => {
    instances.forEach(i => i.stop());
    process.exit(code);
  };
  process.once('SIGINT', stopAll(130));
  process.once('SIGTERM', stopAll(143));
  await Promise.all(runs);
  return stats;
}

/* ---------- run ---------- */

async function run() {
  const base = arg('base');
  const token = arg('token');
  const count = num('count', 50);
  const pgid = num('pgid');
  const duration = num('duration', 60);
  const rate = num('rate', 200);
  const slices = num('slices', 4);
  const connections = num('connections', 4);

  const tWait = Date.now();
  await waitForEntities(base, token, count);
  console.error(
    `[bench] ${count} entities in the catalog after ${(
      (Date.now() - tWait) /
      1000
    ).toFixed(0)} s; warming up`,
  );
  const rssIdle = sampleGroup(pgid);
  const warm = await warmUp(base, token, count);
  console.error(
    `[bench] warm-up: ${warm.passes} pass(es) over ${
      count * ENDPOINTS.length
    } URLs in ${warm.seconds.toFixed(1)} s`,
  );
  for (const f of warm.failures.slice(0, 6))
    console.error(
      `[bench] warm-up answer ${f.status} from ${f.path}: ${f.text}`,
    );

  const before = sampleGroup(pgid);
  let peak = before;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const s = sampleGroup(pgid);
    rssSamples.push(s.rss);
    if (s.rss > peak.rss) peak = s;
  }, 250);
  const load0 = os.loadavg()[0];
  const t0 = performance.now();
  const stats = await load({
    base,
    token,
    count,
    duration,
    rate,
    slices,
    connections,
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = sampleGroup(pgid);
  if (after.rss > peak.rss) peak = after;

  const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(x < 10 ? 1 : 0));
  const cpuPct = ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;

  console.log(
    `Backend load: ${rate} requests/s for ${duration} s over ${count} entities x ${
      ENDPOINTS.length
    } entity endpoints (${base}), service token; Node ${process.version}, ${
      os.cpus().length
    } CPUs`,
  );
  console.log(
    `load generator: autocannon, ${slices} staggered instances per endpoint, <= ${connections} connections each; load average ${load0.toFixed(
      1,
    )} before, ${os.loadavg()[0].toFixed(1)} after`,
  );
  console.log(
    `backend (process group ${pgid}, ${after.pids} processes): RSS ${mib(
      rssIdle.rss,
    )} idle before warm-up, ${mib(before.rss)} after warm-up, ${mib(
      after.rss,
    )} at the end; CPU ${cpuPct.toFixed(0)} % of one core during the load`,
  );
  console.log('');
  const header = `${'endpoint'.padEnd(26)} ${'requests'.padStart(
    8,
  )} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(
    7,
  )} ${'max ms'.padStart(7)} ${'errors'.padStart(6)} ${'non-2xx'.padStart(
    7,
  )} ${'peak RSS'.padStart(9)}  goal (p99 < ${P99_GOAL_MS} ms, no errors)`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const all: EndpointStats = {
    latencies: [],
    at: [],
    statuses: new Map(),
    errors: 0,
    timeouts: 0,
    errorMessages: new Map(),
  };
  const row = (label: string, st: EndpointStats, rss: string) => {
    const sorted = [...st.latencies].sort((a, b) => a - b);
    const non2xx = [...st.statuses]
      .filter(([c]) => c < 200 || c > 299)
      .reduce((n, [, v]) => n + v, 0);
    const p99 = percentile(sorted, 99);
    const errors = st.errors;
    const met =
      sorted.length > 0 && p99 < P99_GOAL_MS && errors === 0 && non2xx === 0;
    console.log(
      `${label.padEnd(26)} ${String(sorted.length).padStart(8)} ${(
        sorted.length / seconds
      )
        .toFixed(1)
        .padStart(7)} ${ms(percentile(sorted, 50)).padStart(7)} ${ms(
        p99,
      ).padStart(7)} ${ms(sorted[sorted.length - 1] ?? NaN).padStart(
        7,
      )} ${String(errors).padStart(6)} ${String(non2xx).padStart(
        7,
      )} ${rss.padStart(9)}  ${met ? 'MET' : 'NOT MET'}`,
    );
    return met;
  };
  let met = true;
  for (const e of ENDPOINTS) {
    const st = stats.get(e)!;
    met = row(`${e} /entity`, st, '-') && met;
    all.latencies.push(...st.latencies);
    all.at.push(...st.at);
    all.errors += st.errors;
    all.timeouts += st.timeouts;
    for (const [c, v] of st.statuses)
      all.statuses.set(c, (all.statuses.get(c) ?? 0) + v);
  }
  met = row('overall', all, mib(peak.rss)) && met;
  console.log('');
  for (const e of ENDPOINTS) {
    const st = stats.get(e)!;
    const codes = [...st.statuses]
      .sort(([a], [b]) => a - b)
      .map(([c, v]) => `${c}: ${v}`)
      .join(', ');
    const errs = [...st.errorMessages].map(([m, v]) => `${m}: ${v}`).join(', ');
    console.log(
      `${e}: status codes ${codes || 'none'}${
        st.timeouts ? `; ${st.timeouts} timeouts (10 s)` : ''
      }${errs ? `; request errors ${errs}` : ''}`,
    );
  }
  // the slowest seconds of the run (all endpoints), to tell a steady cost from a pause
  const perSecond = new Map<number, number[]>();
  const start = Math.min(...all.at);
  all.at.forEach((t, i) => {
    const sec = Math.floor((t - start) / 1000);
    perSecond.set(sec, [...(perSecond.get(sec) ?? []), all.latencies[i]]);
  });
  const worst = [...perSecond]
    .map(([sec, l]) => ({
      sec,
      n: l.length,
      p99: percentile(
        l.sort((a, b) => a - b),
        99,
      ),
    }))
    .sort((a, b) => b.p99 - a.p99)
    .slice(0, 5);
  const overGoal = [...perSecond.values()].filter(
    l => percentile(l, 99) >= P99_GOAL_MS,
  ).length;
  console.log(
    `slowest seconds (p99 of the answers in that second, all endpoints): ${worst
      .map(w => `${w.sec + 1} s: ${ms(w.p99)} ms (${w.n})`)
      .join(', ')}; ${overGoal} of ${
      perSecond.size
    } seconds with p99 >= ${P99_GOAL_MS} ms`,
  );
  const achieved = all.latencies.length / seconds;
  if (achieved < rate * 0.95) {
    console.log(
      `note: ${achieved.toFixed(
        0,
      )} of the ${rate} requests/s were made: each autocannon connection waits for its answer before the next request, so a slow backend lowers the rate`,
    );
  }
  if (warm.failures.length)
    console.log(
      `note: ${warm.failures.length} URL(s) did not answer 2xx in the last warm-up pass (first: ${warm.failures[0].status} ${warm.failures[0].path})`,
    );
  console.log(
    `goal (every endpoint p99 < ${P99_GOAL_MS} ms, no errors, no non-2xx): ${
      met ? 'MET' : 'NOT MET'
    }`,
  );
}

const mode = process.argv[2];
if (mode === 'entities') entities();
else if (mode === 'run')
  run().catch(e => {
    console.error(`[bench] ${(e as Error).message}`);
    process.exit(1);
  });
else {
  console.error('usage: driver.js entities|run ...');
  process.exit(2);
}

/**
 * bench/health-scan driver. `one health|cli KUBECONFIG`: one scan in this process (the Health
 * backend's background scan of one cluster, or `periscope diagnose --kubeconfig` with the same
 * analyzers), printing one JSON line: wall ms (the scan alone, after loading), API requests
 * (counted where Node sends them), peak RSS (this process's maxRSS), findings. `table FILE...`:
 * the medians of such lines side by side, and whether the goal is met.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import { loadKubeConfigFile } from '@periscope/kube-access';
import { runDiagnose } from '../../packages/cli/src/diagnose';
import { DEFAULT_ANALYZERS } from '../../plugins/k8s-diagnostics-backend/src/config';
import {
  entityWorkloads,
  prefetchEntityWorkloads,
  scanClusters,
} from '../../plugins/k8s-diagnostics-backend/src/services/HealthService/scanner';
import { mapLimit } from '@periscope/backstage-plugin-k8s-diagnostics-node';

/** Catalog entities the scheduled scan records (their workload lists are read on demand), as in bench/backend-load. */
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 50);

/** Counts every request Node sends (HTTP/2 streams, HTTP/1.1 requests) from here on. */
function countRequests(): { n: number } {
  const count = { n: 0 };
  const connect = http2.connect;
  (http2 as { connect: typeof http2.connect }).connect = ((
    ...args: Parameters<typeof http2.connect>
  ) => {
    const session = connect(...args);
    const request = session.request.bind(session);
    session.request = ((...a: Parameters<typeof session.request>) => {
      count.n++;
      return request(...a);
    }) as typeof session.request;
    return session;
  }) as typeof http2.connect;
  for (const mod of [http, https] as Array<{
    request: typeof https.request;
    get: typeof https.get;
  }>) {
    const request = mod.request;
    mod.request = ((...a: unknown[]) => {
      count.n++;
      return (request as (...x: unknown[]) => ReturnType<typeof https.request>)(
        ...a,
      );
    }) as typeof https.request;
  }
  return count;
}

async function one(mode: string, kubeconfig: string) {
  const count = countRequests();
  let findings = 0;
  let extra = '';
  const t0 = process.hrtime.bigint();
  if (mode === 'health') {
    const kc = loadKubeConfigFile(kubeconfig);
    const c = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser();
    const cluster = {
      name: 'bench',
      url: c.server,
      authProvider: 'serviceAccount',
      serviceAccountToken: user?.token,
      caData: c.caData,
      skipTLSVerify: c.skipTLSVerify,
    };
    const outcome = await scanClusters([cluster], {
      analyzers: DEFAULT_ANALYZERS,
      timeoutMs: 600_000,
      operatorResults: () => true,
    });
    if (outcome.errors.length)
      throw new Error(outcome.errors.map(e => e.message).join('; '));
    const scan = outcome.scans[0];
    findings = scan.findings.length;
    // then what scanAll does per entity before it records it: the entity's workloads (the scale
    // profile's Deployments carry backstage.io/kubernetes-id=scale-svc-NNNN; the entities name
    // their namespace, as the examples do)
    const nsOf = new Map(
      (scan.snapshot.objects.Deployment ?? []).map(d => [
        d.metadata?.name,
        d.metadata?.namespace,
      ]),
    );
    const selectors = Array.from({ length: ENTITIES }, (_, i) => {
      const name = `svc-${String(i).padStart(4, '0')}`;
      return {
        labelSelector: `backstage.io/kubernetes-id=scale-${name}`,
        namespace: nsOf.get(name),
      };
    });
    const tScan = Number(process.hrtime.bigint() - t0) / 1e6;
    // (as scanAll does: batched where selectors allow, 8 at a time)
    prefetchEntityWorkloads(scan, selectors);
    const lists = await mapLimit(selectors, 8, sel =>
      entityWorkloads(scan, sel),
    );
    const tEntities = Number(process.hrtime.bigint() - t0) / 1e6 - tScan;
    const failed = lists.filter(l => l.warning);
    if (failed.length) throw new Error(failed[0].warning);
    const pods = Object.values(scan.snapshot.objects.Pod ?? []).length;
    const held = Object.values(scan.snapshot.objects).reduce(
      (n, l) => n + (l ?? []).length,
      0,
    );
    extra = `scan ${(tScan / 1000).toFixed(2)} s + entities ${(
      tEntities / 1000
    ).toFixed(
      2,
    )} s; ${held} objects held in full (${pods} pods); ${ENTITIES} entities' workload lists read (${lists.reduce(
      (n, l) => n + l.workloads.length,
      0,
    )} workloads); ${scan.warnings.length} warnings`;
  } else {
    let out = '';
    const code = await runDiagnose(
      { kubeconfig, filter: [DEFAULT_ANALYZERS.join(',')], output: 'json' },
      { stdout: t => (out += t), stderr: t => process.stderr.write(t) },
    );
    if (code !== 0 && code !== 3)
      throw new Error(`periscope diagnose exited ${code}`);
    findings = (JSON.parse(out).results ?? []).length;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({
      mode,
      ms,
      requests: count.n,
      rssMiB,
      findings,
      extra,
    })}\n`,
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(files: string[]) {
  const rows = files.flatMap(f =>
    fs
      .readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l)),
  );
  const of = (mode: string) => rows.filter(r => r.mode === mode);
  const health = of('health');
  const cli = of('cli');
  const fig = (rs: any[]) => ({
    ms: median(rs.map(r => r.ms)),
    requests: median(rs.map(r => r.requests)),
    rss: Math.max(...rs.map(r => r.rssMiB)),
    findings: rs.map(r => r.findings).join('/'),
  });
  const h = fig(health);
  const c = fig(cli);
  const pad = (s: string, n: number) => s.padEnd(n);
  const line = (a: string, b: string, d: string) =>
    console.log(`${pad(a, 34)}${pad(b, 22)}${d}`);
  console.log(
    `\nmachine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}; ${
      health.length
    } rounds each (median wall, requests; peak RSS over the rounds)`,
  );
  line('', 'Health backend scan', 'periscope diagnose');
  line(
    'wall time (median)',
    `${(h.ms / 1000).toFixed(2)} s`,
    `${(c.ms / 1000).toFixed(2)} s`,
  );
  line('API requests (median)', String(h.requests), String(c.requests));
  line('peak RSS', `${h.rss.toFixed(0)} MiB`, `${c.rss.toFixed(0)} MiB`);
  line('findings (per round)', h.findings, c.findings);
  if (health[0]?.extra)
    console.log(`Health scan: ${health[health.length - 1].extra}`);
  const ratio = h.ms / c.ms;
  const timeOk = ratio <= 1.5;
  const rssOk = h.rss < 300;
  console.log(
    `\ngoal: Health scan within 1.5 x the CLI's time: ${ratio.toFixed(2)} x — ${
      timeOk ? 'met' : 'NOT met'
    }`,
  );
  console.log(
    `goal: Health scan peak RSS under 300 MiB: ${h.rss.toFixed(0)} MiB — ${
      rssOk ? 'met' : 'NOT met'
    }`,
  );
  process.exitCode = timeOk && rssOk ? 0 : 4;
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'one') {
  one(args[0], args[1]).then(
    () => process.exit(0),
    e => {
      process.stderr.write(`health-scan driver: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
} else if (cmd === 'table') {
  table(args);
} else {
  process.stderr.write(
    'usage: driver.js one health|cli KUBECONFIG | table FILE...\n',
  );
  process.exit(2);
}

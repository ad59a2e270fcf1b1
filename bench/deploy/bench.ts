/* Measures Periscope vs timoni deploys of the minimal module, with and without readiness waits; run through bench/deploy/run.sh. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import {
  createModuleEngine,
  findTool,
} from '@periscope/backstage-plugin-module-deploy-node';

const ROOT = resolve(__dirname, '../..');
const MODULE =
  process.env.PERISCOPE_BENCH_MODULE ??
  resolve(ROOT, '../shared/corpora/timoni/modules/minimal');
const iterations = Math.max(1, Number(process.argv[2] ?? 3));

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  return new Promise((res, rej) =>
    execFile(
      bin,
      args,
      { env, maxBuffer: 64 * 1024 * 1024 },
      (err, _out, stderr) =>
        err
          ? rej(new Error(`${bin} ${args.join(' ')}: ${stderr || err.message}`))
          : res(),
    ),
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const kubeconfig = process.env.PERISCOPE_KUBECONFIG as string;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const engine = createModuleEngine();
  const timoni = findTool('timoni');
  const dir = await mkdtemp(join(tmpdir(), 'bench-deploy-'));
  const upgrade = join(dir, 'upgrade.cue');
  await fs.writeFile(upgrade, 'values: {replicas: 2, message: "upgraded"}\n');
  // each step runs in a fresh namespace per tool: an install, then an upgrade of it; the rows
  // without readiness waits show the engine's own cost (render, diff, apply, store, prune)
  const steps = [
    {
      wait: true,
      install: 'install (render+diff+apply+wait)',
      upgrade: 'upgrade (render+diff+apply+wait)',
    },
    {
      wait: false,
      install: 'install (render+diff+apply, no wait)',
      upgrade: 'upgrade (render+diff+apply, no wait)',
    },
  ];
  const rows: Record<string, { periscope: number[]; timoni: number[] }> = {};
  for (const s of steps)
    for (const row of [s.install, s.upgrade])
      rows[row] = { periscope: [], timoni: [] };
  const stamp = Date.now().toString(36);
  const namespaces: string[] = [];
  for (let i = 0; i < iterations; i++) {
    for (const step of steps) {
      const mode = step.wait ? 'w' : 'n';
      const ns = `bench-p${mode}-${stamp}-${i}`;
      namespaces.push(ns);
      for (const [row, values] of [
        [step.install, []],
        [step.upgrade, [upgrade]],
      ] as const) {
        rows[row].periscope.push(
          await timed(async () => {
            const spec = {
              source: MODULE,
              name: 'web',
              namespace: ns,
              valuesFiles: [...values],
            };
            await engine.diff(spec, kc);
            await engine.apply(spec, kc, {
              timeoutMs: 300_000,
              wait: step.wait,
            });
          }),
        );
      }
      if (!timoni) continue;
      const tns = `bench-t${mode}-${stamp}-${i}`;
      namespaces.push(tns);
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      for (const [row, values] of [
        [step.install, []],
        [step.upgrade, [upgrade]],
      ] as const) {
        const vf = values.flatMap(v => ['-f', v]);
        const wait = step.wait ? [] : ['--wait=false'];
        rows[row].timoni.push(
          await timed(async () => {
            // timoni's own equivalent: a dry-run diff, then apply (--wait is its default)
            if (row === step.upgrade)
              await run(
                timoni,
                ['apply', 'web', MODULE, '-n', tns, ...vf, '--diff'],
                env,
              );
            await run(
              timoni,
              [
                'apply',
                'web',
                MODULE,
                '-n',
                tns,
                ...vf,
                ...wait,
                '--timeout',
                '5m',
              ],
              env,
            );
          }),
        );
      }
    }
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    `deploy benchmark: module ${MODULE}, ${iterations} iteration(s), median wall time`,
  );
  console.log(
    'readiness: Periscope follows the objects with watches, timoni polls (kstatus); "no readiness wait" is Periscope apply { wait: false } and timoni apply --wait=false',
  );
  console.log(
    `${pad('step', 40)}${pad('periscope', 14)}${pad(
      'timoni',
      14,
    )}ratio (periscope/timoni)`,
  );
  for (const [row, v] of Object.entries(rows)) {
    const p = median(v.periscope);
    const t = v.timoni.length ? median(v.timoni) : undefined;
    console.log(
      `${pad(row, 40)}${pad(`${p.toFixed(0)} ms`, 14)}${pad(
        t === undefined ? 'n/a' : `${t.toFixed(0)} ms`,
        14,
      )}${
        t === undefined
          ? `n/a (${
              timoni
                ? ''
                : 'no timoni binary: run ./scripts/build-tools or set PERISCOPE_TIMONI_BIN'
            })`
          : (p / t).toFixed(2)
      }`,
    );
  }
  for (const ns of namespaces)
    await api
      .delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
}

main().catch(e => {
  console.error(`bench/deploy: ${e.message}`);
  process.exit(1);
});

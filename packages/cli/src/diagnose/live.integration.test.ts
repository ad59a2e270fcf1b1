/**
 * Live check against the local control plane (`./scripts/cluster`): every failure planted in
 * namespace `shop` must be found. Needs PERISCOPE_KUBECONFIG; skipped (with the reason printed)
 * without it.
 */
import { K8SGPT_CORE_ANALYZERS } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { runDiagnose } from './run';
import { describeIf } from '@periscope/test-utils';

interface JsonResult {
  kind: string;
  name: string;
  error: Array<{ Text: string }>;
  parentObject: string;
}

const KUBECONFIG = process.env.PERISCOPE_KUBECONFIG;
const FILTERS = [
  ...K8SGPT_CORE_ANALYZERS,
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Storage',
];

const texts = (r: JsonResult) => r.error.map(e => e.Text).join('\n');
const podsOf = (results: JsonResult[], deployment: string) =>
  results.filter(
    r => r.kind === 'Pod' && r.parentObject === `Deployment/${deployment}`,
  );

/** Each planted failure and how to recognise it in k8sgpt-shaped results. */
const PLANTED: Array<[string, (results: JsonResult[]) => boolean]> = [
  [
    'checkout is healthy',
    rs =>
      podsOf(rs, 'checkout').length === 0 &&
      !rs.some(r => r.name === 'shop/checkout'),
  ],
  [
    'payments CrashLoopBackOff',
    rs =>
      podsOf(rs, 'payments').some(r =>
        /last termination reason|back-off|CrashLoopBackOff|termination reason/i.test(
          texts(r),
        ),
      ),
  ],
  [
    'cart ImagePullBackOff',
    rs => podsOf(rs, 'cart').some(r => /pull|image/i.test(texts(r))),
  ],
  [
    'recommender OOMKilled',
    rs => podsOf(rs, 'recommender').some(r => /OOMKilled/.test(texts(r))),
  ],
  [
    'search Pending (unschedulable)',
    rs =>
      podsOf(rs, 'search').some(r =>
        /nodes are available|schedul/i.test(texts(r)),
      ),
  ],
  [
    'Service legacy-api without endpoints',
    rs =>
      rs.some(
        r =>
          r.kind === 'Service' &&
          r.name === 'shop/legacy-api' &&
          /Service has no endpoints, expected label /.test(texts(r)),
      ),
  ],
  [
    'Ingress storefront → missing Service',
    rs =>
      rs.some(
        r =>
          r.kind === 'Ingress' &&
          r.name === 'shop/storefront' &&
          /Ingress uses the service shop\/\S+ which does not exist\./.test(
            texts(r),
          ),
      ),
  ],
  [
    'Ingress storefront → missing TLS Secret',
    rs =>
      rs.some(
        r =>
          r.kind === 'Ingress' &&
          r.name === 'shop/storefront' &&
          /Ingress uses the secret shop\/\S+ as a TLS certificate which does not exist\./.test(
            texts(r),
          ),
      ),
  ],
  [
    'PVC orders-data Pending',
    rs =>
      rs.some(
        r =>
          r.kind.endsWith('PersistentVolumeClaim') &&
          r.name === 'shop/orders-data',
      ),
  ],
  [
    'CronJob nightly-report with a failed Job',
    rs =>
      rs.some(
        r =>
          r.kind === 'Job' &&
          (r.parentObject === 'CronJob/nightly-report' ||
            r.name.startsWith('shop/nightly-report')) &&
          /has failed|backoff limit/i.test(texts(r)),
      ),
  ],
  [
    'HPA cart-hpa → missing Deployment',
    rs =>
      rs.some(
        r =>
          r.kind === 'HorizontalPodAutoscaler' &&
          r.name === 'shop/cart-hpa' &&
          /as ScaleTargetRef which does not exist\./.test(texts(r)),
      ),
  ],
  [
    'PDB checkout-pdb',
    rs =>
      rs.some(
        r =>
          r.kind === 'PodDisruptionBudget' &&
          r.name === 'shop/checkout-pdb' &&
          /expected pdb pod label/.test(texts(r)),
      ),
  ],
  [
    'Deployment notifier → missing ConfigMap',
    rs =>
      podsOf(rs, 'notifier').some(r => /configmap .*not found/i.test(texts(r))),
  ],
];

async function scan(): Promise<{
  code: number;
  results: JsonResult[];
  stderr: string;
}> {
  let stdout = '';
  let stderr = '';
  const code = await runDiagnose(
    {
      kubeconfig: KUBECONFIG,
      namespace: 'shop',
      filter: FILTERS,
      output: 'json',
    },
    { stdout: s => (stdout += s), stderr: s => (stderr += s) },
  );
  return {
    code,
    results: code === 0 ? JSON.parse(stdout).results ?? [] : [],
    stderr,
  };
}

const describeLive = describeIf({ kubeconfig: KUBECONFIG });

describeLive('periscope diagnose --kubeconfig (live control plane)', () => {
  it('finds every planted failure in namespace shop', async () => {
    // Some states (CrashLoopBackOff, OOMKilled, a failed Job) take a while to appear: poll.
    const deadline = Date.now() + 150_000;
    let last = await scan();
    const missingIn = (results: JsonResult[]) =>
      PLANTED.filter(([, found]) => !found(results)).map(([what]) => what);
    let missing = missingIn(last.results);
    while (missing.length > 0 && Date.now() < deadline && last.code === 0) {
      await new Promise(r => setTimeout(r, 5_000));
      last = await scan();
      missing = missingIn(last.results);
    }
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);
    expect({
      missing,
      findings: missing.length
        ? last.results.map(r => `${r.kind} ${r.name}: ${texts(r)}`)
        : [],
    }).toEqual({
      missing: [],
      findings: [],
    });
  }, 200_000);
});

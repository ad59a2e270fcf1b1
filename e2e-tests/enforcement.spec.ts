import { APIRequestContext, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enterAsGuest } from './helpers';

/*
 * From findings to enforcement on the local control plane. The simulated Tetragon pod
 * (kube-system/tetragon-export, scripts/seed/security) emits a kprobe of policy `file-monitoring`
 * on a checkout pod (security_file_permission, /etc/passwd), which the portal ingests through its
 * kubernetes source. The test deploys the tracing-policy module as that monitoring policy (the
 * stand-in CRD of examples/modules/tracing-policy/test), acknowledges its findings, then on the
 * Security page proposes it for enforcement, reads the diff, deploys it through Deploy and sees it
 * listed as enforcing. It removes the policy and its instance Secrets at the end.
 */
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';
const BACKEND =
  process.env.PERISCOPE_E2E_BACKEND_URL ?? 'http://localhost:7007';
const KUBECONFIG =
  process.env.PERISCOPE_KUBECONFIG ??
  path.join(os.homedir(), '.cache/periscope/cluster/kubeconfig');
const ROOT = path.resolve(__dirname, '..');
const POLICY = 'file-monitoring';
const NAMESPACE = 'shop';

/** kubectl of the local control plane (cluster.env beside the kubeconfig names its bin folder). */
function kubectl(args: string[], input?: string): string {
  const env = path.join(path.dirname(KUBECONFIG), 'cluster.env');
  const bin = fs.existsSync(env)
    ? /^CLUSTER_BIN=(.*)$/m.exec(fs.readFileSync(env, 'utf8'))?.[1]
    : undefined;
  return execFileSync(
    bin ? path.join(bin, 'kubectl') : 'kubectl',
    ['--kubeconfig', KUBECONFIG, ...args],
    { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Removes the policy and the Timoni / Deploy Secrets of its instance (idempotent). */
function removePolicy() {
  kubectl([
    '-n',
    NAMESPACE,
    'delete',
    `tracingpolicynamespaced/${POLICY}`,
    `secret/timoni.${POLICY}`,
    `secret/periscope-history.${POLICY}`,
    '--ignore-not-found',
    '--wait=false',
  ]);
}

/** A guest's Backstage token; waits for the backend (a development backend restarts on changes). */
async function guestToken(request: APIRequestContext): Promise<string> {
  let token = '';
  await expect(async () => {
    const res = await request.get(`${BACKEND}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(res.ok(), await res.text()).toBe(true);
    token = (await res.json()).backstageIdentity.token;
  }).toPass({ timeout: 120_000 });
  return token;
}

test.describe('from findings to enforcement', () => {
  test.skip(
    !withCluster,
    'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
  );
  test.setTimeout(300_000);

  test.beforeAll(() => {
    kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      fs.readFileSync(
        path.join(
          ROOT,
          'examples/modules/tracing-policy/test/tracingpolicynamespaced-crd.yaml',
        ),
        'utf8',
      ),
    );
    kubectl([
      'wait',
      '--for=condition=Established',
      'crd/tracingpoliciesnamespaced.cilium.io',
      '--timeout=60s',
    ]);
    removePolicy();
  });

  test.afterAll(() => removePolicy());

  test('promote a monitoring policy with only acknowledged matches to enforcement, see the diff, deploy, see it enforcing', async ({
    page,
    request,
  }) => {
    const token = await guestToken(request);
    const auth = { Authorization: `Bearer ${token}` };

    // the portal ingests the corpus kprobe of file-monitoring from the simulated Tetragon pod
    let findings: Array<{ id: string; triage: { state: string } }> = [];
    await expect(async () => {
      const res = await request.get(
        `${BACKEND}/api/runtime-security/findings?policy=${POLICY}`,
        { headers: auth },
      );
      findings = (await res.json()).findings;
      expect(findings.length).toBeGreaterThan(0);
    }).toPass({ timeout: 90_000 });

    // the monitoring policy, deployed through Deploy as the runtime-security policy template does
    const deployed = await request.post(
      `${BACKEND}/api/module-deploy/instances/deploy`,
      {
        headers: auth,
        data: {
          module: 'tracing-policy',
          instanceName: POLICY,
          namespace: NAMESPACE,
          clusters: ['local'],
          values: { service: 'checkout', action: 'Post' },
        },
      },
    );
    const stream = await deployed.text();
    expect(stream, stream).toMatch(/"type":"done","ok":true/);

    // accepted behaviour of a known workload: every match acknowledged
    for (const f of findings.filter(x => x.triage.state === 'open')) {
      const res = await request.post(
        `${BACKEND}/api/runtime-security/entity/findings/${f.id}/triage?entityRef=component:default/checkout`,
        {
          headers: auth,
          data: {
            state: 'acknowledged',
            reason: 'e2e: the image build edits /etc/passwd at start',
          },
        },
      );
      expect(res.ok(), await res.text()).toBe(true);
    }

    await enterAsGuest(page, '/security-overview');
    const name = `${NAMESPACE}/${POLICY}`;
    await expect(page.getByLabel(`mode of ${name}`)).toHaveText('monitoring', {
      timeout: 60_000,
    });
    await expect(page.getByLabel(`matches of ${name}`)).toContainText(
      /\d+ acknowledged · \d+ false positive · 0 open/,
    );
    await page
      .getByRole('button', { name: `propose enforcement of ${name}` })
      .click();

    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('proposed change')).toContainText(
      'actions.files (kprobe security_file_permission, 1 accepted finding(s)): Post → Sigkill',
    );
    const diff = dialog.getByRole('region', { name: 'policy diff' });
    await expect(diff).toContainText(
      `TracingPolicyNamespaced/${NAMESPACE}/${POLICY} on local (change)`,
      { timeout: 120_000 },
    );
    await expect(diff).toContainText(
      /~ spec\.kprobes\[.*\]\.selectors\[0\]\.matchActions\[0\]\.action: "Post" → "Sigkill"/,
    );
    // limited to the selector that matched: the connect probe keeps reporting
    await expect(diff).not.toContainText('tcp_connect');

    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await expect(dialog.getByRole('status')).toContainText(
      /Deployed: local healthy \(revision \d+\)/,
      { timeout: 180_000 },
    );
    await dialog.getByRole('button', { name: 'Close' }).click();

    await expect(page.getByLabel(`mode of ${name}`)).toHaveText('enforcement', {
      timeout: 60_000,
    });
    const live = JSON.parse(
      kubectl([
        '-n',
        NAMESPACE,
        'get',
        `tracingpolicynamespaced/${POLICY}`,
        '-o',
        'json',
      ]),
    );
    const actions = live.spec.kprobes.map((k: any) => [
      k.call,
      k.selectors[0].matchActions[0].action,
    ]);
    expect(actions).toEqual([
      ['security_file_permission', 'Sigkill'],
      ['tcp_connect', 'Post'],
    ]);
  });
});

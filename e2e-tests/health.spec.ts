import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

// Against the local cluster (./scripts/test sets PERISCOPE_E2E_CLUSTER=1): payments crash-loops.
// No LLM is configured there, so "Explain" answers from the built-in remediation catalog.
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

test('payments shows its CrashLoopBackOff finding and explains it', async ({
  page,
}) => {
  test.skip(!withCluster, 'needs the local cluster (PERISCOPE_E2E_CLUSTER=1)');
  test.setTimeout(240_000);
  await enterAsGuest(page, '/catalog/default/component/payments/health');
  const finding = page
    .getByText(/CrashLoopBackOff|back-off restarting|last termination reason/i)
    .first();
  // The crash loop needs a moment after seeding: rescan until it is there.
  for (
    let i = 0;
    i < 12 && !(await finding.isVisible().catch(() => false));
    i++
  ) {
    await page.getByRole('button', { name: 'Rescan' }).click();
    await expect(page.getByRole('button', { name: 'Rescan' })).toBeEnabled({
      timeout: 60_000,
    });
    if (await finding.isVisible().catch(() => false)) break;
    await page.waitForTimeout(5_000);
  }
  await expect(finding).toBeVisible();
  await expect(
    page
      .getByText(
        /owned by ReplicaSet shop\/payments-.* → Deployment shop\/payments/,
      )
      .first(),
  ).toBeVisible();
  // The Pod has more than one finding (Pod analyzer: the crash loop; Log analyzer: its last log
  // lines): explain the Pod analyzer's one.
  const pod = page
    .getByRole('group', { name: /^Pod finding for Pod shop\/payments-/ })
    .first();
  await expect(pod).toContainText(
    /CrashLoopBackOff|back-off restarting|last termination reason/i,
  );
  await pod.getByRole('button', { name: 'Explain' }).click();
  const answer = pod.getByLabel('explanation');
  await expect(answer).toBeVisible();
  await expect(answer).toContainText(/crash|CrashLoopBackOff/i);
  await expect(
    answer.getByText(/kubectl logs -n shop payments-/),
  ).toBeVisible();
});

test('the Health tab says how to configure it without a cluster', async ({
  page,
}) => {
  test.skip(withCluster, 'only meaningful without a configured cluster');
  await enterAsGuest(page, '/catalog/default/component/payments/health');
  await expect(page.getByText('Health is not configured')).toBeVisible();
});

test('the cluster-wide health overview page opens', async ({ page }) => {
  await enterAsGuest(page, '/health-overview');
  await expect(page.getByText('Kubernetes health overview')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText([
    'Health overview',
  ]);
  if (withCluster) {
    await expect(page.getByText(/finding\(s\)/).first()).toBeVisible({
      timeout: 120_000,
    });
  } else {
    await expect(page.getByText('Health is not configured')).toBeVisible();
  }
});

// With the real kubelet node (./scripts/test sets PERISCOPE_E2E_REAL_NODE=1; the portal's catalog
// then holds examples/real-node.yaml): states no simulated node produces, written by the kubelet.
const withRealNode = process.env.PERISCOPE_E2E_REAL_NODE === '1';

test('a container the real kubelet killed for its memory limit shows OOMKilled and is explained', async ({
  page,
}) => {
  test.skip(
    !withRealNode,
    'needs the real node (PERISCOPE_E2E_REAL_NODE=1: ./scripts/cluster up --real-node)',
  );
  test.setTimeout(240_000);
  await enterAsGuest(page, '/catalog/default/component/rn-oom/health');
  const pod = page
    .getByRole('group', { name: /^Pod finding for Pod real-node\/rn-oom-/ })
    .first();
  // between two restarts the container may be running: rescan until the kubelet's reason shows
  for (let i = 0; i < 12 && !(await pod.isVisible().catch(() => false)); i++) {
    await page.getByRole('button', { name: 'Rescan' }).click();
    await expect(page.getByRole('button', { name: 'Rescan' })).toBeEnabled({
      timeout: 60_000,
    });
    if (await pod.isVisible().catch(() => false)) break;
    await page.waitForTimeout(5_000);
  }
  await expect(pod).toContainText(/termination reason is OOMKilled/);
  await pod.getByRole('button', { name: 'Explain' }).click();
  const answer = pod.getByLabel('explanation');
  await expect(answer).toBeVisible();
  await expect(answer).toContainText(/memory/i);
  // the built-in remediation names the limit and the kills from the evidence
  await expect(answer).toContainText(
    /Limit \d+Mi(, killed \d+ times? in \d+ (min|h))?: container app uses more memory than it may/,
  );
  await expect(answer).toContainText(
    /Raise resources\.limits\.memory of container app above \d+Mi/,
  );
});

test('a crashing container on the real node shows its evidence and its logs, current and previous', async ({
  page,
}) => {
  test.skip(
    !withRealNode,
    'needs the real node (PERISCOPE_E2E_REAL_NODE=1: ./scripts/cluster up --real-node)',
  );
  test.setTimeout(240_000);
  await enterAsGuest(page, '/catalog/default/component/rn-app-exits/health');
  const pod = page
    .getByRole('group', {
      name: /^Pod finding for Pod real-node\/rn-app-exits-/,
    })
    .first();
  for (let i = 0; i < 12 && !(await pod.isVisible().catch(() => false)); i++) {
    await page.getByRole('button', { name: 'Rescan' }).click();
    await expect(page.getByRole('button', { name: 'Rescan' })).toBeEnabled({
      timeout: 60_000,
    });
    if (await pod.isVisible().catch(() => false)) break;
    await page.waitForTimeout(5_000);
  }
  await pod.getByRole('button', { name: 'Evidence' }).click();
  const evidence = pod.getByLabel('evidence');
  await expect(evidence).toBeVisible({ timeout: 60_000 });
  const container = evidence.getByLabel('container app');
  await expect(container).toContainText('Container app (failing)');
  await expect(container).toContainText(/image\s+busybox/);
  await expect(container).toContainText(/exit code 1/);
  await evidence.getByRole('button', { name: 'Logs' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('tab', { name: 'Previous' }).click();
  // while the container restarts the kubelet may have just removed the previous log: switch again
  const lines = dialog.getByLabel('log lines');
  for (
    let i = 0;
    i < 10 && !(await lines.isVisible().catch(() => false));
    i++
  ) {
    await dialog.getByRole('tab', { name: 'Current' }).click();
    await page.waitForTimeout(2_000);
    await dialog.getByRole('tab', { name: 'Previous' }).click();
    await page.waitForTimeout(1_000);
  }
  await expect(lines).toContainText('ERROR: cannot connect to database');
  await dialog.getByRole('tab', { name: 'Current' }).click();
  await expect(
    dialog.getByLabel('log lines').or(dialog.getByText(/^No log:/)),
  ).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
});

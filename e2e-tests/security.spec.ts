import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

/*
 * Needs the local control plane with the simulated Tetragon pod
 * (scripts/seed/security/tetragon-logs.sh up: kube-system/tetragon-export, whose export-stdout
 * log is the Tetragon corpus re-labelled onto the checkout pods). The portal follows it through
 * the runtime-security kubernetes source, which is on by default when clusters are configured.
 */
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

test('the Security tab shows the findings of checkout and the process tree of one', async ({
  page,
}) => {
  test.skip(
    !withCluster,
    'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
  );
  test.setTimeout(120_000);
  await enterAsGuest(page, '/catalog/default/component/checkout/security');
  // ingest starts a second after the backend; reload until the first findings are stored
  const table = page
    .getByRole('button', {
      name: /Shell started|Network tool|Privilege|Host namespace|account file/i,
    })
    .first();
  await expect(async () => {
    await page.reload();
    await expect(table).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await expect(page.getByLabel('open findings by severity')).toBeVisible();
  await page.getByLabel('search findings').fill('bash');
  const bash = page
    .getByRole('button', { name: /Shell|Host namespace/i })
    .first();
  await bash.click();
  const dialog = page.getByRole('dialog');
  const tree = dialog.getByLabel('process tree');
  await expect(tree).toBeVisible();
  await expect(tree.getByRole('listitem').last()).toContainText('bash');
  await expect(dialog.getByText('MITRE ATT&CK')).toBeVisible();
  await expect(dialog.getByText('Raw event')).toBeVisible();
});

test('the Security overview page lists ingest health per source', async ({
  page,
}) => {
  await enterAsGuest(page, '/security-overview');
  await expect(page.getByText('Ingest health')).toBeVisible();
  // one page header, drawn by the app's page layout (the page adds none of its own)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText([
    'Security overview',
  ]);
  if (withCluster) {
    await expect(page.getByText('kubernetes:local')).toBeVisible({
      timeout: 60_000,
    });
  }
});

import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

// The Deploy tab of the example service `checkout` (examples/entities.yaml: module ./modules/minimal,
// instance checkout-web in namespace shop). Needs the local cluster and the cue binary in the backend
// ($PERISCOPE_CUE_BIN or ./scripts/build-tools --peers).
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

test.describe('Deploy tab', () => {
  test('says how to configure it without a cluster', async ({ page }) => {
    test.skip(withCluster, 'only meaningful without a configured cluster');
    await enterAsGuest(page, '/catalog/default/component/checkout/deploy');
    await expect(page.getByText('Deploy is not configured')).toBeVisible();
  });

  test.setTimeout(420_000);

  test('change a value, preview the diff, deploy with progress to healthy, roll back', async ({
    page,
  }) => {
    test.skip(
      !withCluster,
      'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
    );
    await enterAsGuest(page, '/catalog/default/component/checkout/deploy');
    await expect(
      page.getByText(
        /module \.\/modules\/minimal as instance 'checkout-web' in namespace shop/,
      ),
    ).toBeVisible({ timeout: 60_000 });
    const message = page.locator('#root_message');
    await expect(message).toBeVisible({ timeout: 60_000 });

    const deploy = async (value: string) => {
      await message.fill(value);
      await page.getByRole('button', { name: 'Preview' }).click();
      const preview = page.getByLabel('preview');
      await expect(
        preview.getByText(/Cluster local: \d+ of \d+ object\(s\) change/),
      ).toBeVisible({ timeout: 120_000 });
      await expect(
        preview.getByText(/ConfigMap\/shop\/checkout-web/).first(),
      ).toBeVisible();
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await expect(
        page.getByText(/local: \[apply\] Deployment\/shop\/checkout-web/),
      ).toBeVisible({ timeout: 120_000 });
      await expect(
        page.getByText(/local: \[wait\] Deployment\/shop\/checkout-web ready/),
      ).toBeVisible({ timeout: 240_000 });
      await expect(
        page.getByText(/Done: local healthy \(revision \d+\)/),
      ).toBeVisible({ timeout: 240_000 });
    };

    await deploy(`e2e one ${Date.now()}`);
    await deploy(`e2e two ${Date.now()}`);
    await expect(page.getByText(/^healthy \(\d+\/\d+ ready\)$/)).toBeVisible({
      timeout: 60_000,
    });

    const rollback = page
      .getByRole('button', { name: /Roll back to \d+/ })
      .first();
    await expect(rollback).toBeEnabled({ timeout: 60_000 });
    await rollback.click();
    await expect(page.getByText('Rollback', { exact: true })).toBeVisible();
    await expect(
      page.getByText(/Done: local healthy \(revision \d+\)/).last(),
    ).toBeVisible({ timeout: 240_000 });
  });

  test('change a common field in the grouped form, preview the YAML diff, deploy with a change message, see it in history', async ({
    page,
  }) => {
    test.skip(
      !withCluster,
      'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
    );
    await enterAsGuest(page, '/catalog/default/component/checkout/deploy');
    // examples/modules/minimal marks image, replicas, resources and message @periscope(common)
    const common = page.getByRole('group', { name: 'common settings' });
    await expect(common).toBeVisible({ timeout: 120_000 });
    const message = common.locator('#root_message');
    await expect(message).toBeVisible({ timeout: 60_000 });
    await expect(common.locator('#root_replicas')).toBeVisible();
    // the other fields wait in collapsed sections, what Periscope sets out of the way
    const collapsed = page.getByRole('button', {
      name: /^Service/,
      expanded: false,
    });
    await expect(collapsed).toBeVisible();
    await expect(
      page.getByRole('button', {
        name: /^Set by Periscope \(\d+\)/,
        expanded: false,
      }),
    ).toBeVisible();

    const stamp = Date.now();
    await message.fill(`e2e grouped ${stamp}`);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByLabel('preview');
    await expect(
      preview.getByText(/Cluster local: \d+ of \d+ object\(s\) change/),
    ).toBeVisible({ timeout: 120_000 });
    const yamlDiff = preview.getByRole('region', {
      name: 'yaml diff of Deployment/shop/checkout-web',
    });
    await expect(yamlDiff).toBeVisible();
    await expect(yamlDiff.getByText('after deploy')).toBeVisible();
    await expect(
      yamlDiff
        .locator('tr[data-kind="changed"], tr[data-kind="added"]')
        .first(),
    ).toBeVisible();

    const why = `e2e change message ${stamp}`;
    await page.getByLabel('change message').fill(why);
    const deploy = page.getByRole('button', { name: 'Deploy', exact: true });
    await expect(deploy).toBeEnabled({ timeout: 60_000 });
    await deploy.click();
    await expect(
      page.getByText(/Done: local healthy \(revision \d+\)/),
    ).toBeVisible({ timeout: 240_000 });
    // the history shows the message with the new revision, and the audit trail with the deploy
    await expect(page.getByText(why).first()).toBeVisible({ timeout: 60_000 });
    await expect(
      page.getByLabel('audit trail').getByText(why).first(),
    ).toBeVisible();
  });

  test('the modules page lists what can be deployed', async ({ page }) => {
    await enterAsGuest(page, '/modules');
    await expect(
      page.getByText(/No modules configured|Modules/).first(),
    ).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText([
      'Modules',
    ]);
  });
});

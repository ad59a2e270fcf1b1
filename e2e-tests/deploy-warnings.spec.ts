import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

// Warnings before a deploy (#20): on the Deploy tab of `checkout` (module ./modules/minimal,
// instance checkout-web in namespace shop), a value that names a ConfigMap the namespace does not
// have shows the warning in the preview, before anything is applied. Nothing is deployed here.
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

test.describe('Deploy warnings', () => {
  test.setTimeout(240_000);

  test('a value that refers to a missing ConfigMap shows the warning in the preview', async ({
    page,
  }) => {
    test.skip(
      !withCluster,
      'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
    );
    await enterAsGuest(page, '/catalog/default/component/checkout/deploy');
    await expect(page.locator('#root_message')).toBeVisible({
      timeout: 60_000,
    });

    // the field is not among the common ones: it may sit in a collapsed section of the form
    const field = page.locator('#root_envFromConfigMap');
    if (!(await field.isVisible())) {
      const section = page.getByRole('button', { name: /Other settings/ });
      if (await section.count()) await section.first().click();
    }
    const missing = `e2e-missing-${Date.now().toString(36)}`;
    await field.fill(missing);

    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByLabel('preview', { exact: true });
    await expect(
      preview.getByText(/Cluster local: \d+ of \d+ object\(s\) change/),
    ).toBeVisible({ timeout: 120_000 });
    const warnings = page.getByLabel('preview warnings');
    await expect(warnings).toBeVisible();
    await expect(
      warnings.getByText(
        `ConfigMap ${missing} does not exist in namespace shop (referenced by envFrom of container checkout-web)`,
        { exact: false },
      ),
    ).toBeVisible();
    await expect(
      warnings.getByText('Deployment/shop/checkout-web'),
    ).toBeVisible();

    // naming nothing again: the preview has no warning
    await field.fill('');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByText(missing)).toHaveCount(0, { timeout: 120_000 });
    await expect(
      preview.getByText(/Cluster local: \d+ of \d+ object\(s\) change/),
    ).toBeVisible({ timeout: 120_000 });
    await expect(page.getByLabel('preview warnings')).toHaveCount(0);
  });
});

import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

test('an example service shows the Health, Deploy and Security tabs', async ({ page }) => {
  await enterAsGuest(page, '/catalog/default/component/checkout');
  await expect(page.getByRole('heading', { name: 'checkout' }).first()).toBeVisible();
  for (const tab of ['Health', 'Deploy', 'Security']) {
    const link = page.getByRole('tab', { name: tab }).or(page.getByRole('link', { name: tab, exact: true }));
    await expect(link.first()).toBeVisible();
  }
});

test('the Health tab lists the service workloads from the cluster', async ({ page }) => {
  await enterAsGuest(page, '/catalog/default/component/checkout/health');
  if (process.env.PERISCOPE_E2E_CLUSTER === '1') {
    await expect(page.getByText('Workloads')).toBeVisible();
    await expect(page.getByRole('cell', { name: 'Deployment' }).first()).toBeVisible();
  } else {
    await expect(page.getByText('Health is not configured')).toBeVisible();
  }
});

test('a component without Kubernetes annotations explains how to link it', async ({ page }) => {
  await enterAsGuest(page, '/catalog/default/component/legacy-portal/security');
  await expect(
    page.getByText(/This entity is not linked to Kubernetes workloads|Security is not configured/),
  ).toBeVisible();
});

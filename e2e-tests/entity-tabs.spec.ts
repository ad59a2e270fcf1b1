import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

test('an example service shows the Health, Deploy, Security and Timeline tabs', async ({
  page,
}) => {
  await enterAsGuest(page, '/catalog/default/component/checkout');
  await expect(
    page.getByRole('heading', { name: 'checkout' }).first(),
  ).toBeVisible();
  for (const tab of ['Health', 'Deploy', 'Security', 'Timeline']) {
    const link = page
      .getByRole('tab', { name: tab })
      .or(page.getByRole('link', { name: tab, exact: true }));
    await expect(link.first()).toBeVisible();
  }
});

test('the Health tab lists the service workloads from the cluster', async ({
  page,
}) => {
  await enterAsGuest(page, '/catalog/default/component/checkout/health');
  if (process.env.PERISCOPE_E2E_CLUSTER === '1') {
    await expect(page.getByText('Workloads')).toBeVisible();
    await expect(
      page.getByRole('cell', { name: 'Deployment' }).first(),
    ).toBeVisible();
  } else {
    await expect(page.getByText('Health is not configured')).toBeVisible();
  }
});

test('a component without Kubernetes or module annotations shows no Periscope tab', async ({
  page,
}) => {
  await enterAsGuest(page, '/catalog/default/component/legacy-portal');
  await expect(
    page.getByRole('heading', { name: 'legacy-portal' }).first(),
  ).toBeVisible();
  // the tabs the app has for every component are there; none of Periscope's
  const overview = page
    .getByRole('tab', { name: 'Overview' })
    .or(page.getByRole('link', { name: 'Overview', exact: true }));
  await expect(overview.first()).toBeVisible();
  for (const tab of ['Health', 'Deploy', 'Security', 'Timeline']) {
    await expect(page.getByRole('tab', { name: tab })).toHaveCount(0);
    await expect(
      page.getByRole('link', { name: tab, exact: true }),
    ).toHaveCount(0);
  }
});

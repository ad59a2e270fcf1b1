import { expect, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

/*
 * The cross-plugin Timeline tab of `checkout`: its pods emit corpus Tetragon events on the local
 * control plane (see security.spec.ts), so security findings are on the timeline beside whatever
 * deploys and health findings it has.
 */
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

test('the Timeline tab says the cluster is not configured', async ({
  page,
}) => {
  test.skip(withCluster, 'only meaningful without a configured cluster');
  await enterAsGuest(page, '/catalog/default/component/checkout/timeline');
  await expect(
    page.getByText(/Security: no Kubernetes cluster is configured/),
  ).toBeVisible({ timeout: 60_000 });
});

test('the Timeline tab puts security findings, health findings and deploys on one axis', async ({
  page,
}) => {
  test.skip(
    !withCluster,
    'needs the local control plane (PERISCOPE_E2E_CLUSTER=1)',
  );
  test.setTimeout(150_000);
  await enterAsGuest(page, '/catalog/default/component/checkout/timeline');
  const events = page.getByRole('list', { name: 'timeline events' });
  const security = events
    .getByRole('listitem', { name: 'Security event' })
    .first();
  // ingest starts a second after the backend; reload until the first findings are stored
  await expect(async () => {
    await page.reload();
    await expect(security).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: 90_000 });
  await expect(security).toContainText(/in shop\/checkout/);
  await expect(page.getByRole('img', { name: 'timeline chart' })).toBeVisible();
  for (const source of ['Deploy', 'Health', 'Security']) {
    await expect(
      page.getByLabel(new RegExp(`^${source} \\(\\d+\\)$`)),
    ).toBeVisible();
  }
  // hiding a source hides its rows
  await page.getByLabel(/^Security \(\d+\)$/).uncheck();
  await expect(
    events.getByRole('listitem', { name: 'Security event' }),
  ).toHaveCount(0);
});

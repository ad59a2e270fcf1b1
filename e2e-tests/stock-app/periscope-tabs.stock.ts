import { expect, Page, test } from '@playwright/test';
import { enterAsGuest } from '../helpers';

/*
 * A stock Backstage app (`@backstage/create-app`) with Periscope installed from its tarballs and
 * wired as the plugins' READMEs say, against the seeded local control plane
 * (scripts/lib/stock-app-test.sh). The catalog holds examples/entities.yaml: `checkout` is
 * annotated for Kubernetes and a module deploy, `legacy-portal` has no annotation at all. The
 * checks are the same for both wirings: the READMEs promise the same tabs, cards and pages.
 * PERISCOPE_STOCK_APP_VARIANT names the app's wiring ("new frontend system" or "legacy").
 */
const variant =
  process.env.PERISCOPE_STOCK_APP_VARIANT ?? 'new frontend system';
const entity = (name: string) => `/catalog/default/component/${name}`;
const periscopeTabs = ['Health', 'Deploy', 'Security', 'Timeline'];

/** An entity page tab: a tab in the new frontend system, a link in the legacy EntityLayout. */
function tab(page: Page, name: string) {
  return page
    .getByRole('tab', { name, exact: true })
    .or(page.getByRole('link', { name, exact: true }));
}

/** Opens an entity's page; its Overview tab shows once the catalog has the entity. */
async function openEntity(page: Page, name: string) {
  await enterAsGuest(page, entity(name));
  await expect(page.getByRole('heading', { name }).first()).toBeVisible();
  await expect(tab(page, 'Overview').first()).toBeVisible();
}

/** Opens an entity page and goes to one of its tabs the way a user does: by clicking it. */
async function openTab(page: Page, name: string, tabName: string) {
  await openEntity(page, name);
  await tab(page, tabName).first().click();
}

test.describe(`stock app, ${variant}`, () => {
  test('an annotated component shows the Health, Deploy and Security tabs', async ({
    page,
  }) => {
    await openEntity(page, 'checkout');
    for (const name of ['Health', 'Deploy', 'Security']) {
      await expect(tab(page, name).first()).toBeVisible();
    }
  });

  test('the overview of checkout shows the Health and Security cards', async ({
    page,
  }) => {
    await openEntity(page, 'checkout');
    await expect(
      page.getByText('Kubernetes health', { exact: true }).first(),
    ).toBeVisible();
    await expect(
      page.getByText('Runtime security', { exact: true }).first(),
    ).toBeVisible();
  });

  test('Health lists the workloads of checkout from the cluster', async ({
    page,
  }) => {
    await openTab(page, 'checkout', 'Health');
    await expect(page.getByText('Workloads').first()).toBeVisible();
    await expect(
      page.getByRole('cell', { name: 'Deployment' }).first(),
    ).toBeVisible();
  });

  test('Deploy shows the module instance of checkout and its values form', async ({
    page,
  }) => {
    await openTab(page, 'checkout', 'Deploy');
    await expect(
      page.getByText(
        /module \.\/modules\/minimal as instance 'checkout-web' in namespace shop/,
      ),
    ).toBeVisible();
    // the values form is generated from the module's schema, which the backend gets from cue
    await expect(page.locator('#root_message')).toBeVisible();
  });

  test('Security lists the runtime findings of checkout', async ({ page }) => {
    await openTab(page, 'checkout', 'Security');
    const finding = page
      .getByRole('button', {
        name: /Shell started|Network tool|Privilege|Host namespace|account file/i,
      })
      .first();
    // ingest from the cluster's Tetragon pod starts after the backend: reload until findings are stored
    await expect(async () => {
      await page.reload();
      await expect(finding).toBeVisible({ timeout: 10_000 });
    }).toPass({ timeout: 120_000 });
    await expect(page.getByLabel('open findings by severity')).toBeVisible();
  });

  test('the sidebar opens the Health overview, Modules and Security overview pages', async ({
    page,
  }) => {
    await enterAsGuest(page, '/');
    const nav = page.locator('nav[aria-label="sidebar nav"]');
    // the page header (the new frontend system draws it from the PageBlueprint's title, the legacy
    // exports carry it in PeriscopePageLayout) and each page's own content header
    for (const [link, title] of [
      ['Health overview', 'Kubernetes health overview'],
      ['Modules', 'Timoni modules that services deploy from the portal'],
      ['Security overview', 'Tetragon runtime findings across clusters'],
    ]) {
      await nav.getByRole('link', { name: link }).first().click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText([link]);
      await expect(
        page.getByText(title, { exact: true }).first(),
      ).toBeVisible();
    }
  });

  test('a component without annotations shows no Periscope tab', async ({
    page,
  }) => {
    // the app's own tabs are there (Overview), none of Periscope's
    await openEntity(page, 'legacy-portal');
    for (const name of periscopeTabs) {
      await expect(tab(page, name)).toHaveCount(0);
    }
  });
});

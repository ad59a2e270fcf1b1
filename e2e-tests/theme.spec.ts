import { expect, Locator, Page, test } from '@playwright/test';
import { enterAsGuest } from './helpers';

/*
 * The Periscope tabs in Backstage's dark theme. The app keeps the chosen theme in localStorage
 * under 'theme' (what Settings → Appearance writes; the app's AppThemeSelector reads it when the
 * app starts), so the test sets it before the first page load. On the example service `checkout`
 * (examples/entities.yaml: Kubernetes id and a module to deploy) it opens the Health, Deploy and
 * Security tabs, asserts the page is drawn dark, and with the local cluster that the severity
 * chips use the dark palette. A full-page screenshot of each tab goes to the test's output folder
 * (playwright.config.ts outputDir) and into the report as an attachment.
 */
const withCluster = process.env.PERISCOPE_E2E_CLUSTER === '1';

/**
 * The severity palette of @periscope/periscope-react (`severityColors`) under Backstage's dark
 * theme, as the browser reports it: the lighter variants of Material UI's error / warning / info
 * colours and the secondary text colour (packages/periscope-react/src/severity pins these).
 */
const DARK_SEVERITY: Record<string, string> = {
  critical: 'rgb(229, 115, 115)',
  high: 'rgb(255, 152, 0)',
  medium: 'rgb(255, 183, 77)',
  low: 'rgb(100, 181, 246)',
  info: 'rgba(255, 255, 255, 0.7)',
};

/** Relative luminance (WCAG) of a CSS `rgb()` / `rgba()` colour. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const css = (locator: Locator, property: string) =>
  locator.evaluate(
    (el, p) => getComputedStyle(el).getPropertyValue(p),
    property,
  );

/**
 * The page is drawn by the dark theme: the body is marked dark and has a dark background, and
 * `content` (text the tab draws on the page, not on the entity header, whose text is white in
 * both themes) is light. The alpha of a translucent text colour is left out: what counts is
 * whether it is white-ish or black-ish.
 */
async function expectDark(page: Page, content: Locator) {
  const body = page.locator('body');
  await expect(body).toHaveAttribute('data-theme-mode', 'dark');
  const background = await css(body, 'background-color');
  expect(luminance(background), `body background ${background}`).toBeLessThan(
    0.1,
  );
  const text = await css(content, 'color');
  expect(luminance(text), `text colour ${text}`).toBeGreaterThan(0.5);
}

/** Every severity chip is filled (or, with no findings of its severity, outlined) in its dark colour. */
async function expectDarkSeverityChips(chips: Locator) {
  const count = await chips.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const chip = chips.nth(i);
    const severity = (await chip.getAttribute('data-severity')) ?? '';
    const fill = await css(chip, 'background-color');
    const border = await css(chip, 'border-top-color');
    // an outlined chip has a transparent fill and the colour on its border
    const colour = fill === 'rgba(0, 0, 0, 0)' ? border : fill;
    expect(colour, `${severity} chip`).toBe(DARK_SEVERITY[severity]);
  }
}

async function screenshot(page: Page, name: string) {
  const path = test.info().outputPath(`${name}-dark.png`);
  await page.screenshot({ path, fullPage: true });
  await test
    .info()
    .attach(`${name} (dark theme)`, { path, contentType: 'image/png' });
}

test.describe('dark theme', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() =>
      window.localStorage.setItem('theme', 'dark'),
    );
  });

  test('the Health tab is dark and its severity summary uses the dark palette', async ({
    page,
  }) => {
    test.setTimeout(150_000);
    await enterAsGuest(page, '/catalog/default/component/checkout/health');
    expect(
      await page.evaluate(() => window.localStorage.getItem('theme')),
    ).toBe('dark');
    const summary = page.getByLabel('severity summary');
    const notConfigured = page.getByText('Health is not configured');
    await expect(withCluster ? summary : summary.or(notConfigured)).toBeVisible(
      { timeout: 120_000 },
    );
    let content = notConfigured;
    if (await summary.isVisible()) {
      // one chip per severity: filled where there are findings, outlined where there are none
      await expectDarkSeverityChips(summary.locator('[data-severity]'));
      content = page.getByText('Workloads', { exact: true });
    }
    await expect(content).toBeVisible();
    await expectDark(page, content);
    await screenshot(page, 'health');
  });

  test('the Deploy tab is dark', async ({ page }) => {
    test.setTimeout(150_000);
    await enterAsGuest(page, '/catalog/default/component/checkout/deploy');
    const content = withCluster
      ? page.getByText('Instances', { exact: true })
      : page.getByText('Deploy is not configured');
    await expect(content).toBeVisible({ timeout: 60_000 });
    await expectDark(page, content);
    await screenshot(page, 'deploy');
  });

  test('the Security tab is dark and its severity chips use the dark palette', async ({
    page,
  }) => {
    test.setTimeout(150_000);
    await enterAsGuest(page, '/catalog/default/component/checkout/security');
    const summary = page.getByLabel('open findings by severity');
    const notConfigured = page.getByText('Security is not configured');
    if (withCluster) {
      // ingest starts a second after the backend; reload until the first findings are stored
      const finding = page.getByRole('button', {
        name: /Shell started|Network tool|Privilege|Host namespace|account file/i,
      });
      await expect(async () => {
        await page.reload();
        await expect(finding.first()).toBeVisible({ timeout: 5_000 });
      }).toPass({ timeout: 90_000 });
    }
    await expect(withCluster ? summary : summary.or(notConfigured)).toBeVisible(
      { timeout: 60_000 },
    );
    let content = notConfigured;
    if (await summary.isVisible()) {
      // the summary's chips (outlined where there are no findings) and the findings table's
      await expectDarkSeverityChips(page.locator('[data-severity]'));
      content = page.getByText('Open findings', { exact: true });
    }
    await expect(content).toBeVisible();
    await expectDark(page, content);
    await screenshot(page, 'security');
  });
});

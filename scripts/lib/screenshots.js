// Takes the README screenshots (see scripts/screenshots). Plain Playwright library, not a test:
// it asserts nothing, it waits for each tab's data and writes the pictures.
const { chromium } = require('@playwright/test');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const base = process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000';
const themeArg = process.argv.indexOf('--theme');
const theme = themeArg >= 0 ? process.argv[themeArg + 1] : 'light';
if (!['light', 'dark'].includes(theme)) {
  console.error(`screenshots: --theme '${theme}': use light or dark`);
  process.exit(2);
}

const TABS = [
  {
    tab: 'health',
    entity: 'payments',
    out: 'plugins/k8s-diagnostics/docs/health-tab.png',
    // the severity summary shows once the first scan's findings are read
    ready: page => page.getByLabel('severity summary'),
  },
  {
    tab: 'deploy',
    out: 'plugins/module-deploy/docs/deploy-tab.png',
    ready: page => page.locator('#root_message'),
    // with nothing deployed yet, deploys once through the tab (as the Deploy e2e test does) so
    // the picture shows an instance, its health and a revision
    prepare: async page => {
      if (!(await page.getByText(/Not deployed yet/).isVisible())) return;
      await page.locator('#root_message').fill('hello from the README screenshot');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByLabel('preview').getByText(/Cluster local: \d+ of \d+ object\(s\) change/).waitFor({ timeout: 120_000 });
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await page.getByText(/Done: local healthy \(revision \d+\)/).waitFor({ timeout: 240_000 });
      await page.reload();
      await page.getByText(/^healthy \(\d+\/\d+ ready\)$/).waitFor({ timeout: 60_000 });
    },
  },
  {
    tab: 'security',
    out: 'plugins/runtime-security/docs/security-tab.png',
    ready: page =>
      page.getByRole('button', { name: /Shell started|Network tool|Privilege|Host namespace|account file/i }).first(),
    reload: true,
  },
];

async function enterAsGuest(page, url) {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter' });
  const nav = page.locator('nav[aria-label="sidebar nav"]');
  await enter.or(nav).first().waitFor({ state: 'attached', timeout: 60_000 });
  if (await enter.isVisible()) await enter.click();
  await nav.waitFor({ state: 'attached' });
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.PERISCOPE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(t => window.localStorage.setItem('theme', t), theme);
    for (const t of TABS) {
      const url = `${base}/catalog/default/component/${t.entity ?? 'checkout'}/${t.tab}`;
      await enterAsGuest(page, url);
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          await t.ready(page).waitFor({ state: 'visible', timeout: 10_000 });
          break;
        } catch (e) {
          if (Date.now() > deadline) {
            throw new Error(`the ${t.tab} tab at ${url} showed no data in 120 s: is the portal running with the local cluster (./scripts/start)?`);
          }
          if (t.reload) await page.reload();
        }
      }
      if (t.prepare) await t.prepare(page);
      await page.waitForLoadState('networkidle');
      const file = path.join(root, t.out);
      await page.screenshot({ path: file });
      console.log(`wrote ${t.out}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch(e => {
  console.error(`screenshots: ${e.message}`);
  process.exit(1);
});

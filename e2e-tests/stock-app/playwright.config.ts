import { defineConfig } from '@playwright/test';

/**
 * The browser checks of the stock-app step (scripts/lib/stock-app-test.sh): a Backstage app made by
 * `@backstage/create-app` outside this repository, with Periscope installed from its packed
 * tarballs, already started by that script on ports of its own (PLAYWRIGHT_URL). The specs end in
 * `.stock.ts`, so that e2e-tests/playwright.config.ts (every `*.spec.ts`) does not pick them up
 * against the repository's own portal.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.stock.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  forbidOnly: true,
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    [
      'json',
      {
        outputFile:
          process.env.PERISCOPE_E2E_JSON ??
          'e2e-test-report/stock-app-results.json',
      },
    ],
  ],
  outputDir:
    process.env.PERISCOPE_STOCK_APP_E2E_OUT ??
    '../../node_modules/.cache/stock-app-test-results',
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3100',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.PERISCOPE_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});

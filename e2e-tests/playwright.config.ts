import { defineConfig } from '@playwright/test';

/**
 * Periscope's browser tests. They drive Debian's Chromium (`/usr/bin/chromium`, or
 * PERISCOPE_CHROMIUM) against a portal that is already running: `./scripts/test` starts it,
 * locally run `./scripts/start` first. `npx playwright install` is not needed.
 */
export default defineConfig({
  // PERISCOPE_E2E_DIR: another folder of specs (the test script's self test uses one)
  testDir: process.env.PERISCOPE_E2E_DIR ?? '.',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  // always: a stray test.only would shrink the run without a trace
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [
    ['list'],
    [
      'json',
      {
        outputFile:
          process.env.PERISCOPE_E2E_JSON ?? 'e2e-test-report/results.json',
      },
    ],
  ],
  outputDir: '../node_modules/.cache/e2e-test-results',
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
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

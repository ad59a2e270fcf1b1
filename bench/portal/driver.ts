/**
 * bench/portal driver: Chromium through Playwright against the portal at BASE. Signs in as
 * guest once, warms every tab up (each shows its data at least once), then ROUNDS rounds: in
 * each, every tab of ENTITY is opened in a new page of the signed-in context, timed from the
 * navigation's start to its first data row being visible. Prints the medians side by side, the
 * ratio to the Overview tab, and whether the goal is met (each Periscope tab <= 1.5 s and
 * <= 1.5 x Overview).
 */
import { chromium, Locator, Page } from '@playwright/test';
import os from 'node:os';

const [base, entity = 'checkout', roundsArg = '7'] = process.argv.slice(2);
const rounds = Number(roundsArg);

interface Tab {
  name: string;
  path: string;
  /** The first row of data: a finding, the deploy instance, the About card's fields. */
  ready: (page: Page) => Locator;
  periscope: boolean;
}

const TABS: Tab[] = [
  {
    name: 'Overview (Backstage)',
    path: '',
    // the About card's fields, filled from the catalog entity
    ready: page => page.getByText('Owner', { exact: true }).first(),
    periscope: false,
  },
  {
    name: 'Health',
    path: '/health',
    // a finding row (its group carries "<Kind> finding for <Kind> <ns>/<name>")
    ready: page => page.getByRole('group', { name: / finding for / }).first(),
    periscope: true,
  },
  {
    name: 'Deploy',
    path: '/deploy',
    // the instance line, once the module and its instance are read
    ready: page => page.getByText(/ as instance '[^']+' in namespace /).first(),
    periscope: true,
  },
  {
    name: 'Security',
    path: '/security',
    // a finding row of the runtime events
    ready: page =>
      page
        .getByRole('button', {
          name: /Shell started|Network tool|Privilege|Host namespace|account file/i,
        })
        .first(),
    periscope: true,
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.PERISCOPE_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
    });
    const url = (t: Tab) =>
      `${base}/catalog/default/component/${entity}${t.path}`;
    // guest sign-in, once for the context
    const first = await context.newPage();
    await first.goto(url(TABS[0]));
    const enter = first.getByRole('button', { name: 'Enter' });
    const nav = first.locator('nav[aria-label="sidebar nav"]');
    await enter
      .or(nav)
      .first()
      .waitFor({ state: 'attached', timeout: 120_000 });
    if (await enter.isVisible()) await enter.click();
    await nav.waitFor({ state: 'attached', timeout: 60_000 });
    await first.close();

    // warm-up: each tab shows its data (the Security ingest starts with the backend: reload until it has)
    for (const t of TABS) {
      const page = await context.newPage();
      const deadline = Date.now() + 180_000;
      await page.goto(url(t));
      for (;;) {
        try {
          await t.ready(page).waitFor({ state: 'visible', timeout: 10_000 });
          break;
        } catch (e) {
          if (Date.now() > deadline)
            throw new Error(
              `the ${t.name} tab at ${url(t)} showed no data in 180 s`,
            );
          await page.reload();
        }
      }
      await page.close();
    }

    const times: Record<string, number[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const t of TABS) {
        const page = await context.newPage();
        const t0 = performance.now();
        await page.goto(url(t), { waitUntil: 'commit' });
        await t.ready(page).waitFor({ state: 'visible', timeout: 60_000 });
        (times[t.name] ??= []).push(performance.now() - t0);
        await page.close();
      }
    }

    const overview = median(times[TABS[0].name]);
    console.log(
      `\nmachine: ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map(l => l.toFixed(2))
        .join(
          ' ',
        )}; entity component:default/${entity}; ${rounds} runs per tab, warm backend`,
    );
    console.log(
      `${'tab'.padEnd(24)}${'median'.padEnd(10)}${'min'.padEnd(
        10,
      )}${'max'.padEnd(10)}${'x Overview'.padEnd(
        12,
      )}goal (<= 1.5 s and <= 1.5 x Overview)`,
    );
    let ok = true;
    for (const t of TABS) {
      const xs = times[t.name];
      const m = median(xs);
      const met = !t.periscope || (m <= 1500 && m <= 1.5 * overview);
      if (!met) ok = false;
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      console.log(
        `${t.name.padEnd(24)}${s(m).padEnd(10)}${s(Math.min(...xs)).padEnd(
          10,
        )}${s(Math.max(...xs)).padEnd(10)}${(m / overview)
          .toFixed(2)
          .padEnd(12)}${
          t.periscope ? (met ? 'met' : 'NOT met') : '(reference)'
        }`,
      );
    }
    console.log(
      `\ngoal: every Periscope tab shows data within 1.5 s and no slower than 1.5 x Overview — ${
        ok ? 'met' : 'NOT met'
      }`,
    );
    process.exitCode = ok ? 0 : 4;
  } finally {
    await browser.close();
  }
}

main().catch(e => {
  console.error(`portal bench: ${(e as Error).message}`);
  process.exit(1);
});

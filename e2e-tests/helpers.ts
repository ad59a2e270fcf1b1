import { expect, Page } from '@playwright/test';

/** Opens a path, signing in as guest (the development sign-in page) when the page asks. */
export async function enterAsGuest(page: Page, path: string) {
  await page.goto(path);
  const enter = page.getByRole('button', { name: 'Enter' });
  const nav = page.locator('nav[aria-label="sidebar nav"]');
  await enter.or(nav).first().waitFor({ state: 'attached', timeout: 60_000 });
  if (await enter.isVisible()) {
    await enter.click();
    await expect(enter).toBeHidden();
  }
  await nav.waitFor({ state: 'attached' });
}

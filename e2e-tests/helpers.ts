import { expect, Page } from '@playwright/test';

/** Signs in as guest (the development sign-in page) when the page asks. */
export async function enterAsGuest(page: Page, path: string) {
  await page.goto(path);
  const enter = page.getByRole('button', { name: 'Enter' });
  if (await enter.isVisible({ timeout: 15_000 }).catch(() => false)) {
    await enter.click();
  }
  await expect(page.getByRole('navigation', { name: 'sidebar nav' })).toBeVisible();
}

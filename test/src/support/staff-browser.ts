import type { Browser, Page } from 'playwright-core';
import type { LightboxStack } from './lightbox-stack.js';

export const STAFF_PASSWORD = 'correct horse battery staple';

/** A staff account made with the site key, as a practice's setup would. */
export async function createStaffAccount(
  stack: LightboxStack,
  username: string,
  displayName: string,
  role: 'front-desk' | 'technician' | 'vet' | 'admin',
): Promise<void> {
  const res = await stack.api('POST', '/v1/staff-accounts', {
    username,
    displayName,
    role,
    password: STAFF_PASSWORD,
  });
  if (res.status !== 201) throw new Error(`staff account not created: ${res.status} ${await res.text()}`);
}

/** A new browser context signed in through the form, as a person would: typing, pressing Enter. */
export async function signedInPage(browser: Browser, stack: LightboxStack, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${stack.pluginUrl}/app/orders`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(STAFF_PASSWORD);
  await Promise.all([page.waitForURL('**/app/orders'), page.getByLabel('Password').press('Enter')]);
  return page;
}

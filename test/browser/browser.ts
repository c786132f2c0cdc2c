// Real Chromium for browser tests (Debian's /usr/bin/chromium via playwright-core), with screenshots and HTML saved on failure.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../test-artifacts');

/** Launches Chromium or fails loudly: a missing browser is a failure, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH. The browser tests cannot run without it.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'ja-JP' });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

/** Runs `fn`; when it throws, saves the page's screenshot and HTML under test-artifacts/ and rethrows. */
export async function withArtifacts<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const base = path.join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${Date.now()}`);
    await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 }).catch(() => undefined);
    const html = await page.content().catch(() => '(no page content)');
    writeFileSync(`${base}.html`, `<!-- ${page.url()} -->\n${html}`);
    if (err instanceof Error) err.message += `\n(screenshot and HTML: ${base}.png / .html)`;
    throw err;
  }
}

/** Signs in to the admin console with an API key through the sign-in form. */
export async function signIn(page: Page, api: string, key: string): Promise<void> {
  await page.goto(`${api}/admin/login`);
  await page.fill('#api-key', key);
  await Promise.all([page.waitForURL(/\/admin\/orders/), page.click('#sign-in')]);
}

/** Runs `fn` on a fresh page of its own context (artifacts kept on failure); the browser is read when called. */
export function pageRunner(browser: () => Browser) {
  return async function withPage<T>(name: string, fn: (page: Page) => Promise<T>, viewport?: { width: number; height: number }): Promise<T> {
    const context = await newContext(browser(), viewport);
    const page = await context.newPage();
    try {
      return await withArtifacts(page, name, () => fn(page));
    } finally {
      await context.close();
    }
  };
}

/**
 * Chromium for the tests of one describe block: launched before the first test (after the hooks declared before this
 * call, such as the stack's), closed after the last. Returns `withPage` (see pageRunner).
 */
export function useBrowser() {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return pageRunner(() => {
    if (!browser) throw new Error('Chromium is not running (used outside a test, or it failed to launch)');
    return browser;
  });
}

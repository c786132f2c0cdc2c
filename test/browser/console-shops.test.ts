/**
 * Shops in the console (docs/shops.md), in real Chromium against the whole stack. A platform key signs in to the
 * default shop, switches to shop B and sees only B's orders, and back; a shop id that is not a shop (unknown, upper
 * case, too long, odd characters) is answered 404 and the session stays where it was. A shop's key sees its own shop
 * named, no switcher, and is refused the switcher and the Shops page. On the Shops page the platform makes a shop (it
 * gets a simulated merchant, as from the platform API), issues its first key (shown once, recorded in the audit log by
 * its id only), and suspends and reactivates it.
 */
import type { Page } from 'playwright-core';
import { createApiKey } from '../../lib/api-keys';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack, type TestShop, type TestStack } from '../helpers/stack';
import { signIn, useBrowser } from './browser';

describe('shops in the console', () => {
  const s = useTestStack();
  const withPage = useBrowser();
  let b: TestShop;
  let platformKey: string;
  /** The stack as shop B's storefront sees it (its keys; the same simulator), as in test/integration/shops.test.ts. */
  const asShop = (call: TestStack['call']): TestStack => ({ control: (method: string, pathname: string, body?: unknown) => s.control(method, pathname, body), call }) as unknown as TestStack;

  beforeAll(async () => {
    b = await s.addShop('shop-b');
    platformKey = (await createApiKey(s.db.prisma, 'platform', 'test platform', null)).key;
    expect((await checkoutOrder(s, 'SHOP-A-1')).status).toBe(200);
    expect((await checkoutOrder(asShop(b.call), 'SHOP-B-1')).status).toBe(200);
  }, 90_000);

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();
  const orderIds = (page: Page) => page.$$eval('#orders-table tr[data-order-id]', (rows) => rows.map((r) => r.getAttribute('data-order-id')));
  const currentShop = (page: Page) => page.getAttribute('#current-shop', 'data-shop-id');

  /** A form post from the page itself (same origin, the page's CSRF token), as a forged form would send it: its status. */
  const postFrom = (page: Page, pathname: string, form: Record<string, string>): Promise<number> =>
    page.evaluate(`(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const body = new URLSearchParams({ ...${JSON.stringify(form)}, _csrf: csrf });
      return (await fetch(${JSON.stringify(pathname)}, { method: 'POST', body, redirect: 'manual' })).status;
    })()`);

  it("switches a platform session between shops, each showing only its own orders; a shop id that is no shop changes nothing", async () => {
    await withPage('shops-switch', async (page) => {
      await signIn(page, s.api, platformKey);
      expect(await currentShop(page)).toBe('default');
      expect(await orderIds(page)).toEqual(['SHOP-A-1']);
      expect(await page.$$eval('#shop-select option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['default', 'shop-b']);
      expect(await page.locator('nav a[href="/admin/shops"]').count()).toBe(1);

      await page.selectOption('#shop-select', 'shop-b');
      await Promise.all([page.waitForURL(/\/admin\/orders$/), page.click('#switch-shop')]);
      expect(await currentShop(page)).toBe('shop-b');
      expect(await text(page, '#current-shop')).toContain('Shop shop-b (shop-b)');
      expect(await orderIds(page)).toEqual(['SHOP-B-1']);
      expect((await page.goto(`${s.api}/admin/orders/SHOP-A-1`))?.status()).toBe(404);
      expect((await page.goto(`${s.api}/admin/orders/SHOP-B-1`))?.status()).toBe(200);

      // A forged choice: not a shop, or not even a shop id. 404, and the session is still in shop B.
      for (const bad of ['no-such-shop', 'DEFAULT', '../default', 'shop-b<script>', `default${'x'.repeat(40)}`, ' ']) {
        await page.goto(`${s.api}/admin/orders`);
        await page.$eval('#shop-select option[value="default"]', (o, v) => o.setAttribute('value', v), bad);
        await page.selectOption('#shop-select', bad);
        const [answer] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/shop'), page.click('#switch-shop')]);
        expect([bad, answer.status()]).toEqual([bad, 404]);
        await page.goto(`${s.api}/admin/orders`);
        expect(await currentShop(page)).toBe('shop-b');
        expect(await orderIds(page)).toEqual(['SHOP-B-1']);
      }
      // Without the CSRF token, no switch either.
      expect(await page.evaluate(`fetch('/admin/shop', { method: 'POST', body: new URLSearchParams({ shopId: 'default' }) }).then((r) => r.status)`)).toBe(403);

      await page.selectOption('#shop-select', 'default');
      await Promise.all([page.waitForURL(/\/admin\/orders$/), page.click('#switch-shop')]);
      expect(await currentShop(page)).toBe('default');
      expect(await orderIds(page)).toEqual(['SHOP-A-1']);
    });
    // Each switch is in the audit log, refused ones included (written after the answer: waited for).
    const switches = () => s.db.prisma.auditEntry.findMany({ where: { action: 'console.switch_shop' }, orderBy: { id: 'asc' } });
    await waitFor(async () => (await switches()).length >= 9, 10_000, 100);
    expect((await switches()).map((e) => e.outcomeStatus)).toEqual([303, 404, 404, 404, 404, 404, 404, 403, 303]);
  }, 90_000);

  it("shows a shop's key its own shop, no switcher, and refuses it the switcher and the Shops page", async () => {
    await withPage('shops-shop-key', async (page) => {
      await signIn(page, s.api, b.keys.editor);
      expect(await currentShop(page)).toBe('shop-b');
      expect(await text(page, '#current-shop')).toContain('Shop shop-b (shop-b)');
      expect(await page.locator('#shop-switch, #shop-select').count()).toBe(0);
      expect(await page.locator('nav a[href="/admin/shops"]').count()).toBe(0);
      expect(await orderIds(page)).toEqual(['SHOP-B-1']);

      expect(await postFrom(page, '/admin/shop', { shopId: 'default' })).toBe(403);
      expect(await postFrom(page, '/admin/shops', { shopId: 'shop-x', name: 'X' })).toBe(403);
      expect(await postFrom(page, '/admin/shops/default/suspend', {})).toBe(403);
      expect(await postFrom(page, '/admin/shops/default/keys', { role: 'editor', name: 'stolen' })).toBe(403);
      expect((await page.goto(`${s.api}/admin/shops`))?.status()).toBe(403);
      await page.goto(`${s.api}/admin/orders`);
      expect(await currentShop(page)).toBe('shop-b');
      expect(await orderIds(page)).toEqual(['SHOP-B-1']);
    });
    expect(await s.db.prisma.shop.count({ where: { shopId: 'shop-x' } })).toBe(0);
    expect(await s.db.prisma.apiKey.count({ where: { name: 'stolen' } })).toBe(0);
    expect((await s.db.prisma.shop.findUniqueOrThrow({ where: { shopId: 'default' } })).status).toBe('active');
  }, 60_000);

  it('makes a shop on the Shops page, issues its first key once, and suspends and reactivates it', async () => {
    let issued = '';
    let issuedId = '';
    await withPage('shops-page', async (page) => {
      await signIn(page, s.api, platformKey);
      await Promise.all([page.waitForURL(/\/admin\/shops$/), page.click('nav a[href="/admin/shops"]')]);
      expect(await page.getAttribute('nav a[href="/admin/shops"]', 'aria-current')).toBe('page');
      expect(await page.$$eval('#shops-table tr[data-shop-id]', (rows) => rows.map((r) => r.getAttribute('data-shop-id')))).toEqual(['default', 'shop-b']);
      expect(await text(page, '#shops-table tr[data-shop-id="shop-b"] .merchant-id')).toBe(b.merchant.merchantId);

      // Refusals come back with the reason and the form as it was.
      await page.$eval('#new-shop-id', (el) => el.removeAttribute('pattern'));
      await page.fill('#new-shop-id', 'Bad Id!');
      await page.fill('#new-shop-name', 'Bad');
      await page.click('#create-shop-button');
      await page.waitForSelector('#shops-message.error');
      expect(await text(page, '#shops-message')).toMatch(/shopId/);
      expect(await page.inputValue('#new-shop-name')).toBe('Bad');
      await page.fill('#new-shop-id', 'shop-b');
      await page.click('#create-shop-button');
      await page.waitForSelector('#shops-message.error');
      expect(await text(page, '#shops-message')).toMatch(/already exists/);

      // A name is text, however it looks.
      await page.fill('#new-shop-id', 'shop-c');
      await page.fill('#new-shop-name', 'Shop <b>C</b> & "co"');
      await Promise.all([page.waitForURL(/done=created&keysFor=shop-c/), page.click('#create-shop-button')]);
      expect(await text(page, '#shops-message')).toMatch(/ショップを作成しました/);
      const row = page.locator('#shops-table tr[data-shop-id="shop-c"]');
      expect(await row.locator('.shop-name').textContent()).toBe('Shop <b>C</b> & "co"');
      expect(await row.getAttribute('data-status')).toBe('active');
      // With the simulator, the shop got a merchant of its own, as from the platform API.
      const made = await s.db.prisma.shop.findUniqueOrThrow({ where: { shopId: 'shop-c' } });
      expect(made.merchantId).toBeTruthy();
      expect([s.merchant.merchantId, b.merchant.merchantId]).not.toContain(made.merchantId);
      expect(await row.locator('.merchant-id').textContent()).toBe(made.merchantId);
      expect(await text(page, '#issue-key h2')).toContain('(shop-c)');
      // The switcher offers it from now on.
      expect(await page.$$eval('#shop-select option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['default', 'shop-b', 'shop-c']);

      // Its first key: shown on this answer, once.
      await page.selectOption('#key-role', 'editor');
      await page.fill('#key-name', 'C editor');
      const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/shops/shop-c/keys'), page.click('#issue-key-button')]);
      expect(answer.status()).toBe(201);
      issued = await page.inputValue('#new-key');
      issuedId = (await page.getAttribute('#new-key', 'data-key-id')) ?? '';
      expect(issued).toMatch(/^apk_ed_/);
      expect(await text(page, '#key-once')).toMatch(/今だけ表示/);
      await Promise.all([page.waitForURL(/\/admin\/shops$/), page.click('#key-saved')]);
      expect(await page.locator('#key-once, #new-key').count()).toBe(0);
      expect(await page.content()).not.toContain(issued);

      // Suspended: its key is refused (API and sign-in), the switcher marks it; reactivated, the key works again.
      await Promise.all([page.waitForURL(/done=suspended/), page.click('#shops-table tr[data-shop-id="shop-c"] .suspend-shop')]);
      expect(await page.getAttribute('#shops-table tr[data-shop-id="shop-c"]', 'data-status')).toBe('suspended');
      expect(await page.getAttribute('#shop-select option[value="shop-c"]', 'data-status')).toBe('suspended');
      expect(await text(page, '#shop-select option[value="shop-c"]')).toContain('停止中');
      expect((await s.call('GET', '/api/admin/orders', { headers: { authorization: `Bearer ${issued}` } })).body.error.code).toBe('shop_suspended');
      await Promise.all([page.waitForURL(/done=reactivated/), page.click('#shops-table tr[data-shop-id="shop-c"] .reactivate-shop')]);
      expect(await page.getAttribute('#shops-table tr[data-shop-id="shop-c"]', 'data-status')).toBe('active');
    });

    // The key is shop C's editor (once its suspended lookup has left the 5 s key cache): C's console, no orders of another shop.
    const asC = () => s.call('GET', '/api/admin/orders', { headers: { authorization: `Bearer ${issued}` } });
    await waitFor(async () => (await asC()).status === 200, 15_000, 250);
    expect((await asC()).body.orders).toEqual([]);
    await withPage('shops-new-key', async (page) => {
      await signIn(page, s.api, issued);
      expect(await currentShop(page)).toBe('shop-c');
      expect(await page.locator('#shop-select').count()).toBe(0);
      expect(await page.locator('#no-orders').count()).toBe(1);
    });

    // The audit log names each action and its object; the key by its id, never the key; the platform's actions name no shop.
    const ofPlatform = () => s.db.prisma.auditEntry.findMany({ where: { route: { startsWith: '/admin/shops' }, actorRole: 'platform' }, orderBy: { id: 'asc' } });
    await waitFor(async () => (await ofPlatform()).length >= 6, 10_000, 100);
    const platformEntries = await ofPlatform();
    expect(platformEntries.map((e) => [e.action, e.objectId, e.outcomeStatus, e.shopId])).toEqual([
      ['shop.create', 'Bad Id!', 400, '*'],
      ['shop.create', 'shop-b', 409, '*'],
      ['shop.create', 'shop-c', 303, '*'],
      ['api_key.create', issuedId, 201, '*'],
      ['shop.suspend', 'shop-c', 303, '*'],
      ['shop.reactivate', 'shop-c', 303, '*'],
    ]);
    expect(platformEntries[2].params).toEqual({ name: 'Shop <b>C</b> & "co"' });
    expect(platformEntries[3].params).toEqual({ name: 'C editor', role: 'editor', shopId: 'shop-c' });
    const everything = JSON.stringify(await s.db.prisma.auditEntry.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(everything).not.toContain(issued);
    expect(everything).not.toContain(issued.slice(7));
  }, 90_000);
});

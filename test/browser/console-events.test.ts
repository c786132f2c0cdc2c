/**
 * Events to the shop in real Chromium against the whole stack (docs/events.md): the console's event endpoints page
 * (a secret shown once, never again; rotate, disable, delete; the environment's endpoint read-only; a viewer only
 * looks), an order's events with their deliveries and a resend, and the demo shop's order list, fed only by the
 * events the engine sends it, changing live to 売上計上 when an editor captures in the console.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { signIn, useBrowser } from './browser';

describe('events to the shop in the console and the demo shop', () => {
  const s = useTestStack();
  const withPage = useBrowser();

  /** The demo shop registers its endpoint on its first request; the events of orders made after that reach it. */
  async function demoRegistered(): Promise<void> {
    await waitFor(async () => (await (await fetch(`${s.api}/demo/orders`)).text()).includes('data-registered="true"'), 15_000);
  }

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

  it('adds an endpoint whose secret is shown once, then rotates, disables and deletes it; the env endpoint is read-only', async () => {
    // The endpoint SHOP_WEBHOOK_URL makes (disabled here: nothing is sent to it).
    await s.db.prisma.eventEndpoint.create({ data: { shopId: 'default', url: 'https://env.shop.example/events', description: 'SHOP_WEBHOOK_URL', eventTypes: [], enabled: false, source: 'env' } });
    const url = `https://shop.example/hooks/${Date.now()}`;
    await withPage('event-endpoints', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      await Promise.all([page.waitForURL(/\/admin\/event-endpoints$/), page.click('nav a[href="/admin/event-endpoints"]')]);
      expect(await page.getAttribute('nav a[href="/admin/event-endpoints"]', 'aria-current')).toBe('page');
      const env = page.locator('tr[data-source="env"]');
      await expect(env.locator('.env-read-only').count()).resolves.toBe(1);
      await expect(env.locator('form').count()).resolves.toBe(0);

      // A URL the API refuses: the reason is shown and the form keeps what was typed.
      await page.fill('#endpoint-url', 'http://shop.example/plain-http');
      await page.fill('#endpoint-description', '受注システム');
      await page.click('#create-endpoint');
      await page.waitForSelector('#endpoints-message.error');
      expect(await text(page, '#endpoints-message')).toMatch(/url: expected an https URL/);
      expect(await page.inputValue('#endpoint-description')).toBe('受注システム');

      await page.fill('#endpoint-url', url);
      await page.check('#type-payment\\.captured');
      await page.check('#type-refund\\.succeeded');
      await page.click('#create-endpoint');
      await page.waitForSelector('#secret-once');
      const secret = await page.inputValue('#new-secret');
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
      expect(await text(page, '#secret-once')).toMatch(/今だけ表示されます/);
      const row = page.locator('#endpoints-table tr', { hasText: url });
      await expect(row.textContent()).resolves.toMatch(/payment\.captured, refund\.succeeded/);

      // Back to the list, and on any later visit: the secret is nowhere.
      await Promise.all([page.waitForURL(/\/admin\/event-endpoints$/), page.click('#secret-saved')]);
      expect(await page.$('#secret-once')).toBeNull();
      expect(await page.content()).not.toContain(secret);
      await page.reload();
      expect(await page.content()).not.toContain(secret);
      const listed = await s.call('GET', '/api/admin/event-endpoints', { role: 'viewer' });
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      // Rotating with a day's overlap: a new secret, shown once, and the old one's end date.
      await row.locator('select[name="overlapSeconds"]').selectOption('86400');
      await row.locator('button.rotate-secret').click();
      await page.waitForSelector('#secret-once #secret-overlap');
      const rotated = await page.inputValue('#new-secret');
      expect(rotated).not.toBe(secret);
      await page.goto(`${s.api}/admin/event-endpoints`);
      expect(await page.content()).not.toContain(rotated);
      await expect(row.textContent()).resolves.toMatch(/以前のシークレットも署名に使用/);

      // Disable, then delete after the confirmation page.
      await Promise.all([page.waitForURL(/done=disabled/), row.locator('button.toggle-enabled').click()]);
      expect(await page.locator('#endpoints-table tr', { hasText: url }).getAttribute('data-enabled')).toBe('false');
      await Promise.all([page.waitForURL(/\/delete$/), page.locator('#endpoints-table tr', { hasText: url }).locator('button.delete-endpoint').click()]);
      expect(await text(page, '#delete-url')).toBe(url);
      await Promise.all([page.waitForURL(/done=deleted/), page.click('#delete-confirm')]);
      await expect(page.locator('#endpoints-table tr', { hasText: url }).count()).resolves.toBe(0);

      // English too.
      await Promise.all([page.waitForURL(/event-endpoints/), page.click('#lang-switch')]);
      expect(await text(page, 'h1')).toBe('Event endpoints');
    });
  }, 60_000);

  it('shows a viewer the endpoints without any form, and refuses a forged change', async () => {
    await withPage('event-endpoints-viewer', async (page) => {
      await signIn(page, s.api, s.keys.viewer);
      await page.goto(`${s.api}/admin/event-endpoints`);
      await page.waitForSelector('#view-only');
      expect(await page.locator('#endpoints-table form, #endpoint-form').count()).toBe(0);
      const status = await page.evaluate(`(async () => {
        const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
        const body = new URLSearchParams({ _csrf: csrf, url: 'https://evil.example/hook' });
        return (await fetch('/admin/event-endpoints', { method: 'POST', body })).status;
      })()`);
      expect(status).toBe(403);
    });
    const listed = await s.call('GET', '/api/admin/event-endpoints', { role: 'viewer' });
    expect(JSON.stringify(listed.body)).not.toContain('evil.example');
  });

  it("shows an order's events with their deliveries, and resends one", async () => {
    await demoRegistered();
    const orderId = `BR-EVT-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 2400, paymentIntent: 'Authorize' })).status).toBe(200);
    await withPage('order-events', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      await page.goto(`${s.api}/admin/orders/${orderId}`);
      await page.waitForSelector('#order-events-table');
      const first = page.locator('#order-events-table tbody.event[data-seq="1"]');
      expect(await first.getAttribute('data-event-type')).toBe('checkout.completed');
      await expect(page.locator('#order-events-table tbody.event[data-event-type="payment.authorized"]').count()).resolves.toBe(1);
      // The demo shop's delivery goes out; the page follows it while it is pending.
      const delivery = first.locator('tr.delivery').first();
      await page.locator('#order-events-table tbody.event[data-seq="1"] tr.delivery[data-status="delivered"]').waitFor({ timeout: 30_000 });
      expect(await delivery.locator('td').first().textContent()).toMatch(/\/demo\/events$/);
      expect(await delivery.getAttribute('data-attempts')).toBe('1');

      await delivery.locator('button.resend').click();
      await page.waitForSelector('#outcome.ok');
      expect(await text(page, '#outcome')).toMatch(/再送を受け付けました/);
      // Sent again (the shop acknowledges the repeat), and delivered again.
      await page.locator('#order-events-table tbody.event[data-seq="1"] tr.delivery[data-attempts="2"][data-status="delivered"]').waitFor({ timeout: 30_000 });
    });
  }, 60_000);

  it("moves the demo shop's order to 売上計上 live when an editor captures in the console", async () => {
    await demoRegistered();
    await withPage('demo-live-capture', async (shop) => {
      await shop.goto(`${s.api}/demo/orders`);
      await shop.waitForSelector('#shop-orders[data-live="true"]');
      // A mark in the page: still there at the end means the page was never reloaded.
      await shop.evaluate(`document.body.setAttribute('data-mark', 'kept')`);
      const orderId = `BR-LIVE-${Date.now()}`;
      expect((await checkoutOrder(s, orderId, { amount: 3300, paymentIntent: 'Authorize' })).status).toBe(200);
      const row = shop.locator(`#shop-orders tr[data-order-id="${orderId}"]`);
      await shop.locator(`#shop-orders tr[data-order-id="${orderId}"][data-status="Authorized"]`).waitFor({ timeout: 30_000 });
      expect(await row.locator('td.status').textContent()).toMatch(/与信/);
      const authorizedSeq = Number(await row.getAttribute('data-seq'));

      const admin = await shop.context().newPage();
      await signIn(admin, s.api, s.keys.editor);
      await admin.goto(`${s.api}/admin/orders/${orderId}`);
      await admin.click('#capture-button');
      await admin.click('#confirm-yes');
      await admin.waitForSelector('#order-panel[data-status="Captured"]', { timeout: 30_000 });

      await shop.locator(`#shop-orders tr[data-order-id="${orderId}"][data-status="Captured"]`).waitFor({ timeout: 30_000 });
      expect(await row.locator('td.status').textContent()).toMatch(/売上計上/);
      // Later events of the order came in too, in order (Amazon closes a fully captured permission).
      expect(Number(await row.getAttribute('data-seq'))).toBeGreaterThan(authorizedSeq);
      expect(await shop.getAttribute('body', 'data-mark')).toBe('kept');
    });
  }, 60_000);
});

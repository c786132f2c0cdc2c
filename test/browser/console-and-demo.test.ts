/**
 * The admin console and the demo storefront in real Chromium against the whole stack: a buyer's
 * journey through the demo shop, an editor's partial capture and two refunds settling to 返金済,
 * a viewer without action buttons whose forged POST is refused, and a declined payment showing
 * the Japanese buyer message.
 */
import type { Page } from 'playwright-core';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { signIn, useBrowser } from './browser';

const DECLINE_JA = 'お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。';

describe('admin console and demo storefront in Chromium', () => {
  const s = useTestStack();
  const withPage = useBrowser();

  /** Cart → Amazon Pay button → simulator sign-in → shop review → confirm → simulator payment page. */
  async function buyThroughDemo(page: Page): Promise<string> {
    await page.goto(`${s.api}/demo`);
    await page.fill('#qty-mug', '2');
    await Promise.all([page.waitForURL(/\/demo\/checkout/), page.click('#to-checkout')]);
    const orderId = (await page.textContent('#order-id')) ?? '';
    await Promise.all([page.waitForURL(/\/buyer\/signin/), page.click('[data-testid="amazon-pay-button"]')]);
    await Promise.all([page.waitForURL(/\/demo\/review\//), page.click('#continue')]);
    await expectText(page, '#buyer-name', /\S/);
    expect(await page.textContent('#amount')).toContain('6,800円');
    expect(await page.textContent('#shipping-address')).toMatch(/〒/);
    await Promise.all([page.waitForURL(/\/buyer\/pay/), page.click('#place-order')]);
    return orderId;
  }

  async function expectText(page: Page, selector: string, pattern: RegExp): Promise<void> {
    const text = (await page.textContent(selector)) ?? '';
    expect(text).toMatch(pattern);
  }

  it('walks a buyer through the demo shop to a captured payment', async () => {
    await withPage('buyer-journey', async (page) => {
      const orderId = await buyThroughDemo(page);
      expect(orderId).toMatch(/^DEMO-/);
      await Promise.all([page.waitForURL(/\/demo\/result\//), page.click('#pay-now')]);
      await expectText(page, '#payment-status', /売上計上/);
      expect(await page.getAttribute('#payment-status', 'data-status')).toBe('Captured');
      // The storefront key never reaches the browser.
      expect(await page.content()).not.toMatch(/apk_st_/);
    });
  });

  it('lets an editor capture partially and refund twice until the refunds settle to 返金済', async () => {
    const orderId = `BR-EDIT-${Date.now()}`;
    const done = await checkoutOrder(s, orderId, { amount: 5000, paymentIntent: 'Authorize' });
    expect(done.status).toBe(200);
    await withPage('editor-capture-refund', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      const row = page.locator(`tr[data-order-id="${orderId}"]`);
      await expect(row.locator('.badge').textContent()).resolves.toBe('与信');
      await Promise.all([page.waitForURL(new RegExp(`/admin/orders/${orderId}$`)), row.locator('a').first().click()]);
      expect(await page.getAttribute('#temporal-link', 'href')).toMatch(new RegExp(`/namespaces/default/workflows/order-${orderId}$`));
      expect(await page.isDisabled('#refund-button')).toBe(true);

      const act = async (button: string) => {
        await page.click(button);
        await page.click('#confirm-yes');
        await page.waitForSelector('#outcome.ok, #outcome.error', { timeout: 30_000 });
        const outcome = (await page.textContent('#outcome')) ?? '';
        expect(outcome).not.toMatch(/エラー/);
      };
      const url = page.url();
      await page.fill('#capture-amount', '3000');
      await act('#capture-button');
      await page.waitForSelector('#order-panel[data-status="Captured"]');
      expect(await page.textContent('#amount-captured')).toBe('3,000円');
      // The rest of the authorization (a second shipment) stays capturable: the buttons follow the workflow's allowed actions.
      expect(await page.isDisabled('#capture-button')).toBe(false);
      expect(await page.getAttribute('#capture-amount', 'max')).toBe('2000');

      await page.fill('#refund-amount', '1000');
      await act('#refund-button');
      await page.waitForSelector('#order-panel[data-status="RefundPending"]');
      await page.fill('#refund-amount', '500');
      await act('#refund-button');
      // A locator wait, not waitForFunction: the console's CSP forbids the eval that a string predicate needs.
      await page.locator('#history tr[data-kind="refund_started"][data-result="OK"]').nth(1).waitFor();
      await expectText(page, '#payment-status', /返金\(処理中\)/);
      expect(page.url()).toBe(url); // no page reload or navigation

      // Amazon settles the refunds later; the page keeps polling while they are pending.
      await s.control('POST', '/__sim/clock/advance', { ms: 10 * 60_000 });
      await page.waitForSelector('#order-panel[data-status="Refunded"]', { timeout: 45_000 });
      await expectText(page, '#payment-status', /返金済/);
      expect(await page.textContent('#amount-refunded')).toBe('1,500円');

      // History rows expand to show message and debug detail; the language switch works.
      await Promise.all([page.waitForURL(/\/admin\/orders\//), page.click('#lang-switch')]);
      await expectText(page, '#payment-status', /Refunded/);
    });
  }, 120_000);

  it('shows a viewer no action buttons and refuses a forged POST', async () => {
    const orderId = `BR-VIEW-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' })).status).toBe(200);
    await withPage(
      'viewer-readonly',
      async (page) => {
        await signIn(page, s.api, s.keys.viewer);
        // Phone width: the list folds into cards without horizontal scrolling.
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
        await page.goto(`${s.api}/admin/orders/${orderId}`);
        await page.waitForSelector('#view-only');
        expect(await page.locator('form.action').count()).toBe(0);
        expect(await page.locator('#capture-button, #cancel-button, #refund-button, #status-button').count()).toBe(0);
        expect(await page.content()).not.toContain(s.keys.viewer);
        const cookies = await page.context().cookies();
        const session = cookies.find((c) => c.name === 'console_session');
        expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
        expect(await page.evaluate('document.cookie')).not.toContain('console_session');

        // Runs in the page: the viewer's own session cookie and CSRF token, a hand-made capture POST.
        const forged = await page.evaluate(`(async () => {
          const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
          const post = async (headers) => (await fetch('/admin/orders/${orderId}/capture', { method: 'POST', headers: Object.assign({ 'content-type': 'application/json' }, headers), body: JSON.stringify({ amount: 2000, requestId: 'forged-1' }) })).status;
          return { withToken: await post({ 'x-csrf-token': csrf }), withoutToken: await post({}) };
        })()`);
        expect(forged).toEqual({ withToken: 403, withoutToken: 403 });
      },
      { width: 390, height: 844 },
    );
    // Nothing was captured.
    const detail = await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' });
    expect(detail.body).toMatchObject({ paymentStatus: 'Authorized', amounts: { captured: { amount: 0 } } });
  }, 60_000);

  it('refuses a cross-site POST without the CSRF token even for an editor', async () => {
    const orderId = `BR-CSRF-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 1000, paymentIntent: 'Authorize' })).status).toBe(200);
    await withPage('csrf', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      const status = await page.evaluate(`fetch('/admin/orders/${orderId}/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`);
      expect(status).toBe(403);
    });
  }, 60_000);

  it('saves settings with the chargeback warning, never shows the private key, and lists the recovery log', async () => {
    await withPage('settings-recovery', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      await page.goto(`${s.api}/admin/settings`);
      expect(await page.isHidden('#chargeback-warning')).toBe(true);
      await page.check('#s-addressSource-buyer');
      expect(await page.isVisible('#chargeback-warning')).toBe(true);
      await Promise.all([page.waitForURL(/saved=1/), page.click('#save-settings')]);
      await expectText(page, '#settings-message', /設定を更新しました/);
      expect(await page.isVisible('#chargeback-warning')).toBe(true);
      expect(await page.isChecked('#s-addressSource-buyer')).toBe(true);
      await expectText(page, '#private-key-state', /設定済み/);
      expect(await page.content()).not.toMatch(/BEGIN|PRIVATE KEY-/);
      await page.check('#s-addressSource-amazon');
      await Promise.all([page.waitForURL(/saved=1/), page.click('#save-settings')]);
      expect(await page.isHidden('#chargeback-warning')).toBe(true);
      await page.goto(`${s.api}/admin/recovery`);
      await page.waitForSelector('#recovery-table, #no-recovery');
    });
  }, 60_000);

  it('runs a quick checkout from the cart and shows the customer data Amazon gave', async () => {
    const enabled = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { quickCheckout: { enabled: true, buttonPosition: 'cart', noteField: false, customFields: false, guestTakesAmazonAddress: true } } });
    expect(enabled.status).toBe(200);
    await withPage('quick-checkout', async (page) => {
      await page.goto(`${s.api}/demo`);
      await Promise.all([page.waitForURL(/\/demo\/checkout/), page.click('#quick-checkout')]);
      const orderId = (await page.textContent('#order-id')) ?? '';
      await Promise.all([page.waitForURL(/\/buyer\/signin/), page.click('[data-testid="amazon-pay-button"]')]);
      await Promise.all([page.waitForURL(/\/demo\/review\//), page.click('#continue')]);
      await Promise.all([page.waitForURL(/\/buyer\/pay/), page.click('#place-order')]);
      await Promise.all([page.waitForURL(/\/demo\/result\//), page.click('#pay-now')]);
      await expectText(page, '#payment-status', /売上計上/);
      await expectText(page, '#customer-buyer-id', /^amzn1\.account\./);
      await expectText(page, '#customer-email', /@/);
      await expectText(page, '#customer-address', /〒/);
      const order = await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' });
      expect(order.body.paymentStatus).toBe('Captured');
    });
  });

  it('renders the buttons and fields the settings allow, and the order keeps the note and custom fields', async () => {
    const quick = { enabled: true, buttonPosition: 'product', noteField: true, customFields: true, guestTakesAmazonAddress: true };
    expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { quickCheckout: quick } })).status).toBe(200);
    try {
      await withPage('settings-buttons', async (page) => {
        await page.goto(`${s.api}/demo`);
        // Button position "product": a buy-now button per product, none on the cart.
        expect(await page.isVisible('#quick-mug')).toBe(true);
        expect(await page.$('#quick-checkout')).toBeNull();
        expect(await page.isVisible('#to-checkout')).toBe(true);
        await page.fill('#note', '不在時は宅配ボックスへ');
        await page.selectOption('#cf-delivery', '午前中 / morning');
        await Promise.all([page.waitForURL(/\/demo\/checkout/), page.click('#quick-mug')]);
        const orderId = (await page.textContent('#order-id')) ?? '';
        expect(await page.textContent('#total')).toContain('1,800円');
        await Promise.all([page.waitForURL(/\/buyer\/signin/), page.click('[data-testid="amazon-pay-button"]')]);
        await Promise.all([page.waitForURL(/\/demo\/review\//), page.click('#continue')]);
        await Promise.all([page.waitForURL(/\/buyer\/pay/), page.click('#place-order')]);
        await Promise.all([page.waitForURL(/\/demo\/result\//), page.click('#pay-now')]);
        await expectText(page, '#payment-status', /売上計上/);

        // The admin sees what the quick checkout page carried.
        await signIn(page, s.api, s.keys.viewer);
        await page.goto(`${s.api}/admin/orders/${orderId}`);
        await expectText(page, '#checkout-mode', /クイック決済/);
        await expectText(page, '#checkout-placement', /商品ページ/);
        await expectText(page, '#address-source', /Amazonアカウントの住所/);
        await expectText(page, '#checkout-note', /宅配ボックス/);
        await expectText(page, '#custom-delivery-fields', /delivery-time.*午前中/);
        await expectText(page, '#custom-order-fields', /gift-wrap/);

        // Amazon Pay off: the shop offers no Amazon Pay button at all.
        expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { enabled: false } })).status).toBe(200);
        await page.goto(`${s.api}/demo`);
        expect(await page.isVisible('#amazon-pay-off')).toBe(true);
        expect(await page.$('#to-checkout')).toBeNull();
        expect(await page.$('#quick-mug')).toBeNull();
      });
    } finally {
      await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { enabled: true, quickCheckout: { ...quick, buttonPosition: 'cart', noteField: false, customFields: false } } });
    }
  }, 90_000);

  it('shows the Japanese buyer message when the payment is declined', async () => {
    await withPage('declined', async (page) => {
      await buyThroughDemo(page);
      await page.selectOption('#simulation-code', 'HardDeclined');
      await Promise.all([page.waitForURL(/\/demo\/result\//), page.click('#pay-now')]);
      await expectText(page, '#buyer-message', new RegExp(DECLINE_JA.replace(/[.()]/g, '\\$&')));
      await expectText(page, '#error-code', /HardDeclined/);
    });
  });
});

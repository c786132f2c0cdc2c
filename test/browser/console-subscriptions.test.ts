/**
 * 継続課金 in the console, in real Chromium against the whole stack: a recurring checkout through the API and the
 * simulator; the editor sees the 継続課金 badge in the order list, opens the subscription, charges a period now
 * (period 2 appears), is shown the API's refusal of a resume while Amazon cannot charge the permission, pauses it
 * (一時停止); the period's order links back to its subscription; a viewer sees no action buttons, also at phone width.
 */
import type { Page } from 'playwright-core';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';
import { signIn, useBrowser } from './browser';

describe('継続課金 in the admin console (Chromium)', () => {
  const orderId = `BR-SUB-${Date.now()}`;
  const s = useTestStack();
  const withPage = useBrowser();

  beforeAll(async () => {
    const done = await checkoutOrder(s, orderId, { amount: 2980, recurring: { frequency: { unit: 'Month', value: 1 } } });
    expect(done.status).toBe(200);
    await waitFor(async () => (await s.call('GET', `/api/admin/subscriptions/${orderId}`, { role: 'viewer' })).status === 200, 15_000);
  }, 60_000);

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

  async function act(page: Page, button: string): Promise<string> {
    // The previous action's message goes first, so the wait below sees only this action's outcome.
    await page.evaluate(`document.getElementById('outcome').className = ''`);
    await page.click(button);
    await page.click('#confirm-yes');
    await page.waitForSelector('#outcome.ok, #outcome.error', { timeout: 40_000 });
    return text(page, '#outcome');
  }

  it('lets an editor find the subscription from the order list, charge now, see a refused resume and pause it', async () => {
    await withPage('subscription-editor', async (page) => {
      await signIn(page, s.api, s.keys.editor);
      const row = page.locator(`tr[data-order-id="${orderId}"]`);
      expect(await row.locator('.recurring-badge').textContent()).toBe('継続課金 #1');
      await Promise.all([page.waitForURL(new RegExp(`/admin/subscriptions/${orderId}$`)), row.locator('.recurring-badge').click()]);

      expect(await page.getAttribute('#subscription-panel', 'data-status')).toBe('Active');
      expect(await text(page, '#subscription-status')).toBe('有効');
      expect(await text(page, '#subscription-plan')).toBe('毎月 2,980円');
      expect(await text(page, '#next-charge-at')).toMatch(/^\d{4}-\d{2}-\d{2} /);
      expect(await text(page, '#subscription-permission-id')).toMatch(/^[A-Z0-9]+-/);
      expect(await page.locator('#charges-table tbody tr').count()).toBe(1);
      expect(await text(page, '#charges-table tr[data-period="1"] .badge')).toBe('売上計上');

      // Charge now: period 2 appears as an order of its own, without a page reload.
      const url = page.url();
      expect(await act(page, '#charge-now-button')).toMatch(/完了しました.*#2/);
      await page.waitForSelector('#charges-table tr[data-period="2"]');
      expect(await page.getAttribute('#charges-table tr[data-period="2"]', 'data-order-id')).toBe(`${orderId}.R2`);
      expect(await text(page, '#charges-table tr[data-period="2"] .badge')).toBe('売上計上');
      expect(page.url()).toBe(url);

      // Amazon makes the permission non-chargeable: the subscription suspends; resume is refused with the admin message.
      const permissionId = await text(page, '#subscription-permission-id');
      await s.control('POST', `/__sim/charge-permissions/${permissionId}/state`, { state: 'NonChargeable', reasonCode: 'PaymentMethodExpired' });
      await waitFor(async () => (await s.call('GET', `/api/admin/subscriptions/${orderId}`, { role: 'viewer' })).body.status === 'Suspended', 20_000);
      await page.click('#refresh-button');
      await page.waitForSelector('#subscription-panel[data-status="Suspended"]');
      expect(await text(page, '#subscription-status')).toBe('停止中(要対応)');
      expect(await text(page, '#last-error-code')).toBe('PaymentMethodExpired');
      const refused = await act(page, '#resume-button');
      expect(refused).toMatch(/エラー \(409\) InvalidChargePermissionStatus/);

      // Once Amazon can charge it again, resume works; then pause.
      await s.control('POST', `/__sim/charge-permissions/${permissionId}/state`, { state: 'Chargeable' });
      expect(await act(page, '#resume-button')).toMatch(/完了しました/);
      await page.waitForSelector('#subscription-panel[data-status="Active"]');
      expect(await act(page, '#pause-button')).toMatch(/完了しました/);
      await page.waitForSelector('#subscription-panel[data-status="Paused"]');
      expect(await text(page, '#subscription-status')).toBe('一時停止');
      expect(await page.isDisabled('#pause-button')).toBe(true);
      expect(await page.isDisabled('#charge-now-button')).toBe(true);

      // The subscriptions page lists it as paused, with its plan; the period's order links back.
      await page.goto(`${s.api}/admin/subscriptions`);
      const listed = page.locator(`#subscriptions-table tr[data-subscription-id="${orderId}"]`);
      expect(await listed.locator('.badge').textContent()).toBe('一時停止');
      expect(await listed.locator('.plan').textContent()).toBe('毎月 2,980円');
      await page.goto(`${s.api}/admin/orders/${orderId}.R2`);
      expect(await text(page, '#recurring-period')).toBe('#2');
      await Promise.all([page.waitForURL(new RegExp(`/admin/subscriptions/${orderId}$`)), page.click('#subscription-link')]);

      await Promise.all([page.waitForURL(/\/admin\/subscriptions\//), page.click('#lang-switch')]);
      expect(await text(page, '#subscription-status')).toBe('Paused');
      expect(await text(page, '#subscription-plan')).toBe('Monthly ¥2,980');
    });
  }, 150_000);

  it('shows a viewer the subscription without action buttons, at phone width, and refuses a forged action', async () => {
    await withPage(
      'subscription-viewer',
      async (page) => {
        await signIn(page, s.api, s.keys.viewer);
        await page.goto(`${s.api}/admin/subscriptions`);
        await page.waitForSelector(`#subscriptions-table tr[data-subscription-id="${orderId}"]`);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
        await page.goto(`${s.api}/admin/subscriptions/${orderId}`);
        await page.waitForSelector('#view-only');
        expect(await page.locator('form.sub-action').count()).toBe(0);
        expect(await page.locator('#charge-now-button, #pause-button, #resume-button, #cancel-subscription-button').count()).toBe(0);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
        const forged = await page.evaluate(`(async () => {
          const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
          return (await fetch('/admin/subscriptions/${orderId}/cancel', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ requestId: 'forged-1' }) })).status;
        })()`);
        expect(forged).toBe(403);
      },
      { width: 390, height: 844 },
    );
    expect((await s.call('GET', `/api/admin/subscriptions/${orderId}`, { role: 'viewer' })).body.status).toBe('Paused');
  }, 60_000);
});

/**
 * The second approval for large refunds in real Chromium against the whole stack (docs/product-rules.md, Refund
 * approval): an editor sets a JPY threshold on the settings page (a value the settings refuse is shown with its
 * reason), captures an order and asks for a refund above it; the page says it waits for another editor, and the
 * requester's own approval is not offered and, forged, is refused with a message. A second editor approves it on the
 * approvals page, and the order's history names who asked and who approved.
 */
import type { Page } from 'playwright-core';
import { createApiKey } from '../../lib/api-keys';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { signIn, useBrowser } from './browser';

describe('refund approvals in the console', () => {
  const s = useTestStack();
  const withPage = useBrowser();

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

  it("waits for a second editor's approval of a refund above the threshold, and names both in the history", async () => {
    const second = await createApiKey(s.db.prisma, 'editor', 'editor B');
    const orderId = `BR-APR-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 8000, paymentIntent: 'Authorize' })).status).toBe(200);

    await withPage('approvals-requester', async (page) => {
      await signIn(page, s.api, s.keys.editor);

      // Settings: a value the settings refuse comes back with its reason; then 5,000円, asked within 2 hours.
      await page.goto(`${s.api}/admin/settings`);
      await page.$eval('#s-refundApprovalHours', (el) => el.removeAttribute('min'));
      await page.fill('#s-refundApprovalHours', '0');
      await page.click('#save-settings');
      await page.waitForSelector('#settings-message.error');
      expect(await text(page, '#settings-message')).toMatch(/refundApprovalHours/);
      await page.fill('#s-refundApprovalAbove-JPY', '5000');
      await page.fill('#s-refundApprovalHours', '2');
      await Promise.all([page.waitForURL(/saved=1/), page.click('#save-settings')]);
      expect(await page.inputValue('#s-refundApprovalAbove-JPY')).toBe('5000');
      expect(await page.inputValue('#s-refundApprovalAbove-USD')).toBe('');
      expect((await s.call('GET', '/api/admin/settings', { role: 'viewer' })).body.settings).toMatchObject({ refundApprovalAbove: { JPY: 5000 }, refundApprovalHours: 2 });

      // Capture, then ask for a refund above the threshold: it waits, nothing is refunded.
      await page.goto(`${s.api}/admin/orders/${orderId}`);
      await page.click('#capture-button');
      await page.click('#confirm-yes');
      await page.waitForSelector('#order-panel[data-status="Captured"]', { timeout: 30_000 });
      await page.fill('#refund-amount', '6000');
      await page.click('#refund-button');
      await page.click('#confirm-yes');
      await page.waitForSelector('#outcome.warning');
      expect(await text(page, '#outcome')).toMatch(/別の編集者の承認が必要/);
      const waiting = page.locator('#order-approvals-table tr.approval');
      await waiting.waitFor();
      expect(await waiting.locator('.approval-amount').textContent()).toBe('6,000円');
      expect(await waiting.locator('.approval-requested-by').textContent()).toBe('test editor');
      expect(await text(page, '#amount-refunded')).toBe('0円');
      expect(await page.locator('#history tr[data-kind="refund_approval"][data-result="Requested"] .requested-by').textContent()).toBe('test editor');

      // The requester's own approval is not offered; forced, the order refuses it and the page says why.
      expect(await waiting.locator('button.approve-button').isDisabled()).toBe(true);
      expect(await waiting.locator('.own-approval').textContent()).toMatch(/別の編集者/);
      await waiting.locator('button.approve-button').evaluate((b) => {
        b.removeAttribute('disabled');
        b.removeAttribute('aria-disabled');
      });
      await waiting.locator('button.approve-button').click();
      await page.click('#confirm-yes');
      await page.waitForSelector('#outcome.error');
      expect(await text(page, '#outcome')).toMatch(/approver_is_requester.*依頼した本人は承認・却下できません/);
      await page.locator('#order-approvals-table tr.approval').waitFor();
    });

    // A viewer sees what waits, without any decision.
    await withPage('approvals-viewer', async (page) => {
      await signIn(page, s.api, s.keys.viewer);
      await page.goto(`${s.api}/admin/refund-approvals`);
      await page.locator(`#approvals-table tr[data-order-id="${orderId}"]`).waitFor();
      expect(await page.locator('#view-only').count()).toBe(1);
      expect(await page.locator('form.approval-decision').count()).toBe(0);
    });

    await withPage('approvals-approver', async (page) => {
      await signIn(page, s.api, second.key);
      await Promise.all([page.waitForURL(/\/admin\/refund-approvals$/), page.click('nav a[href="/admin/refund-approvals"]')]);
      expect(await page.getAttribute('nav a[href="/admin/refund-approvals"]', 'aria-current')).toBe('page');
      const row = page.locator(`#approvals-table tr[data-order-id="${orderId}"]`);
      expect(await row.locator('.approval-requested-by').textContent()).toBe('test editor');
      expect(await row.locator('a.order-link').getAttribute('href')).toBe(`/admin/orders/${orderId}`);
      await row.locator('button.approve-button').click();
      await Promise.all([page.waitForURL(/done=approved/), page.click('#confirm-yes')]);
      expect(await text(page, '#approvals-message')).toMatch(/承認しました/);
      expect(await page.locator(`#approvals-table tr[data-order-id="${orderId}"]`).count()).toBe(0);

      // The order: the refund moved, asked by the first editor and approved by the second; nothing waits any more.
      await page.goto(`${s.api}/admin/orders/${orderId}`);
      const started = page.locator('#history tr[data-kind="refund_started"]');
      await started.waitFor();
      expect(await started.locator('td.num').textContent()).toBe('6,000円');
      expect(await started.locator('.requested-by').textContent()).toBe('test editor');
      expect(await started.locator('.approved-by').textContent()).toBe('editor B');
      expect(await page.locator('#order-approvals').count()).toBe(0);
      expect(await text(page, '#history thead')).toMatch(/依頼者.*承認者/);

      // In English too.
      await Promise.all([page.waitForURL(/\/admin\/orders\//), page.click('#lang-switch')]);
      expect(await text(page, '#history thead')).toMatch(/Requested by.*Approved by/);
    });
    const detail = await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' });
    expect(detail.body.amounts.refunded.amount + detail.body.amounts.refundPending.amount).toBe(6000);
  }, 60_000);
});

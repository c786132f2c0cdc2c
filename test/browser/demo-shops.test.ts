/**
 * Two shops' demos side by side in real Chromium (api/demo, docs/shops.md): the default shop's cart links to shop-b's
 * demo; both order lists are open and live at once; a buyer pays in shop-b's demo (its own pages, scripts and return
 * URLs under /demo/shops/shop-b) and the order appears, live, in shop-b's list only.
 */
import { useTestStack } from '../helpers/stack';
import { useBrowser } from './browser';

describe("two shops' demos side by side in Chromium", () => {
  const s = useTestStack();
  const withPage = useBrowser();

  beforeAll(async () => {
    await s.addShop('shop-b');
  }, 60_000);

  it("pays in shop-b's demo and shows the order live in shop-b's list, not in the default shop's", async () => {
    await withPage('demo-shops-side-by-side', async (page) => {
      // The default shop's cart links to shop-b's demo.
      await page.goto(`${s.api}/demo`);
      expect(await page.getAttribute('#other-shops a[data-shop-id="shop-b"]', 'href')).toBe('/demo/shops/shop-b');
      expect(await page.locator('#shop-name').count()).toBe(0);

      // Both lists open and live (each page's stream is its own store's).
      const listA = await page.context().newPage();
      await listA.goto(`${s.api}/demo/orders`);
      await listA.waitForSelector('#shop-orders[data-live="true"]');
      const listB = await page.context().newPage();
      await listB.goto(`${s.api}/demo/shops/shop-b/orders`);
      await listB.waitForSelector('#shop-orders[data-live="true"]');
      expect(await listB.getAttribute('#shop-name', 'data-shop-id')).toBe('shop-b');
      await listB.evaluate(`document.body.setAttribute('data-mark', 'kept')`);

      await page.goto(`${s.api}/demo/shops/shop-b`);
      expect(await page.getAttribute('#other-shops a[data-shop-id="default"]', 'href')).toBe('/demo');
      await page.fill('#qty-mug', '2');
      await Promise.all([page.waitForURL(/\/demo\/shops\/shop-b\/checkout$/), page.click('#to-checkout')]);
      const orderId = (await page.textContent('#order-id')) ?? '';
      expect(orderId).toMatch(/^DEMO-/);
      await Promise.all([page.waitForURL(/\/buyer\/signin/), page.click('[data-testid="amazon-pay-button"]')]);
      await Promise.all([page.waitForURL(/\/demo\/shops\/shop-b\/review\//), page.click('#continue')]);
      expect(await page.textContent('#amount')).toContain('6,800円');
      await Promise.all([page.waitForURL(/\/buyer\/pay/), page.click('#place-order')]);
      await Promise.all([page.waitForURL(/\/demo\/shops\/shop-b\/result\//), page.click('#pay-now')]);
      expect(['Authorized', 'Captured']).toContain(await page.getAttribute('#payment-status', 'data-status'));
      expect(await page.content()).not.toMatch(/apk_/);

      // Live in shop-b's list, without a reload; never in the default shop's.
      await listB.locator(`#shop-orders tr[data-order-id="${orderId}"]`).waitFor({ timeout: 30_000 });
      expect(await listB.getAttribute('body', 'data-mark')).toBe('kept');
      expect(await listA.locator(`#shop-orders tr[data-order-id="${orderId}"]`).count()).toBe(0);
      expect(await listA.getAttribute('#shop-orders', 'data-live')).toBe('true');
    });
  }, 90_000);
});

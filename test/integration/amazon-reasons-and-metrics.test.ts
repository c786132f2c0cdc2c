/**
 * What Amazon says, as the admin and ops see it on the real stack (simulator, Temporal dev server, worker, API):
 * a status reason Amazon reports on its own (an authorization expired unused) is written to the order's history
 * with the catalog's text whether a notification or reconcile brings it; and every Amazon call, whichever process
 * part makes it (worker activities, delivery trackers, the API's own reads), is counted on /metrics.
 */
import { ERROR_CATALOG } from '../../lib/amazon-errors';
import { reconcileOrders } from '../../activities/reconcile';
import { createLogger } from '../../lib/logger';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

const DAY = 24 * 3600_000;

interface Row {
  kind: string;
  result: string;
  message: string | null;
  debugDetail: unknown;
}

describe('Amazon status reasons in the history', () => {
  const s = useTestStack({ sim: { delays: 'zero' } });

  const detail = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
  const authorized = async (orderId: string) => {
    const done = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    expect(done.body.paymentStatus).toBe('Authorized');
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.paymentStatus === 'Authorized', 10_000);
  };
  const expiryRow = async (orderId: string): Promise<Row | undefined> => ((await detail(orderId)).history as Row[]).find((h) => h.kind === 'expire' && h.result === 'ExpiredUnused');

  it('an authorization Amazon expired is written with the catalog text, by its notification and by reconcile', async () => {
    // Reconcile: the expiry's notification never arrives.
    const quiet = `EXP-R-${Date.now()}`;
    await authorized(quiet);
    await s.control('POST', '/__sim/ipn/controls', { action: 'drop', count: 50 });
    await s.control('POST', '/__sim/clock/advance', { ms: 31 * DAY });
    await new Promise((r) => setTimeout(r, 500));
    await s.control('DELETE', '/__sim/ipn/controls');
    expect((await detail(quiet)).paymentStatus).toBe('Authorized');

    // Notification: Amazon tells the webhook.
    const told = `EXP-N-${Date.now()}`;
    await authorized(told);
    await s.control('POST', '/__sim/clock/advance', { ms: 31 * DAY });
    await waitFor(async () => (await expiryRow(told)) !== undefined, 20_000);
    expect(await expiryRow(told)).toMatchObject({ message: ERROR_CATALOG.ExpiredUnused.admin.ja });
    expect((await detail(told)).paymentStatus).toBe('AuthorizationExpired');

    const report = await reconcileOrders({ prisma: s.db.prisma, amazonPayFor: () => s.amazonPay, client: s.env.client, log: createLogger('silent', 'test') }, { orderIds: [quiet], verifyMs: 15_000 });
    expect(report.drifts).toEqual([expect.objectContaining({ orderId: quiet, objectType: 'CHARGE', amazon: 'Canceled', action: 'notified', resolved: true })]);
    await waitFor(async () => (await expiryRow(quiet)) !== undefined, 20_000);
    expect(await expiryRow(quiet)).toMatchObject({ message: ERROR_CATALOG.ExpiredUnused.admin.ja });
    expect((await detail(quiet)).paymentStatus).toBe('AuthorizationExpired');
    // No row of either order reads as an unknown error.
    for (const id of [quiet, told]) expect(((await detail(id)).history as Row[]).map((h) => h.message)).not.toContain('Unexpected error from Amazon Pay.');
  }, 120_000);

  it('a permission Amazon closed and a charge it canceled read as their texts, the codes kept as debug detail', async () => {
    const orderId = `CLS-${Date.now()}`;
    await authorized(orderId);
    const permission = (await detail(orderId)).chargePermissionId as string;
    await s.control('POST', `/__sim/charge-permissions/${permission}/state`, { state: 'Closed', reasonCode: 'AmazonClosed' });
    const closedRow = async () => ((await detail(orderId)).history as Row[]).find((h) => h.kind === 'notification' && h.result === 'Closed');
    await waitFor(async () => (await closedRow()) !== undefined, 20_000);
    expect(await closedRow()).toMatchObject({ message: ERROR_CATALOG.AmazonClosed.admin.ja, debugDetail: expect.objectContaining({ detail: 'AmazonClosed' }) });
  }, 60_000);

  describe('amazon_pay_calls_total', () => {
    const count = async (operation: string, result: string): Promise<number> => {
      const text = (await s.call('GET', '/metrics')).body as string;
      const m = new RegExp(`^amazon_pay_calls_total\\{operation="${operation}",result="${result}"\\} (\\d+)`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };

    it('counts a failed and a retried delivery tracker call', async () => {
      const orderId = `MET-DT-${Date.now()}`;
      expect((await checkoutOrder(s, orderId)).status).toBe(200);
      const failedBefore = await count('deliveryTrackers', 'ServiceUnavailable');
      const sentBefore = await count('deliveryTrackers', 'OK');
      await s.control('POST', '/__sim/faults', { operation: 'deliveryTrackers', kind: 'error', status: 503, count: 1 });
      const shipped = await s.call('POST', `/api/admin/orders/${orderId}/status?waitMs=10000`, { role: 'editor', body: { status: 'Shipped', carrierCode: 'YAMATO', trackingNumber: '1111-2222' } });
      expect(shipped.status).toBe(200);
      await waitFor(async () => (await detail(orderId)).deliveryTrackers[0]?.status === 'sent', 30_000);
      expect(await count('deliveryTrackers', 'ServiceUnavailable')).toBe(failedBefore + 1);
      expect(await count('deliveryTrackers', 'OK')).toBe(sentBefore + 1);
    }, 60_000);

    it("counts the API's own session read on the review page beside the workflow's", async () => {
      const orderId = `MET-RV-${Date.now()}`;
      const started = await s.call('POST', '/api/checkouts', {
        role: 'storefront',
        body: { orderId, amount: { amount: 2000, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' },
      });
      expect(started.status).toBe(201);
      const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON: started.body.payloadJSON, signature: started.body.signature, publicKeyId: started.body.publicKeyId });
      await s.control('POST', `/__sim/buyer/checkout-sessions/${button.data.checkoutSessionId}/approve`, {});
      const before = await count('getCheckoutSession', 'OK');
      const review = await s.call('GET', `/api/checkouts/${orderId}?amazonCheckoutSessionId=${button.data.checkoutSessionId}`, { role: 'storefront' });
      expect(review.status).toBe(200);
      // One read by the workflow's activity, one by the API for the address and payment descriptor.
      expect(await count('getCheckoutSession', 'OK')).toBe(before + 2);
    }, 60_000);

    it("counts the API's buyer read for Sign in with Amazon, failures included", async () => {
      expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { signInWithAmazon: true } })).status).toBe(200);
      const text = async () => (await s.call('GET', '/metrics')).body as string;
      expect(await text()).not.toMatch(/amazon_pay_calls_total\{operation="getBuyer"/);
      const signIn = await s.call('POST', '/api/members/sign-in', { role: 'storefront', body: { buyerToken: 'no-such-token' } });
      expect(signIn.status).toBeGreaterThanOrEqual(400);
      expect(await text()).toMatch(/amazon_pay_calls_total\{operation="getBuyer",result="(?!OK")[A-Za-z]+"\} 1/);
    }, 60_000);
  });
});

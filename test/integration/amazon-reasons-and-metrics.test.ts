/**
 * What Amazon says, as the admin and ops see it on the real stack (simulator, Temporal dev server, worker, API):
 * a status reason Amazon reports on its own (an authorization expired unused) is written to the order's history
 * with the catalog's text whether a notification or reconcile brings it.
 */
import { ERROR_CATALOG } from '../../activities/error-catalog';
import { reconcileOrders } from '../../activities/reconcile';
import { createLogger } from '../../lib/logger';
import { waitFor } from '../helpers/http';
import { checkoutOrder, startTestStack, type TestStack } from '../helpers/stack';

const DAY = 24 * 3600_000;

interface Row {
  kind: string;
  result: string;
  message: string | null;
  debugDetail: unknown;
}

describe('Amazon status reasons in the history', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack({ delays: 'zero' });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  const detail = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
  const authorized = async (orderId: string) => {
    const done = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    expect(done.body.paymentStatus).toBe('Authorized');
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { orderId } }))?.paymentStatus === 'Authorized', 10_000);
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

    const report = await reconcileOrders({ prisma: s.db.prisma, amazonPay: s.amazonPay, client: s.env.client, log: createLogger('silent', 'test') }, { orderIds: [quiet], verifyMs: 15_000 });
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
});

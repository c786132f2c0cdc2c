/**
 * 継続課金 (issue 9 item 1) on the real stack: a recurring checkout opens a Recurring permission at the simulator and
 * starts its subscription; charges are orders of their own (refundable); a soft decline is retried, a hard decline
 * suspends the subscription and reaches the shop as a signed event; resume, pause and cancel (closing the permission
 * at Amazon) work through the admin API; Amazon's permission notifications reach the subscription.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { listen, waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

const SECRET = 'shop-webhook-secret-for-the-recurring-test-0123456789';

interface Received {
  body: { eventId: string; type: string; subscriptionId: string; data: Record<string, unknown> };
  valid: boolean;
}

/** The shop's side of the events: checks the signature the way docs/api.md (Recurring charges, events to the shop) tells a shop to. */
function verify(raw: string, header: string | undefined): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', SECRET).update(`${m[1]}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

describe('recurring charges (継続課金)', () => {
  let shop: { url: string; close(): Promise<void> };
  const received: Received[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/events', express.text({ type: () => true }), (req, res) => {
      received.push({ body: JSON.parse(req.body as string), valid: verify(req.body as string, req.header('x-engine-signature')) });
      res.status(204).end();
    });
    shop = await listen(app);
  });
  const s = useTestStack({ stack: () => ({ shopWebhook: { url: `${shop.url}/events`, secret: SECRET } }) });
  // After the stack's own afterAll (hooks run in the order they are declared): the shop goes last.
  afterAll(async () => {
    await shop?.close();
  });

  const sub = (id: string) => s.call('GET', `/api/admin/subscriptions/${id}`, { role: 'viewer' });
  const post = (path: string, body: unknown, role: 'editor' | 'viewer' = 'editor') => s.call('POST', path, { role, body });
  const ledger = async (chargePermissionId: string) => (await s.control<{ entries: Array<{ type: string; status: string; amount: number }> }>('GET', `/__sim/ledger?chargePermissionId=${chargePermissionId}`)).data.entries;
  let permissionId = '';

  it('refuses a recurring plan it cannot keep, changing nothing', async () => {
    const base = { amount: { amount: 1000, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' };
    const long = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { ...base, orderId: 'L'.repeat(60), recurring: { frequency: { unit: 'Month', value: 1 } } } });
    expect(long.status).toBe(422);
    const currency = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { ...base, orderId: 'RC-USD', recurring: { frequency: { unit: 'Month', value: 1 }, amount: { amount: 500, currency: 'USD' } } } });
    expect(currency.status).toBe(422);
    expect(currency.body.error.code).toBe('currency_mismatch');
    const unit = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { ...base, orderId: 'RC-UNIT', recurring: { frequency: { unit: 'Fortnight', value: 1 } } } });
    expect(unit.status).toBe(400);
    // Ids of later periods are the engine's: a shop order cannot take one.
    const reserved = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { ...base, orderId: 'RC-1.R2' } });
    expect(reserved.status).toBe(400);
    expect(JSON.stringify(reserved.body)).toContain('reserved');
    expect((await s.call('GET', '/api/admin/orders/RC-USD', { role: 'viewer' })).status).toBe(404);
    // An accepted plan is echoed, and the signed payload asks Amazon for a Recurring permission.
    const ok = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { ...base, orderId: 'RC-ECHO', recurring: { frequency: { unit: 'Week', value: 2 }, amount: { amount: 800, currency: 'JPY' } } } });
    expect(ok.status).toBe(201);
    expect(ok.body.recurring).toEqual({ frequency: { unit: 'Week', value: 2 }, amount: { amount: 800, currency: 'JPY' } });
    expect(JSON.parse(ok.body.payloadJSON)).toMatchObject({ chargePermissionType: 'Recurring', recurringMetadata: { frequency: { unit: 'Week', value: '2' }, amount: { amount: '800', currencyCode: 'JPY' } } });
    expect(ok.body.button.createCheckoutSessionConfig.payloadJSON).toBe(ok.body.payloadJSON);
    expect((await sub('NOPE')).status).toBe(404);
  });

  it('a recurring checkout opens a Recurring permission, pays period 1 and starts its subscription', async () => {
    const done = await checkoutOrder(s, 'RC-1', { amount: 2980, recurring: { frequency: { unit: 'Month', value: 1 } } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ orderId: 'RC-1', paymentStatus: 'Captured' });
    permissionId = done.body.chargePermissionId;
    const permission = (await s.amazonPay.getChargePermission(permissionId)).data as { chargePermissionType: string; recurringMetadata: { frequency: { unit: string } } };
    expect(permission.chargePermissionType).toBe('Recurring');
    expect(permission.recurringMetadata.frequency.unit).toBe('Month');

    await waitFor(async () => (await sub('RC-1')).status === 200, 15_000);
    const d = (await sub('RC-1')).body;
    expect(d).toMatchObject({ subscriptionId: 'RC-1', status: 'Active', chargePermissionId: permissionId, amount: { amount: 2980, currency: 'JPY' }, frequency: { unit: 'Month', value: 1 }, paymentIntent: 'AuthorizeWithCapture' });
    const next = Date.parse(d.nextChargeAt);
    expect(next).toBeGreaterThan(Date.now() + 27 * 24 * 3600_000);
    expect(d.charges).toEqual([expect.objectContaining({ period: 1, orderId: 'RC-1', paymentStatus: 'Captured' })]);

    const list = await s.call('GET', '/api/admin/orders?q=RC-1', { role: 'viewer' });
    expect(list.body.orders.find((o: { orderId: string }) => o.orderId === 'RC-1')).toMatchObject({ recurring: true, subscriptionId: 'RC-1', recurringPeriod: 1 });
    const listed = await s.call('GET', '/api/admin/subscriptions?status=Active', { role: 'viewer' });
    expect(listed.body.subscriptions.map((x: { subscriptionId: string }) => x.subscriptionId)).toContain('RC-1');
  });

  it('charges a period as an order of its own, once per requestId; the order is refundable like any other', async () => {
    const first = await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'period-2' });
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ period: 2, orderId: 'RC-1.R2', paymentStatus: 'Captured', status: 'Active' });
    const again = await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'period-2' });
    expect(again.body.result.period).toBe(2);
    const captures = (await ledger(permissionId)).filter((e) => e.type === 'capture' && e.status === 'completed');
    expect(captures.map((e) => e.amount)).toEqual([2980, 2980]);

    const order = await s.call('GET', '/api/admin/orders/RC-1.R2', { role: 'viewer' });
    expect(order.body).toMatchObject({ paymentStatus: 'Captured', chargePermissionId: permissionId, recurring: { subscriptionId: 'RC-1', period: 2 } });
    // The checkout's buyer is the period order's buyer too.
    const checkoutBuyer = (await s.call('GET', '/api/admin/orders/RC-1', { role: 'viewer' })).body.buyer;
    expect(checkoutBuyer?.buyerId).toBeTruthy();
    expect(order.body.buyer).toEqual(checkoutBuyer);
    const recurringOnly = await s.call('GET', '/api/admin/orders?paymentStatus=Recurring', { role: 'viewer' });
    expect(recurringOnly.body.orders.map((o: { orderId: string }) => o.orderId).sort()).toEqual(['RC-1', 'RC-1.R2']);
    const refunded = await post('/api/admin/orders/RC-1.R2/refunds?waitMs=5000', { amount: 980, requestId: 'rf-1' });
    expect(refunded.status).toBe(200);
    expect(refunded.body.result).toMatchObject({ amount: 980, paymentStatus: 'RefundPending', captured: 2980 });
    const refunds = (await s.call('GET', '/api/admin/orders/RC-1.R2', { role: 'viewer' })).body.refunds as Array<{ amount: { amount: number }; state: string }>;
    expect(refunds).toEqual([expect.objectContaining({ amount: { amount: 980, currency: 'JPY' }, state: 'RefundInitiated' })]);
    // Amazon settles the refund and notifies: the notification reaches the period's order, not the checkout order
    // that shares the permission (well before the order's own 30 s poll).
    await s.control('POST', '/__sim/clock/advance', { ms: 130_000 });
    await waitFor(async () => (await s.call('GET', '/api/admin/orders/RC-1.R2', { role: 'viewer' })).body.paymentStatus === 'Refunded', 10_000);
    expect((await s.call('GET', '/api/admin/orders/RC-1', { role: 'viewer' })).body.paymentStatus).toBe('Captured');
  });

  it('retries a soft decline with a fresh key; a hard decline suspends the subscription and tells the shop, signed', async () => {
    await s.control('POST', `/__sim/charge-permissions/${permissionId}/simulation`, { simulationCode: 'SoftDeclined', simulationRepeat: 1 });
    const soft = await post('/api/admin/subscriptions/RC-1/charges?waitMs=30000', { requestId: 'period-3' });
    expect(soft.status).toBe(200);
    expect(soft.body.result).toMatchObject({ period: 3, paymentStatus: 'Captured' });
    const o3 = await s.call('GET', '/api/admin/orders/RC-1.R3', { role: 'viewer' });
    expect(o3.body.history.map((h: { result: string }) => h.result)).toEqual(expect.arrayContaining(['SoftDeclined', 'OK']));

    await s.control('POST', `/__sim/charge-permissions/${permissionId}/simulation`, { simulationCode: 'HardDeclined' });
    const hard = await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'period-4' });
    expect(hard.status).toBe(402);
    expect(hard.body.error.code).toBe('HardDeclined');
    const d = (await sub('RC-1')).body;
    expect(d.status).toBe('Suspended');
    expect(d.lastError.code).toBe('HardDeclined');
    expect(d.nextChargeAt).toBeNull();
    expect((await s.call('GET', '/api/admin/orders/RC-1.R4', { role: 'viewer' })).body.paymentStatus).toBe('Declined');

    await waitFor(async () => received.some((r) => r.body.type === 'subscription.suspended'), 15_000).catch(async (err) => {
      throw new Error(`${String(err)}; events: ${JSON.stringify((await sub('RC-1')).body.events)}`);
    });
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received.map((r) => r.body.type)).toEqual(expect.arrayContaining(['recurring.charge.succeeded', 'recurring.charge.failed', 'subscription.suspended']));
    const failed = received.find((r) => r.body.type === 'recurring.charge.failed');
    expect(failed?.body).toMatchObject({ subscriptionId: 'RC-1', data: { period: 4, orderId: 'RC-1.R4', code: 'HardDeclined' } });
    const events = (await sub('RC-1')).body.events as Array<{ type: string; status: string }>;
    expect(events.filter((e) => e.status === 'delivered').length).toBeGreaterThanOrEqual(3);
  });

  it('resumes only once Amazon lets the permission be charged; a permission notification suspends it again', async () => {
    const refused = await post('/api/admin/subscriptions/RC-1/resume', { requestId: 'resume-1' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('InvalidChargePermissionStatus');
    await s.control('POST', `/__sim/charge-permissions/${permissionId}/state`, { state: 'Chargeable' });
    const resumed = await post('/api/admin/subscriptions/RC-1/resume', { requestId: 'resume-2' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.result.status).toBe('Active');

    // The buyer's card expires: Amazon notifies; the subscription re-reads the permission and stops charging.
    await s.control('POST', `/__sim/charge-permissions/${permissionId}/state`, { state: 'NonChargeable', reasonCode: 'PaymentMethodExpired' });
    await waitFor(async () => (await sub('RC-1')).body.status === 'Suspended', 20_000);
    expect((await sub('RC-1')).body.lastError.code).toBe('PaymentMethodExpired');
    await s.control('POST', `/__sim/charge-permissions/${permissionId}/state`, { state: 'Chargeable' });
    expect((await post('/api/admin/subscriptions/RC-1/resume', { requestId: 'resume-3' })).body.result.status).toBe('Active');
    // With the payment method fixed, the next charge goes through again.
    const next = await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'after-fix' });
    expect(next.status).toBe(200);
    expect(next.body.result).toMatchObject({ paymentStatus: 'Captured', status: 'Active' });
  });

  it('pauses (no charge while paused), then cancels: the permission is closed at Amazon', async () => {
    expect((await post('/api/admin/subscriptions/RC-1/pause', { requestId: 'pause-1' }, 'viewer')).status).toBe(403);
    const paused = await post('/api/admin/subscriptions/RC-1/pause', { requestId: 'pause-1' });
    expect(paused.body.result.status).toBe('Paused');
    const refused = await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'while-paused' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('invalid_state');

    const canceled = await post('/api/admin/subscriptions/RC-1/cancel', { requestId: 'cancel-1', reason: 'buyer asked' });
    expect(canceled.status).toBe(200);
    expect(canceled.body.result.status).toBe('Canceled');
    const permission = (await s.amazonPay.getChargePermission(permissionId)).data as { statusDetails: { state: string } };
    expect(permission.statusDetails.state).toBe('Closed');
    await waitFor(async () => (await sub('RC-1')).body.status === 'Canceled', 10_000);
    // Charges already made stay refundable.
    expect((await s.call('GET', '/api/admin/orders/RC-1.R3', { role: 'viewer' })).body.amounts.refundable.amount).toBeGreaterThan(0);
    expect((await post('/api/admin/subscriptions/RC-1/charges', { requestId: 'after-cancel' })).status).toBe(409);
  });
});

/**
 * The storefront and admin flows end to end on the real stack (dev server, worker, database,
 * simulator): checkout with the simulator's buyer, capture, two partial refunds that settle
 * asynchronously to Refunded, a refund past the limit refused, a forged notification refused —
 * and the simulator's ledger shows exactly one capture and two refunds.
 */
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

interface LedgerEntry {
  type: string;
  status: string;
  amount: number;
  chargePermissionId: string;
}

describe('engine API end to end', () => {
  const s = useTestStack();

  it('checks out, captures, refunds twice to Refunded, refuses an over-limit refund and a forged notification', async () => {
    const orderId = `E2E-${Date.now()}`;
    const done = await checkoutOrder(s, orderId, { amount: 5000, paymentIntent: 'Authorize' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ orderId, paymentStatus: 'Authorized', authorized: 5000, captured: 0 });

    const capture = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 5000, requestId: 'cap-1' } });
    expect(capture.status).toBe(200);
    expect(capture.body).toMatchObject({ status: 'completed', result: { paymentStatus: 'Captured', captured: 5000 } });

    // The same capture again: the first result, no second capture.
    const again = await s.call('POST', `/api/admin/orders/${orderId}/capture`, { role: 'editor', body: { amount: 5000, requestId: 'cap-1' } });
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(capture.body.result);

    const r1 = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 1000, requestId: 'ref-1' } });
    const r2 = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 1500, requestId: 'ref-2' } });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.body.result.paymentStatus).toBe('RefundPending');

    // 5000 captured allows 5000 + min(15 %, 8400) = 5750; 2500 are taken.
    const over = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 3251, requestId: 'ref-3' } });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('TransactionAmountExceeded');

    // Refunds settle at Amazon later; its notifications move the order to Refunded.
    await s.control('POST', '/__sim/clock/advance', { ms: 10 * 60_000 });
    await waitFor(async () => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body.paymentStatus === 'Refunded', 30_000, 250);
    const detail = (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
    expect(detail).toMatchObject({
      orderId,
      paymentStatus: 'Refunded',
      amounts: { authorized: { amount: 5000, currency: 'JPY' }, captured: { amount: 5000, currency: 'JPY' }, refunded: { amount: 2500, currency: 'JPY' }, refundPending: { amount: 0, currency: 'JPY' } },
    });
    expect(detail.chargeId).toMatch(/^S03-/);
    expect(detail.chargePermissionId).toMatch(/^S03-/);
    const kinds = (detail.history as { kind: string; result: string }[]).map((h) => `${h.kind}:${h.result}`);
    expect(kinds).toEqual(expect.arrayContaining(['authorize:OK', 'capture:OK', 'refund_started:OK', 'refund:OK', 'refund_started:TransactionAmountExceeded']));

    // A forged notification (signature does not match) is refused and changes nothing.
    const forged = await s.call('POST', '/api/webhooks/amazon-pay', {
      rawBody: JSON.stringify({
        Type: 'Notification',
        MessageId: 'forged-1',
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:AmazonPaySimulator',
        Message: JSON.stringify({ ObjectType: 'CHARGE', ObjectId: detail.chargeId, NotificationId: 'forged-n', NotificationType: 'STATE_CHANGE' }),
        Timestamp: new Date().toISOString(),
        SignatureVersion: '2',
        Signature: Buffer.from('not a signature').toString('base64'),
        SigningCertURL: `${s.sim.baseUrl}/__sim/sns/SimpleNotificationService-simulator.pem`,
      }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(forged.status).toBe(403);
    expect(await s.db.prisma.processedNotification.findUnique({ where: { notificationId: 'forged-n' } })).toBeNull();

    const ledger = (await s.control<{ entries: LedgerEntry[] }>('GET', '/__sim/ledger')).data.entries.filter((e) => e.chargePermissionId === detail.chargePermissionId);
    expect(ledger.filter((e) => e.type === 'capture').map((e) => e.amount)).toEqual([5000]);
    expect(ledger.filter((e) => e.type === 'refund').map((e) => [e.amount, e.status]).sort()).toEqual([
      [1000, 'completed'],
      [1500, 'completed'],
    ]);
  }, 120_000);

  it('lists the order for admins and keeps viewers from moving money', async () => {
    const orderId = `LIST-${Date.now()}`;
    const done = await checkoutOrder(s, orderId, { amount: 1200 });
    expect(done.body.paymentStatus).toBe('Captured');
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.paymentStatus === 'Captured', 10_000);
    const list = await s.call('GET', `/api/admin/orders?q=${orderId}`, { role: 'viewer' });
    expect(list.status).toBe(200);
    expect(list.body.orders).toEqual([expect.objectContaining({ orderId, paymentStatus: 'Captured', amount: { amount: 1200, currency: 'JPY' } })]);
    const refused = await s.call('POST', `/api/admin/orders/${orderId}/refunds`, { role: 'viewer', body: { amount: 100, requestId: 'v-1' } });
    expect(refused.status).toBe(403);
  }, 60_000);
});

/**
 * Many shops on one engine (docs/shops.md): two shops side by side, each with its own simulated merchant and keys.
 * Whatever a key of one shop asks about the other's orders, events, endpoints, members, settings or audit log, it
 * gets "not found" and changes nothing; each shop's Amazon calls are signed as its own merchant (the simulator's
 * record of who signed each call says so); a notification is routed by the merchant it names; the private keys are
 * sealed in the database; the platform makes, lists and suspends shops and issues their keys.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApiKey } from '../../lib/api-keys';
import { shopOfWorkflowId } from '../../lib/names';
import { simulatorTopicArn, snsStringToSign, type SnsEnvelope } from '../../lib/sns-verify';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack, type TestShop, type TestStack } from '../helpers/stack';

interface SignedCall {
  merchantId: string;
  operation: string;
  objectId: string | null;
}

describe('two shops on one engine', () => {
  const s = useTestStack();
  let b: TestShop;
  /** The stack as shop B's storefront sees it (its keys; the same simulator). */
  const asShop = (call: TestStack['call']): TestStack => ({ control: (method: string, pathname: string, body?: unknown) => s.control(method, pathname, body), call }) as unknown as TestStack;
  const asB = (): TestStack => asShop(b.call);
  let platformKey: string;

  beforeAll(async () => {
    b = await s.addShop('shop-b');
    platformKey = (await createApiKey(s.db.prisma, 'platform', 'test platform', null)).key;
  }, 60_000);

  const callsOf = async (merchantId: string) => (await s.control<{ calls: SignedCall[] }>('GET', `/__sim/calls?merchantId=${merchantId}`)).data.calls;
  const detailA = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;

  it('takes the same order id in both shops, each paid through its own merchant and workflow', async () => {
    const a = await checkoutOrder(s, 'SAME-1', { amount: 1000 });
    const other = await checkoutOrder(asB(), 'SAME-1', { amount: 2000 });
    expect([a.status, other.status]).toEqual([200, 200]);
    expect((await detailA('SAME-1')).amount).toEqual({ amount: 1000, currency: 'JPY' });
    const inB = (await b.call('GET', '/api/admin/orders/SAME-1', { role: 'viewer' })).body;
    expect(inB.amount).toEqual({ amount: 2000, currency: 'JPY' });
    // Each shop's order has its own workflow; Temporal UI finds B's by ShopId.
    expect(inB.workflowId).toBe('shop-b/order-SAME-1');
    expect(shopOfWorkflowId(inB.workflowId)).toBe('shop-b');
    await waitFor(async () => {
      for await (const w of s.env.client.workflow.list({ query: `ShopId = "shop-b" AND OrderId = "SAME-1"` })) if (w.workflowId === 'shop-b/order-SAME-1') return true;
      return false;
    }, 15_000);
    // The simulator saw each shop's calls signed by that shop's merchant, never the other's.
    const bCalls = await callsOf(b.merchant.merchantId);
    const aCalls = await callsOf(s.merchant.merchantId);
    expect(bCalls.filter((c) => c.objectId === other.checkoutSessionId).map((c) => c.operation)).toEqual(expect.arrayContaining(['getCheckoutSession', 'updateCheckoutSession', 'completeCheckoutSession']));
    expect(aCalls.some((c) => c.objectId === other.checkoutSessionId)).toBe(false);
    expect(bCalls.some((c) => c.objectId === a.checkoutSessionId)).toBe(false);
    // And each merchant's ledger holds its own money only.
    const ledger = async (merchantId: string) => (await s.control<{ entries: { amount: number; type: string }[] }>('GET', `/__sim/ledger?merchantId=${merchantId}`)).data.entries;
    expect((await ledger(b.merchant.merchantId)).filter((e) => e.type === 'capture').map((e) => e.amount)).toEqual([2000]);
    expect((await ledger(s.merchant.merchantId)).some((e) => e.amount === 2000)).toBe(false);
  }, 60_000);

  it("answers a key of one shop about the other shop's order as not found, and changes nothing", async () => {
    const paid = await checkoutOrder(s, 'ONLY-A-1', { amount: 3000, paymentIntent: 'Authorize' });
    expect(paid.status).toBe(200);
    const before = await detailA('ONLY-A-1');
    const refused = [
      await b.call('GET', '/api/admin/orders/ONLY-A-1', { role: 'viewer' }),
      await b.call('GET', '/api/admin/orders/ONLY-A-1/events', { role: 'viewer' }),
      await b.call('POST', '/api/admin/orders/ONLY-A-1/capture', { role: 'editor', body: { requestId: 'x-cap-1', amount: { amount: 3000, currency: 'JPY' } } }),
      await b.call('POST', '/api/admin/orders/ONLY-A-1/cancel', { role: 'editor', body: { requestId: 'x-can-1' } }),
      await b.call('POST', '/api/admin/orders/ONLY-A-1/status', { role: 'editor', body: { status: 'Shipped' } }),
      await b.call('GET', `/api/checkouts/ONLY-A-1?amazonCheckoutSessionId=${paid.checkoutSessionId}`, { role: 'storefront' }),
      await b.call('POST', '/api/checkouts/ONLY-A-1/complete', { role: 'storefront', body: { amazonCheckoutSessionId: paid.checkoutSessionId } }),
      await b.call('GET', `/api/checkouts/ONLY-A-1/result?amazonCheckoutSessionId=${paid.checkoutSessionId}`, { role: 'storefront' }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain('3000');
    }
    // Nothing moved on A's order, and B has no such order now either.
    const after = await detailA('ONLY-A-1');
    expect(after.amounts).toEqual(before.amounts);
    expect(after.paymentStatus).toBe('Authorized');
    expect(await s.db.prisma.order.count({ where: { shopId: 'shop-b', orderId: 'ONLY-A-1' } })).toBe(0);
    // Lists show each shop its own orders only.
    const listB = (await b.call('GET', '/api/admin/orders?limit=100', { role: 'viewer' })).body.orders.map((o: { orderId: string }) => o.orderId);
    expect(listB).toEqual(['SAME-1']);
    const listA = (await s.call('GET', '/api/admin/orders?q=ONLY', { role: 'viewer' })).body.orders.map((o: { orderId: string }) => o.orderId);
    expect(listA).toEqual(['ONLY-A-1']);
  }, 60_000);

  it("gives each shop its own events, and refuses another shop's event as a cursor or a resend", async () => {
    const eventsA = (await s.call('GET', '/api/events?limit=100', { role: 'storefront' })).body.data as { id: string; orderId: string }[];
    const eventsB = (await b.call('GET', '/api/events?limit=100', { role: 'storefront' })).body.data as { id: string; orderId: string }[];
    expect(eventsB.length).toBeGreaterThan(0);
    expect(new Set(eventsB.map((e) => e.orderId))).toEqual(new Set(['SAME-1']));
    const idsA = new Set(eventsA.map((e) => e.id));
    expect(eventsB.some((e) => idsA.has(e.id))).toBe(false);
    const aEvent = eventsA.find((e) => e.orderId === 'ONLY-A-1')!;
    expect((await b.call('GET', `/api/events?after=${aEvent.id}`, { role: 'storefront' })).status).toBe(404);
    expect((await b.call('POST', `/api/admin/events/${aEvent.id}/resend`, { role: 'editor', body: {} })).status).toBe(404);
  });

  it('keeps settings, event endpoints and member links per shop', async () => {
    const settingsA = (await s.call('GET', '/api/admin/settings', { role: 'viewer' })).body.settings;
    expect((await b.call('PUT', '/api/admin/settings', { role: 'editor', body: { merchantStoreName: 'Shop B', paymentIntent: 'Authorize' } })).status).toBe(200);
    expect((await s.call('GET', '/api/admin/settings', { role: 'viewer' })).body.settings).toEqual(settingsA);
    // B's settings show B's merchant, never A's, and never a private key.
    const shown = (await b.call('GET', '/api/admin/settings', { role: 'viewer' })).body;
    expect(shown.amazonPay).toMatchObject({ merchantId: b.merchant.merchantId, source: 'settings', privateKey: 'configured' });
    expect(JSON.stringify(shown)).not.toMatch(/PRIVATE KEY/);

    const made = await b.call('POST', '/api/admin/event-endpoints', { role: 'editor', body: { url: 'https://b.shop.example/events' } });
    expect(made.status).toBe(201);
    const idB = made.body.endpoint.id as string;
    expect((await s.call('GET', '/api/admin/event-endpoints', { role: 'viewer' })).body.data.some((e: { id: string }) => e.id === idB)).toBe(false);
    expect((await s.call('PATCH', `/api/admin/event-endpoints/${idB}`, { role: 'editor', body: { enabled: false } })).status).toBe(404);
    expect((await s.call('POST', `/api/admin/event-endpoints/${idB}/rotate-secret`, { role: 'editor', body: {} })).status).toBe(404);
    expect((await s.call('DELETE', `/api/admin/event-endpoints/${idB}`, { role: 'editor' })).status).toBe(404);
    // Only B's events are owed to B's endpoint (and the database refuses a delivery across shops).
    const crossing = await s.db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM event_deliveries d JOIN events e ON e.id = d.event_row_id WHERE d.endpoint_id = ${idB}::uuid AND e.shop_id <> 'shop-b'`;
    expect(Number(crossing[0].n)).toBe(0);
    const aEventRow = await s.db.prisma.event.findFirstOrThrow({ where: { shopId: 'default' } });
    await expect(s.db.prisma.eventDelivery.create({ data: { shopId: 'shop-b', eventRowId: aEventRow.id, endpointId: idB, orderId: aEventRow.orderId, seq: aEventRow.seq } })).rejects.toThrow();

    // A member of A, linked by its order, is nobody in B; B cannot link with A's order either.
    const a = await detailA('SAME-1');
    const link = await s.call('POST', '/api/members/links', { role: 'storefront', body: { memberId: 'm-1', memberEmail: a.buyer.email, orderId: 'SAME-1' } });
    expect(link.status).toBe(201);
    expect((await b.call('GET', '/api/members/m-1', { role: 'viewer' })).status).toBe(404);
    expect((await b.call('GET', `/api/members/by-buyer/${a.buyer.buyerId}`, { role: 'storefront' })).status).toBe(404);
    expect((await b.call('DELETE', '/api/members/m-1/link', { role: 'editor' })).status).toBe(404);
    expect((await b.call('POST', '/api/members/links', { role: 'storefront', body: { memberId: 'm-9', memberEmail: a.buyer.email, orderId: 'ONLY-A-1' } })).status).toBe(404);
    expect((await s.call('GET', '/api/members/m-1', { role: 'viewer' })).status).toBe(200);
    // Each audit log shows its own shop's entries only.
    const auditB = (await b.call('GET', '/api/admin/audit?limit=100', { role: 'viewer' })).body.entries as { path: string }[];
    expect(auditB.length).toBeGreaterThan(0);
    expect(auditB.some((e) => e.path === '/api/members/links')).toBe(false);
  });

  it("routes a notification by the merchant it names: another shop's object is not found, an unknown merchant refused", async () => {
    const signingKey = readFileSync(path.join(s.dataDir, 'simulator', 'sns-signing-key.pem'), 'utf8');
    let n = 0;
    const notify = (merchantId: string, objectId: string) => {
      const base = {
        Type: 'Notification',
        MessageId: `shops-${++n}`,
        TopicArn: simulatorTopicArn(merchantId),
        Message: JSON.stringify({ MerchantID: merchantId, ObjectType: 'CHARGE', ObjectId: objectId, NotificationType: 'STATE_CHANGE', NotificationId: `shops-n-${n}-${Date.now()}`, NotificationVersion: 'V2' }),
        Timestamp: new Date().toISOString(),
      } as SnsEnvelope;
      const Signature = createSign('RSA-SHA256').update(snsStringToSign(base)).sign(signingKey, 'base64');
      return s.call('POST', '/api/webhooks/amazon-pay', { rawBody: JSON.stringify({ ...base, SignatureVersion: '2', Signature, SigningCertURL: s.sim.snsCertUrl }), headers: { 'content-type': 'text/plain' } });
    };
    const before = await detailA('ONLY-A-1');
    const aCharge = before.chargeId as string;
    const readsOfA = (await callsOf(s.merchant.merchantId)).length;
    // Named as B's: read as B's merchant, Amazon knows no such charge of B's, and A's order is not touched.
    const asB = await notify(b.merchant.merchantId, aCharge);
    expect(asB.status).toBe(404);
    expect(asB.body.error.code).toBe('unknown_object');
    expect((await callsOf(s.merchant.merchantId)).length).toBe(readsOfA);
    expect((await callsOf(b.merchant.merchantId)).filter((c) => c.objectId === aCharge).map((c) => c.operation)).toEqual(['getCharge']);
    const after = await detailA('ONLY-A-1');
    expect([after.history.length, after.paymentStatus, after.amounts]).toEqual([before.history.length, before.paymentStatus, before.amounts]);
    const unknown = await notify('AUNKNOWNMERCHANT1', aCharge);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('wrong_merchant');
    expect(await s.db.prisma.processedNotification.count({ where: { objectId: aCharge, shopId: 'shop-b' } })).toBe(0);
    // Named as A's, it reaches A's order.
    const asA = await notify(s.merchant.merchantId, aCharge);
    expect(asA.status).toBe(200);
    expect(asA.body).toMatchObject({ status: 'delivered', orderId: 'ONLY-A-1' });
  });

  it("answers another shop's subscriptions, refund approvals and recovery entries as not found", async () => {
    // A subscription, and a refund waiting for a second editor, in shop A.
    const sub = await checkoutOrder(s, 'SUB-A-1', { amount: 1200, recurring: { frequency: { unit: 'Month', value: 1 } } });
    expect(sub.status).toBe(200);
    await waitFor(async () => (await s.call('GET', '/api/admin/subscriptions/SUB-A-1', { role: 'viewer' })).status === 200, 15_000);
    expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { refundApprovalAbove: { JPY: 100 } } })).status).toBe(200);
    const asked = await s.call('POST', '/api/admin/orders/SAME-1/refunds?waitMs=10000', { role: 'editor', body: { amount: { amount: 500, currency: 'JPY' }, requestId: 'apr-a' } });
    expect(asked.body.status).toBe('approval_required');
    const approvalId = asked.body.approval.approvalId as string;
    // B's settings say nothing of approvals: B's refund of its own SAME-1 runs at once.
    expect((await b.call('POST', '/api/admin/orders/SAME-1/refunds?waitMs=10000', { role: 'editor', body: { amount: { amount: 500, currency: 'JPY' }, requestId: 'ref-b' } })).status).toBe(200);

    const refused = [
      await b.call('GET', '/api/admin/subscriptions/SUB-A-1', { role: 'viewer' }),
      await b.call('POST', '/api/admin/subscriptions/SUB-A-1/pause', { role: 'editor', body: { requestId: 'p-1' } }),
      await b.call('POST', '/api/admin/subscriptions/SUB-A-1/charges', { role: 'editor', body: { requestId: 'c-1' } }),
      await b.call('POST', `/api/admin/orders/SAME-1/refund-approvals/${encodeURIComponent(approvalId)}/approve?waitMs=5000`, { role: 'editor', body: {} }),
      await b.call('POST', `/api/admin/orders/SAME-1/refund-approvals/${encodeURIComponent(approvalId)}/reject?waitMs=5000`, { role: 'editor', body: {} }),
    ];
    for (const r of refused) expect([r.status, JSON.stringify(r.body).includes('SUB-A-1.R') || JSON.stringify(r.body).includes('1200')]).toEqual([404, false]);
    expect((await b.call('GET', '/api/admin/subscriptions', { role: 'viewer' })).body.subscriptions).toEqual([]);
    expect((await b.call('GET', '/api/admin/refund-approvals', { role: 'viewer' })).body.approvals).toEqual([]);
    // A's approval is still waiting, and A's subscription still active.
    expect((await s.call('GET', '/api/admin/refund-approvals', { role: 'viewer' })).body.approvals.map((a: { approvalId: string }) => a.approvalId)).toContain(approvalId);
    expect((await s.call('GET', '/api/admin/subscriptions/SUB-A-1', { role: 'viewer' })).body.status).toBe('Active');
    // Recovery entries are per shop: A's entry ids mean nothing to B.
    const entry = await s.db.prisma.prePaymentLog.findFirstOrThrow({ where: { shopId: 'default' } });
    expect((await b.call('POST', `/api/admin/recovery/${entry.id.toString()}/redrive`, { role: 'editor' })).status).toBe(404);
    expect((await b.call('GET', '/api/admin/recovery', { role: 'viewer' })).body.entries.some((e: { id: string }) => e.id === entry.id.toString())).toBe(false);
    expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { refundApprovalAbove: {} } })).status).toBe(200);
  }, 90_000);

  it('keeps every private key sealed in the database, and refuses a plain one', async () => {
    const rows = await s.db.prisma.$queryRaw<{ shop_id: string; sealed: string | null }[]>`SELECT shop_id, private_key_sealed AS sealed FROM shops`;
    expect(rows.find((r) => r.shop_id === 'shop-b')?.sealed).toMatch(/^sb1\./);
    const dump = JSON.stringify(await s.db.prisma.$queryRaw`SELECT * FROM shops`) + JSON.stringify(await s.db.prisma.$queryRaw`SELECT * FROM settings`);
    expect(dump).not.toContain('PRIVATE KEY');
    await expect(s.db.prisma.$executeRaw`UPDATE shops SET private_key_sealed = ${b.merchant.privateKeyPem} WHERE shop_id = 'shop-b'`).rejects.toThrow(/shops_private_key_sealed/);
    await expect(s.db.prisma.$executeRaw`INSERT INTO settings (shop_id, key, value, updated_at) VALUES ('shop-b', 'x', ${JSON.stringify({ pem: b.merchant.privateKeyPem })}::jsonb, now())`).rejects.toThrow(/settings_no_private_key/);
  });

  it('lets the platform make, list and suspend shops and issue their keys; a suspended shop is refused, its data kept', async () => {
    const platform = (method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) =>
      s.call(method, pathname, { body, headers: { authorization: `Bearer ${platformKey}`, ...headers } });
    // Shop keys may not use the platform's routes; the platform needs to name a shop for an admin route.
    expect((await s.call('GET', '/api/platform/shops', { role: 'editor' })).status).toBe(403);
    expect((await platform('GET', '/api/admin/orders')).body.error.code).toBe('shop_required');
    expect((await platform('GET', '/api/admin/orders', undefined, { 'x-shop-id': 'no-such-shop' })).status).toBe(404);
    expect((await platform('GET', '/api/admin/orders', undefined, { 'x-shop-id': 'shop-b' })).body.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['SAME-1']);
    // A shop's key naming another shop sees nothing of it.
    expect((await b.call('GET', '/api/admin/orders', { role: 'viewer', headers: { 'x-shop-id': 'default' } })).status).toBe(404);

    const made = await platform('POST', '/api/platform/shops', { shopId: 'shop-c', name: 'Shop C' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ shop: { shopId: 'shop-c', status: 'active', merchant: { merchantId: expect.any(String) } }, simulatedMerchant: true });
    expect((await platform('POST', '/api/platform/shops', { shopId: 'shop-c', name: 'Again' })).body.error.code).toBe('shop_exists');
    expect((await platform('POST', '/api/platform/shops', { shopId: 'Bad Id!', name: 'x' })).status).toBe(400);
    expect((await platform('GET', '/api/platform/shops')).body.shops.map((x: { shopId: string }) => x.shopId)).toEqual(['default', 'shop-b', 'shop-c']);
    const key = await platform('POST', '/api/platform/shops/shop-c/keys', { role: 'storefront', name: 'C shop' });
    expect(key.status).toBe(201);
    const cStorefront = key.body.secret as string;
    const cCall: TestStack['call'] = (method, pathname, opts = {}) => s.call(method, pathname, { ...opts, role: undefined, headers: { ...(opts.headers ?? {}), authorization: `Bearer ${cStorefront}` } });
    const paidC = await checkoutOrder(asShop(cCall), 'SAME-1', { amount: 4000 });
    expect(paidC.status).toBe(200);
    expect((await callsOf(made.body.shop.merchant.merchantId)).some((c) => c.objectId === paidC.checkoutSessionId)).toBe(true);

    // Suspended: its keys are refused (within the key cache's 5 s), its payments and data stay.
    expect((await platform('POST', '/api/platform/shops/shop-c/suspend')).body.shop.status).toBe('suspended');
    await waitFor(async () => (await cCall('GET', '/api/events', {})).status === 403, 10_000);
    expect((await cCall('GET', '/api/events', {})).body.error.code).toBe('shop_suspended');
    expect((await platform('GET', '/api/admin/orders/SAME-1', undefined, { 'x-shop-id': 'shop-c' })).body.amount).toEqual({ amount: 4000, currency: 'JPY' });
    expect((await platform('POST', '/api/platform/shops/shop-c/reactivate')).body.shop.status).toBe('active');
    await waitFor(async () => (await cCall('GET', '/api/events', {})).status === 200, 10_000);
    const keyId = key.body.key.id as string;
    expect((await platform('DELETE', `/api/platform/shops/shop-b/keys/${keyId}`)).status).toBe(404);
    expect((await platform('DELETE', `/api/platform/shops/shop-c/keys/${keyId}`)).status).toBe(200);
    // The platform's own actions are in its log (shop *), not in any shop's.
    await waitFor(async () => (await s.db.prisma.auditEntry.count({ where: { action: 'shop.suspend' } })) > 0, 10_000);
    const own = (await platform('GET', '/api/platform/audit?limit=100')).body.entries as { action: string; object: { id: string } | null }[];
    expect(own.filter((e) => e.action.startsWith('shop.')).map((e) => [e.action, e.object?.id])).toEqual(expect.arrayContaining([['shop.create', 'shop-c'], ['shop.suspend', 'shop-c'], ['shop.reactivate', 'shop-c']]));
    const inC = (await platform('GET', '/api/admin/audit?limit=100', undefined, { 'x-shop-id': 'shop-c' })).body.entries as { action: string }[];
    expect(inC.some((e) => e.action.startsWith('shop.'))).toBe(false);
    expect((await platform('GET', '/api/platform/audit?shop=Bad!')).status).toBe(400);
  }, 90_000);
});

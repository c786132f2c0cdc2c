/**
 * The money invariants against a careless or hostile caller (docs/invariants.md), each case one of the ways they were
 * seen broken: another order's checkout session, oversized amounts, a capture/cancel race, a requestId reused with
 * another amount, malformed Amazon ids, a database that refuses the projection. Real stack: dev server, worker,
 * database, simulator; the simulator's ledger says what moved at Amazon.
 */
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

interface LedgerEntry {
  type: string;
  amount: number;
  chargePermissionId?: string;
  chargeId?: string;
  checkoutSessionId?: string;
}

const s = useTestStack();

const ledger = async () => (await s.control<{ entries: LedgerEntry[] }>('GET', '/__sim/ledger')).data.entries;
const detail = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;

/** Starts order `orderId`'s checkout and has the simulator's buyer press its button: a session of its own, not completed. */
async function startedWithSession(orderId: string, amount = 3000): Promise<string> {
  const started = await s.call('POST', '/api/checkouts', {
    role: 'storefront',
    body: { orderId, amount: { amount, currency: 'JPY' }, paymentIntent: 'Authorize', reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' },
  });
  expect(started.status).toBe(201);
  const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON: started.body.payloadJSON, signature: started.body.signature, publicKeyId: started.body.publicKeyId });
  await s.control('POST', `/__sim/buyer/checkout-sessions/${button.data.checkoutSessionId}/approve`, {});
  return button.data.checkoutSessionId;
}

describe('an order owns its checkout session', () => {
  it("refuses another order's session on review, complete and the demo shop's result page; the first order keeps its payment", async () => {
    const a = `OWN-A-${Date.now()}`;
    const paid = await checkoutOrder(s, a, { amount: 3000, paymentIntent: 'Authorize' });
    expect(paid.body.paymentStatus).toBe('Authorized');
    const sessionA = paid.checkoutSessionId;
    const before = await ledger();

    const b = `OWN-B-${Date.now()}`;
    const sessionB = await startedWithSession(b);

    const review = await s.call('GET', `/api/checkouts/${b}?amazonCheckoutSessionId=${sessionA}`, { role: 'storefront' });
    expect(review.status).toBe(409);
    expect(review.body.error.code).toBe('checkout_session_mismatch');
    // Nothing of A's buyer in B's answer.
    expect(JSON.stringify(review.body)).not.toMatch(/buyer|address|email|@/i);

    const complete = await s.call('POST', `/api/checkouts/${b}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: sessionA } });
    expect(complete.status).toBe(409);
    expect(complete.body.error.code).toBe('checkout_session_mismatch');

    // The demo shop's result URL needs no key: it must refuse the same way.
    const demo = await fetch(`${s.api}/demo/result/${b}?amazonCheckoutSessionId=${sessionA}`);
    expect(demo.status).toBe(409);
    expect(await demo.text()).not.toMatch(/Captured|Authorized/);

    // B has no payment: nothing to cancel, and A's authorization stands.
    const cancelB = await s.call('POST', `/api/admin/orders/${b}/cancel?waitMs=5000`, { role: 'editor', body: { requestId: 'cancel-b' } });
    expect(cancelB.status).toBe(409);
    expect((await detail(a)).paymentStatus).toBe('Authorized');
    expect((await detail(b)).checkoutSessionId).toBeNull();
    expect(await ledger()).toEqual(before);

    // B is not wedged: its own session still pays for it, with a charge of its own.
    const ownReview = await s.call('GET', `/api/checkouts/${b}?amazonCheckoutSessionId=${sessionB}`, { role: 'storefront' });
    expect(ownReview.status).toBe(200);
    expect((await s.call('POST', `/api/checkouts/${b}/confirm`, { role: 'storefront', body: {} })).status).toBe(200);
    await s.control('POST', `/__sim/buyer/checkout-sessions/${sessionB}/approve`, {});
    const ownComplete = await s.call('POST', `/api/checkouts/${b}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: sessionB } });
    expect(ownComplete.status).toBe(200);
    expect(ownComplete.body.chargePermissionId).not.toBe(paid.body.chargePermissionId);
    // A paid order asked to complete again with another order's session learns nothing and changes nothing (found by the fuzz suite).
    const replayed = await s.call('POST', `/api/checkouts/${a}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: sessionB } });
    expect(replayed.status).toBe(409);
    expect(replayed.body.error.code).toBe('checkout_session_mismatch');
    const owners = await s.db.prisma.amazonObjectOwner.findMany({ where: { orderId: { in: [a, b] } } });
    const ownerOf = new Map(owners.map((o) => [o.objectId, o.orderId]));
    expect(ownerOf.get(sessionA)).toBe(a);
    expect(ownerOf.get(sessionB)).toBe(b);
    expect(ownerOf.get(paid.body.chargePermissionId)).toBe(a);
    expect(ownerOf.get(ownComplete.body.chargePermissionId)).toBe(b);
  });

  it('the database refuses a second owner of an Amazon object, whatever the code above it does', async () => {
    const a = `DB-A-${Date.now()}`;
    const paid = await checkoutOrder(s, a, { amount: 1200 });
    await expect(s.db.prisma.amazonObjectOwner.create({ data: { objectId: paid.checkoutSessionId, objectType: 'CheckoutSession', shopId: 'default', orderId: 'someone-else' } })).rejects.toThrow();
  });
});

describe('every amount is bounded', () => {
  it('refuses captures and refunds over Amazon\'s maximum at the edge and in the workflow; later valid ones still run', async () => {
    const orderId = `BIG-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 4000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
    for (const amount of [2_147_483_648, Number.MAX_SAFE_INTEGER, 15_000_001]) {
      const r = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=2000`, { role: 'editor', body: { amount, requestId: `big-${amount}` } });
      expect(r.status).toBe(400);
    }
    // Within the largest currency's maximum but over JPY's: the order's currency decides (422, nothing recorded).
    const overJpy = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=2000`, { role: 'editor', body: { amount: 10_000_001, requestId: 'over-jpy' } });
    expect(overJpy.status).toBe(422);
    expect(overJpy.body.error.code).toBe('invalid_argument');

    const capture = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 4000, requestId: 'cap-ok' } });
    expect(capture.status).toBe(200);
    expect(capture.body.result.captured).toBe(4000);
    expect((await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=2000`, { role: 'editor', body: { amount: 2_147_483_648, requestId: 'ref-big' } })).status).toBe(400);
    const refund = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 1000, requestId: 'ref-ok' } });
    expect(refund.status).toBe(200);
    const rows = await s.db.prisma.paymentHistory.findMany({ where: { orderId } });
    expect(rows.every((r) => r.amount === null || r.amount <= 4000n)).toBe(true);
  });

  it('a projection the database refuses never blocks the order: commands are answered, the rows are written later', async () => {
    const orderId = `PROJ-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 2500, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
    // The database refuses every write of this order's row for a while (a lock, a full disk, a bad migration...).
    await s.db.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_order_write() RETURNS trigger AS $$ BEGIN IF NEW.order_id = '${orderId}' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await s.db.prisma.$executeRawUnsafe('CREATE TRIGGER refuse_order_write BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION refuse_order_write()');
    try {
      const capture = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 1000, requestId: 'cap-1' } });
      expect(capture.status).toBe(200);
      const second = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 500, requestId: 'cap-2' } });
      expect(second.status).toBe(200);
      expect(second.body.result.captured).toBe(1500);
      const row = await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } });
      expect(row?.capturedAmount).toBe(0n);
    } finally {
      await s.db.prisma.$executeRawUnsafe('DROP TRIGGER refuse_order_write ON orders');
    }
    // The workflow writes the projection again by itself once the database takes it.
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.capturedAmount === 1500n, 90_000, 250);
    const kinds = (await s.db.prisma.paymentHistory.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((r) => `${r.kind}:${r.result}`);
    expect(kinds.filter((k) => k === 'capture:OK')).toHaveLength(2);
  }, 150_000);
});

describe('commands are decided when they run', () => {
  it('the loser of a capture/cancel race gets 409 with the current state', async () => {
    const orderId = `RACE-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
    // Amazon answers the capture slowly: the cancel arrives while it is in flight and is accepted in Authorized.
    await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 1500 });
    const [capture, cancel] = await Promise.all([
      s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 3000, requestId: 'race-cap' } }),
      new Promise((r) => setTimeout(r, 400)).then(() => s.call('POST', `/api/admin/orders/${orderId}/cancel?waitMs=20000`, { role: 'editor', body: { requestId: 'race-cancel' } })),
    ]);
    expect(capture.status).toBe(200);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'invalid_state', details: { state: { paymentStatus: 'Captured', captured: 3000, capturable: 0 } } });
    const moved = (await ledger()).filter((e) => e.chargePermissionId === capture.body.result.chargePermissionId);
    expect(moved.filter((e) => e.type === 'cancel')).toHaveLength(0);
  });

  it('a capture queued behind a cancel is refused with 409, not an amount error', async () => {
    const orderId = `RACE2-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
    await s.control('POST', '/__sim/faults', { operation: 'cancelCharge', kind: 'latency', latencyMs: 1500 });
    const [cancel, capture] = await Promise.all([
      s.call('POST', `/api/admin/orders/${orderId}/cancel?waitMs=20000`, { role: 'editor', body: { requestId: 'race-cancel' } }),
      new Promise((r) => setTimeout(r, 400)).then(() => s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 3000, requestId: 'race-cap' } })),
    ]);
    expect(cancel.status).toBe(200);
    expect(capture.status).toBe(409);
    expect(capture.body.error.details.state.paymentStatus).toBe('Canceled');
  });
});

describe('idempotency as Stripe does it', () => {
  it('the same requestId with the same amount answers the first result; with another amount, 409 request_id_reused', async () => {
    const orderId = `IDEM-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 5000 })).body.paymentStatus).toBe('Captured');
    const first = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 1000, requestId: 'ref-1' } });
    expect(first.status).toBe(200);
    const reused = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 2000, requestId: 'ref-1' } });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('request_id_reused');
    const again = await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, { role: 'editor', body: { amount: 1000, requestId: 'ref-1' } });
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(first.body.result);
    const refunds = (await ledger()).filter((e) => e.type === 'refund' && e.chargePermissionId === first.body.result.chargePermissionId);
    expect(refunds).toHaveLength(1);
  });
});

describe('Amazon ids are checked before they reach a URL', () => {
  it.each(['../charges/S03-1', 'a/b', 'x?y=1', '%2e%2e', ''])('review and complete refuse the session id %p with 400 and change nothing', async (bad) => {
    const orderId = `IDS-${Math.random().toString(36).slice(2, 8)}`;
    await startedWithSession(orderId);
    const review = await s.call('GET', `/api/checkouts/${orderId}?amazonCheckoutSessionId=${encodeURIComponent(bad)}`, { role: 'storefront' });
    expect(review.status).toBe(400);
    const complete = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: bad } });
    expect(complete.status).toBe(400);
    expect(JSON.stringify([review.body, complete.body])).not.toMatch(/x-amz-pay|signature|AMZN-PAY/i);
    expect((await detail(orderId)).paymentStatus).toBe('CheckoutPending');
  });
});

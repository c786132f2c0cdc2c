// The simulator as an outside test drives it: its own merchant and key registered through /__sim/merchants, the
// unmodified SDK, and the control API used with the loose input scripts send.
import { generateKeyPairSync } from 'node:crypto';
import { createAmazonPayClient } from '../../lib/amazon-pay-client';
import { body, clientConfig, completedCheckout, failure, key, ledger, yen, type ChargeBody, type PermissionBody, type SessionBody, useTestSim } from './helpers';

const t = useTestSim({}, { resetFaults: true });

function keyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
}

test('a merchant registered with free-form ids (lowercase, underscores) can call the API through the raw SDK', async () => {
  const { privateKey, publicKey } = keyPair();
  const reg = await t.control('POST', '/__sim/merchants', { merchantId: 'test-merchant-1', storeId: 'store_1', publicKeyId: 'test_key_1', publicKeyPem: publicKey });
  expect(reg.status).toBe(201);
  const sdk = createAmazonPayClient(clientConfig(t.sim, { publicKeyId: 'test_key_1', privateKeyPem: privateKey }), { simulatorCaPem: t.sim.caCertPem });
  const r = await sdk.createCheckoutSession({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: 'store_1' }, { 'x-amz-pay-idempotency-key': key() });
  expect(r.status).toBe(201);
  expect((r.data as { releaseEnvironment: string }).releaseEnvironment).toBe('Sandbox');
  // Ids that would break the authorization header are still refused.
  const bad = await t.control('POST', '/__sim/merchants', { merchantId: 'm', storeId: 's', publicKeyId: 'a,b', publicKeyPem: publicKey });
  expect(bad.status).toBe(400);
});

test('approve accepts null for absent fields; the button flow accepts payloadJSON as the object that was signed', async () => {
  const payload = { webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: t.merchant.storeId };
  const created = await t.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', {
    payloadJSON: payload,
    signature: t.client.generateButtonSignature(payload),
    publicKeyId: t.merchant.publicKeyId,
    algorithm: null,
  });
  expect(created.status).toBe(201);
  const id = created.data.checkoutSessionId;
  const review = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, { simulationCode: null, buyerId: null });
  expect(review.status).toBe(200);
  expect(review.data.redirectUrl).toBe(`https://shop.example/review?amazonCheckoutSessionId=${id}`);
});

test('the idempotency key is enforced on POST only: a long or odd key on PATCH/DELETE is ignored', async () => {
  const s = await completedCheckout(t, { intent: 'Authorize', amount: 1000 });
  const odd = { 'x-amz-pay-idempotency-key': 'not valid! and far longer than thirty-two characters' };
  const p = await t.client.updateChargePermission(String(s.chargePermissionId), { merchantMetadata: { merchantReferenceId: 'order-1' } }, odd);
  expect(p.status).toBe(200);
  const c = body<ChargeBody>(await t.client.cancelCharge(String(s.chargeId), { cancellationReason: 'changed mind' }, odd));
  expect(c.statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'MerchantCanceled' });
  // On POST the same key is still rejected.
  const f = await failure(t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(100) }, odd));
  expect(f).toMatchObject({ status: 400, reasonCode: 'InvalidHeaderValue' });
});

test('same key and the same values in another key order replay; the retry after a state change still replays', async () => {
  const s = await completedCheckout(t, { intent: 'Confirm', amount: 5000 });
  const k = key();
  const a = body<ChargeBody>(await t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: { amount: '1000', currencyCode: 'JPY' }, captureNow: true }, { 'x-amz-pay-idempotency-key': k }));
  expect(a.statusDetails.state).toBe('Captured');
  const b = body<ChargeBody>(await t.client.createCharge({ captureNow: true, chargeAmount: { currencyCode: 'JPY', amount: '1000' }, chargePermissionId: s.chargePermissionId }, { 'x-amz-pay-idempotency-key': k }));
  expect(b).toEqual(a);
  expect((await ledger(t, `?chargeId=${a.chargeId}`)).map((e) => e.type)).toEqual(['authorization', 'capture']);
});

test('ledger entries carry `time` (the same instant as `at`)', async () => {
  const s = await completedCheckout(t, { intent: 'AuthorizeWithCapture', amount: 700 });
  const entries = (await t.control<{ entries: { at: string; time: string; type: string }[] }>('GET', `/__sim/ledger?chargeId=${String(s.chargeId)}`)).data.entries;
  expect(entries.length).toBeGreaterThan(0);
  for (const e of entries) {
    expect(e.time).toBe(e.at);
    expect(Number.isNaN(Date.parse(e.time))).toBe(false);
  }
});

test('clock advance accepts a numeric string and rounds fractions; negative or non-numeric is 400', async () => {
  const before = (await t.control<{ nowMs: number }>('GET', '/__sim/clock')).data.nowMs;
  expect((await t.control('POST', '/__sim/clock/advance', { ms: '1000' })).status).toBe(200);
  const after = (await t.control<{ nowMs: number }>('POST', '/__sim/clock/advance', { ms: 0.4 })).data.nowMs;
  expect(after - before).toBe(1000);
  expect((await t.control('POST', '/__sim/clock/advance', { ms: -1 })).status).toBe(400);
  expect((await t.control('POST', '/__sim/clock/advance', { ms: 'soon' })).status).toBe(400);
});

test('fault operations are SDK method names in any case; an unknown operation is 400 instead of never firing', async () => {
  const s = await completedCheckout(t, { intent: 'Authorize', amount: 1000 });
  const added = await t.control<{ faults: { operation: string }[] }>('POST', '/__sim/faults', { operation: 'getcharge', status: 503 });
  expect(added.status).toBe(201);
  expect(added.data.faults[0].operation).toBe('getCharge');
  expect(await failure(t.client.getCharge(String(s.chargeId)))).toMatchObject({ status: 503, reasonCode: 'ServiceUnavailable' });
  expect((await t.client.getCharge(String(s.chargeId))).status).toBe(200);
  const bad = await t.control<{ reasonCode: string }>('POST', '/__sim/faults', { operation: 'captureCharges', status: 500 });
  expect(bad.status).toBe(400);
  expect(bad.data.reasonCode).toBe('InvalidParameterValue');
});

test('reset forgets IPN deliveries and controls', async () => {
  await t.control('POST', '/__sim/ipn/controls', { action: 'reorder', count: 5 });
  await completedCheckout(t, { intent: 'Authorize', amount: 1000 });
  expect((await t.control<{ deliveries: unknown[] }>('GET', '/__sim/ipn')).data.deliveries.length).toBeGreaterThan(0);
  await t.control('POST', '/__sim/reset', {});
  expect((await t.control<{ deliveries: unknown[] }>('GET', '/__sim/ipn')).data.deliveries).toEqual([]);
  expect((await t.control<{ sent: number }>('POST', '/__sim/ipn/flush')).data.sent).toBe(0);
});

test('views: session, permission and charge carry Amazon field names and shapes', async () => {
  const s = await completedCheckout(t, { intent: 'Authorize', amount: 1200 });
  const session = body<SessionBody & { expirationTimestamp: string; releaseEnvironment: string }>(await t.client.getCheckoutSession(s.checkoutSessionId));
  expect(session.statusDetails).toMatchObject({ state: 'Completed' });
  expect(session.expirationTimestamp).toMatch(/^\d{8}T\d{6}Z$/);
  const p = body<PermissionBody & { statusDetails: { lastUpdatedTimestamp: string } }>(await t.client.getChargePermission(String(s.chargePermissionId)));
  expect(p.chargePermissionId).toMatch(/^S03-\d{7}-\d{7}$/);
  expect(p.limits).toEqual({ amountLimit: yen(1200), amountBalance: yen(1200) }); // authorized, nothing captured yet
  expect(p.statusDetails.lastUpdatedTimestamp).toMatch(/^\d{8}T\d{6}Z$/);
  const c = body<ChargeBody & { expirationTimestamp: string; releaseEnvironment: string }>(await t.client.getCharge(String(s.chargeId)));
  expect(c.chargeId).toMatch(/^S03-\d{7}-\d{7}-C\d{6}$/);
  expect(c).toMatchObject({ chargeAmount: yen(1200), captureAmount: null, refundedAmount: null, releaseEnvironment: 'Sandbox' });
  expect(c.statusDetails).toMatchObject({ state: 'Authorized', reasonCode: null });
});

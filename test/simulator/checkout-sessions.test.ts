// CheckoutSession: creation, constraints, update, complete (AmountMismatch, CurrencyMismatch, states), 24 h expiry, bad input.
import { DAY, HOUR } from '../../simulator/clock';
import { body, failure, key, readySession, yen, type ChargeBody, type SessionBody, useTestSim } from './helpers';

const t = useTestSim();

const create = async (extra: Record<string, unknown> = {}) =>
  body<SessionBody>(
    await t.client.createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: t.merchant.storeId, ...extra },
      { 'x-amz-pay-idempotency-key': key() },
    ),
  );

test('a new session is Open with Amazon constraint ids and no redirect URL yet', async () => {
  const s = await create();
  expect(s.statusDetails.state).toBe('Open');
  expect(s.constraints.map((c) => c.constraintId).sort()).toEqual(['BuyerNotAssociated', 'ChargeAmountNotSet', 'CheckoutResultReturnUrlNotSet', 'PaymentIntentNotSet']);
  expect(s.webCheckoutDetails.amazonPayRedirectUrl).toBeNull();
  expect(s.shippingAddressList).toBeNull();
});

test('createCheckoutSession without an idempotency key is 400 MissingHeaderValue', async () => {
  const f = await failure(t.client.createCheckoutSession({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/r' }, storeId: t.merchant.storeId }, null));
  expect(f).toMatchObject({ status: 400, reasonCode: 'MissingHeaderValue' });
});

test.each([
  [{ storeId: 'amzn1.application-oa2-client.00000000000000000000000000000000' }, 'InvalidParameterValue'],
  [{ surprise: true }, 'UnrecognizedField'],
  [{ paymentDetails: { chargeAmount: { amount: 1500, currencyCode: 'JPY' } } }, 'InvalidParameterValue'],
  [{ paymentDetails: { chargeAmount: { amount: '15.5', currencyCode: 'JPY' } } }, 'InvalidParameterValue'],
  [{ paymentDetails: { chargeAmount: { amount: '15.555', currencyCode: 'USD' } } }, 'InvalidParameterValue'],
  [{ paymentDetails: { chargeAmount: { amount: '100', currencyCode: 'XXX' } } }, 'InvalidParameterValue'],
  [{ paymentDetails: { paymentIntent: 'AuthorizeWithCapture', canHandlePendingAuthorization: true } }, 'InvalidParameterCombination'],
  [{ webCheckoutDetails: { checkoutReviewReturnUrl: 'ftp://shop.example/review' } }, 'InvalidParameterValue'],
  [{ merchantMetadata: { merchantStoreName: 'x'.repeat(51) } }, 'InvalidParameterValue'],
  [{ webCheckoutDetails: {} }, 'MissingParameterValue'],
])('bad create input %j is 400 %s and creates nothing', async (extra, code) => {
  const before = t.sim.core.sessions.size;
  const f = await failure(
    t.client.createCheckoutSession({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: t.merchant.storeId, ...extra }, { 'x-amz-pay-idempotency-key': key() }),
  );
  expect(f).toMatchObject({ status: 400, reasonCode: code });
  expect(t.sim.core.sessions.size).toBe(before);
});

test('the buyer flow: review redirect, update resolves constraints, approval, complete', async () => {
  const s = await create();
  const review = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${s.checkoutSessionId}/approve`, {});
  expect(review.data.redirectUrl).toBe(`https://shop.example/review?amazonCheckoutSessionId=${s.checkoutSessionId}`);
  const got = body<SessionBody>(await t.client.getCheckoutSession(s.checkoutSessionId));
  expect(got.buyer?.name).toBe('山田 太郎');
  expect(got.shippingAddress).toMatchObject({ countryCode: 'JP', stateOrRegion: '東京都' });
  expect(got.constraints.map((c) => c.constraintId)).not.toContain('BuyerNotAssociated');

  const updated = body<SessionBody>(
    await t.client.updateCheckoutSession(s.checkoutSessionId, {
      webCheckoutDetails: { checkoutResultReturnUrl: 'https://shop.example/result' },
      paymentDetails: { paymentIntent: 'Authorize', chargeAmount: yen(4980) },
    }),
  );
  expect(updated.constraints).toEqual([]);
  expect(updated.webCheckoutDetails.amazonPayRedirectUrl).toContain(s.checkoutSessionId);

  const early = await failure(t.client.completeCheckoutSession(s.checkoutSessionId, { chargeAmount: yen(4980) }));
  expect(early).toMatchObject({ status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });

  const result = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${s.checkoutSessionId}/approve`, {});
  expect(result.data.redirectUrl).toBe(`https://shop.example/result?amazonCheckoutSessionId=${s.checkoutSessionId}`);

  const done = body<SessionBody>(await t.client.completeCheckoutSession(s.checkoutSessionId, { chargeAmount: yen(4980) }));
  expect(done.statusDetails.state).toBe('Completed');
  expect(done.chargePermissionId).toMatch(/^S03-\d{7}-\d{7}$/);
  expect(done.chargeId).toMatch(/^S03-\d{7}-\d{7}-C\d{6}$/);
  const charge = body<ChargeBody>(await t.client.getCharge(String(done.chargeId)));
  expect(charge.chargeAmount).toEqual(yen(4980));

  const again = body<SessionBody>(await t.client.completeCheckoutSession(s.checkoutSessionId, { chargeAmount: yen(4980) }));
  expect(again.chargeId).toBe(done.chargeId);
  const upd = await failure(t.client.updateCheckoutSession(s.checkoutSessionId, { merchantMetadata: { merchantReferenceId: 'o-1' } }));
  expect(upd).toMatchObject({ status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });
});

test('complete with another amount is 422 AmountMismatch, another currency 400 CurrencyMismatch; nothing changes', async () => {
  const id = await readySession(t, { amount: 3000 });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(3001) }))).toMatchObject({ status: 422, reasonCode: 'AmountMismatch' });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: { amount: '30.00', currencyCode: 'USD' } }))).toMatchObject({ status: 400, reasonCode: 'CurrencyMismatch' });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(3000), extra: 1 }))).toMatchObject({ status: 400, reasonCode: 'UnrecognizedField' });
  expect(await failure(t.client.completeCheckoutSession(id, {}))).toMatchObject({ status: 400, reasonCode: 'MissingParameterValue' });
  expect(body<SessionBody>(await t.client.getCheckoutSession(id)).statusDetails.state).toBe('Open');
  expect(body<SessionBody>(await t.client.completeCheckoutSession(id, { chargeAmount: yen(3000) })).statusDetails.state).toBe('Completed');
});

test('an update after the buyer approved needs a new approval', async () => {
  const id = await readySession(t, { amount: 1000 });
  await t.client.updateCheckoutSession(id, { paymentDetails: { chargeAmount: yen(1200) } });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(1200) }))).toMatchObject({ reasonCode: 'InvalidCheckoutSessionStatus' });
  await t.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {});
  expect(body<SessionBody>(await t.client.completeCheckoutSession(id, { chargeAmount: yen(1200) })).statusDetails.state).toBe('Completed');
});

test('an Open session expires after 24 h of simulated time (Canceled/Expired), then cannot be completed', async () => {
  const id = await readySession(t);
  await t.control('POST', '/__sim/clock/advance', { ms: 23 * HOUR });
  expect(body<SessionBody>(await t.client.getCheckoutSession(id)).statusDetails.state).toBe('Open');
  await t.control('POST', '/__sim/clock/advance', { ms: HOUR + 1000 });
  const s = body<SessionBody>(await t.client.getCheckoutSession(id));
  expect(s.statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'Expired' });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(1500) }))).toMatchObject({ status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });
  expect(await failure(t.client.updateCheckoutSession(id, { merchantMetadata: { merchantReferenceId: 'x' } }))).toMatchObject({ status: 422, reasonCode: 'InvalidCheckoutSessionStatus' });
  await t.control('POST', '/__sim/clock/advance', { ms: 30 * DAY });
  expect(await failure(t.client.getCheckoutSession(id))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
});

test('the buyer canceling gives Canceled/BuyerCanceled and complete answers CheckoutSessionCanceled', async () => {
  const id = await readySession(t);
  const c = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${id}/cancel`, {});
  expect(c.data.redirectUrl).toBe('https://shop.example/cancel');
  expect(body<SessionBody>(await t.client.getCheckoutSession(id)).statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'BuyerCanceled' });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(1500) }))).toMatchObject({ status: 422, reasonCode: 'CheckoutSessionCanceled' });
});

test('unknown ids are 404 ResourceNotFound', async () => {
  expect(await failure(t.client.getCheckoutSession('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
  expect(await failure(t.client.getChargePermission('S03-0000000-0000000'))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
  expect(await failure(t.client.getRefund('S03-0000000-0000000-R000000'))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
});

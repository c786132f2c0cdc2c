// Refunds: asynchronous settlement by the clock, the cap (captured + min(15 %, per-currency ceiling)), state rules, declines.
import { body, completedCheckout, failure, key, ledger, yen, type ChargeBody, type RefundBody, useTestSim } from './helpers';

const t = useTestSim();

const refund = (chargeId: string, amount: { amount: string; currencyCode: string }, headers: Record<string, string> = {}) =>
  t.client.createRefund({ chargeId, refundAmount: amount }, { 'x-amz-pay-idempotency-key': key(), ...headers });

test('RefundInitiated, then Refunded after the refund delay of simulated time', async () => {
  const s = await completedCheckout(t, { amount: 5000, intent: 'AuthorizeWithCapture' });
  const r = body<RefundBody>(await refund(String(s.chargeId), yen(2000)));
  expect(r.refundId).toMatch(/^S03-\d{7}-\d{7}-R\d{6}$/);
  expect(r.statusDetails.state).toBe('RefundInitiated');
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).find((e) => e.type === 'refund')).toMatchObject({ status: 'pending', amount: 2000, refundId: r.refundId });
  await t.control('POST', '/__sim/clock/advance', { ms: 60_000 });
  expect(body<RefundBody>(await t.client.getRefund(r.refundId)).statusDetails.state).toBe('RefundInitiated');
  await t.control('POST', '/__sim/clock/advance', { ms: 61_000 });
  expect(body<RefundBody>(await t.client.getRefund(r.refundId)).statusDetails.state).toBe('Refunded');
  expect(body<ChargeBody>(await t.client.getCharge(String(s.chargeId))).refundedAmount).toEqual(yen(2000));
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).find((e) => e.type === 'refund')?.status).toBe('completed');
});

test.each([
  ['JPY small order: 15 % is under the 8,400 yen ceiling', yen(10000), '11500', '11501'],
  ['JPY large order: the 8,400 yen ceiling applies', yen(100000), '108400', '108401'],
  ['USD large order: the 75 USD ceiling applies', { amount: '1000.00', currencyCode: 'USD' }, '1075.00', '1075.01'],
  ['EUR small order: 15 %', { amount: '100.00', currencyCode: 'EUR' }, '115.00', '115.01'],
])('%s', async (_name, price, max, over) => {
  const s = await completedCheckout(t, { amount: Number(price.amount), currencyCode: price.currencyCode, intent: 'AuthorizeWithCapture' });
  const id = String(s.chargeId);
  const f = await failure(refund(id, { amount: over, currencyCode: price.currencyCode }));
  expect(f).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  // Split across two refunds: the total counts, pending ones included.
  const half = (Number(max) / 2).toFixed(price.currencyCode === 'JPY' ? 0 : 2);
  const rest = (Number(max) - Number(half)).toFixed(price.currencyCode === 'JPY' ? 0 : 2);
  await refund(id, { amount: half, currencyCode: price.currencyCode });
  await refund(id, { amount: rest, currencyCode: price.currencyCode });
  const one = price.currencyCode === 'JPY' ? '1' : '0.01';
  expect(await failure(refund(id, { amount: one, currencyCode: price.currencyCode }))).toMatchObject({ reasonCode: 'TransactionAmountExceeded' });
});

test('refunding a charge that is not Captured is InvalidChargeStatus; other currency CurrencyMismatch; JPY decimals invalid', async () => {
  const s = await completedCheckout(t, { amount: 3000 });
  const id = String(s.chargeId);
  expect(await failure(refund(id, yen(100)))).toMatchObject({ status: 422, reasonCode: 'InvalidChargeStatus' });
  await t.client.captureCharge(id, { captureAmount: yen(3000) }, { 'x-amz-pay-idempotency-key': key() });
  expect(await failure(refund(id, { amount: '1.00', currencyCode: 'USD' }))).toMatchObject({ status: 400, reasonCode: 'CurrencyMismatch' });
  expect(await failure(refund(id, { amount: '10.5', currencyCode: 'JPY' }))).toMatchObject({ status: 400, reasonCode: 'InvalidParameterValue' });
  expect(await failure(refund(id, { amount: '-5', currencyCode: 'JPY' }))).toMatchObject({ status: 400, reasonCode: 'InvalidParameterValue' });
  expect(await failure(t.client.createRefund({ chargeId: id, refundAmount: yen(1) }, null))).toMatchObject({ status: 400, reasonCode: 'MissingHeaderValue' });
  expect(await failure(t.client.createRefund({ chargeId: id }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 400, reasonCode: 'MissingParameterValue' });
});

test('a declined refund (simulation code) frees its amount again', async () => {
  const s = await completedCheckout(t, { amount: 1000, intent: 'AuthorizeWithCapture' });
  const id = String(s.chargeId);
  const r = body<RefundBody>(await refund(id, yen(1150), { 'x-amz-pay-simulation-code': 'RefundDeclined' }));
  await t.control('POST', '/__sim/clock/advance', { ms: 5 * 60_000 });
  expect(body<RefundBody>(await t.client.getRefund(r.refundId)).statusDetails).toMatchObject({ state: 'Declined', reasonCode: 'AmazonRejected' });
  expect((await ledger(t, `?chargeId=${id}`)).find((e) => e.type === 'refund')).toMatchObject({ status: 'declined' });
  expect(body<RefundBody>(await refund(id, yen(1150))).statusDetails.state).toBe('RefundInitiated');
  expect(await failure(refund(id, yen(1), { 'x-amz-pay-simulation-code': 'NoSuchCode' }))).toMatchObject({ status: 400, reasonCode: 'InvalidSandboxSimulationSpecified' });
});

test('zero-delay mode settles refunds at once', async () => {
  await t.control('POST', '/__sim/delays', { mode: 'zero' });
  try {
    const s = await completedCheckout(t, { amount: 800, intent: 'AuthorizeWithCapture' });
    const r = body<RefundBody>(await refund(String(s.chargeId), yen(800)));
    expect(body<RefundBody>(await t.client.getRefund(r.refundId)).statusDetails.state).toBe('Refunded');
  } finally {
    await t.control('POST', '/__sim/delays', { mode: 'default' });
  }
});

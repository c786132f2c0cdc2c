// Simulation codes given at the buyer's approval (and by header): declines, cancellations and pending authorizations.
import { body, completedCheckout, failure, key, ledger, readySession, yen, type ChargeBody, type PermissionBody, type SessionBody, useTestSim } from './helpers';

const t = useTestSim();

const complete = (id: string, amount = 1500) => t.client.completeCheckoutSession(id, { chargeAmount: yen(amount) });
const session = async (id: string) => body<SessionBody>(await t.client.getCheckoutSession(id));

test.each(['SoftDeclined', 'TransactionTimedOut', 'ProcessingFailure'])('%s is transient: 422 once, the session stays Open, a retry succeeds', async (code) => {
  const id = await readySession(t, { simulationCode: code });
  expect(await failure(complete(id))).toMatchObject({ status: 422, reasonCode: code });
  expect((await session(id)).statusDetails.state).toBe('Open');
  expect(body<SessionBody>(await complete(id)).statusDetails.state).toBe('Completed');
});

test('simulationRepeat makes a transient decline last several attempts', async () => {
  const id = await readySession(t, { simulationCode: 'SoftDeclined', simulationRepeat: 2 });
  expect(await failure(complete(id))).toMatchObject({ reasonCode: 'SoftDeclined' });
  expect(await failure(complete(id))).toMatchObject({ reasonCode: 'SoftDeclined' });
  expect((await complete(id)).status).toBe(200);
});

test.each(['HardDeclined', 'PaymentMethodNotAllowed', 'AmazonRejected', 'MFANotCompleted'])('%s is final: 422 and the session is Canceled/Declined', async (code) => {
  const id = await readySession(t, { simulationCode: code });
  expect(await failure(complete(id))).toMatchObject({ status: 422, reasonCode: code });
  expect((await session(id)).statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'Declined' });
  expect(await failure(complete(id))).toMatchObject({ status: 422, reasonCode: 'CheckoutSessionCanceled' });
  expect(await ledger(t)).not.toContainEqual(expect.objectContaining({ status: 'completed', idempotencyKey: id }));
});

test.each(['BuyerCanceled', 'AmazonCanceled', 'Declined'])('%s cancels the session at complete (CheckoutSessionCanceled)', async (code) => {
  const id = await readySession(t, { simulationCode: code });
  expect(await failure(complete(id))).toMatchObject({ status: 422, reasonCode: 'CheckoutSessionCanceled' });
  expect((await session(id)).statusDetails).toMatchObject({ state: 'Canceled', reasonCode: code });
});

test('pending authorization: AuthorizationInitiated, NonChargeable/ChargeInProgress, then Authorized by the clock', async () => {
  const s = await completedCheckout(t, { simulationCode: 'PendingAuthorization', canHandlePendingAuthorization: true });
  const id = String(s.chargeId);
  expect(body<ChargeBody>(await t.client.getCharge(id)).statusDetails.state).toBe('AuthorizationInitiated');
  expect(body<PermissionBody>(await t.client.getChargePermission(String(s.chargePermissionId))).statusDetails).toMatchObject({
    state: 'NonChargeable',
    reasons: [{ reasonCode: 'ChargeInProgress' }],
  });
  expect((await ledger(t, `?chargeId=${id}`))[0]).toMatchObject({ type: 'authorization', status: 'pending' });
  await t.control('POST', '/__sim/clock/advance', { ms: 10_000 });
  expect(body<ChargeBody>(await t.client.getCharge(id)).statusDetails.state).toBe('Authorized');
  expect(body<PermissionBody>(await t.client.getChargePermission(String(s.chargePermissionId))).statusDetails.state).toBe('Chargeable');
  expect((await ledger(t, `?chargeId=${id}`))[0]).toMatchObject({ type: 'authorization', status: 'completed' });
});

test('pending authorization that ends Declined/HardDeclined', async () => {
  const s = await completedCheckout(t, { simulationCode: 'PendingAuthorizationHardDeclined', canHandlePendingAuthorization: true });
  await t.control('POST', '/__sim/clock/advance', { ms: 10_000 });
  expect(body<ChargeBody>(await t.client.getCharge(String(s.chargeId))).statusDetails).toMatchObject({ state: 'Declined', reasonCode: 'HardDeclined' });
});

test('a pending code without canHandlePendingAuthorization declines as TransactionTimedOut', async () => {
  const id = await readySession(t, { simulationCode: 'PendingAuthorization' });
  expect(await failure(complete(id))).toMatchObject({ status: 422, reasonCode: 'TransactionTimedOut' });
});

test('header codes on createCharge: HardDeclined makes the permission NonChargeable', async () => {
  const s = await completedCheckout(t, { amount: 3000, intent: 'Confirm' });
  const pid = String(s.chargePermissionId);
  const f = await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(3000) }, { 'x-amz-pay-idempotency-key': key(), 'x-amz-pay-simulation-code': 'HardDeclined' }));
  expect(f).toMatchObject({ status: 422, reasonCode: 'HardDeclined' });
  expect(body<PermissionBody>(await t.client.getChargePermission(pid)).statusDetails).toMatchObject({ state: 'NonChargeable', reasons: [{ reasonCode: 'PaymentMethodInvalid' }] });
});

test('CaptureInitiated code sends the capture through CaptureInitiated', async () => {
  const s = await completedCheckout(t, { amount: 3000 });
  const c = body<ChargeBody>(
    await t.client.captureCharge(String(s.chargeId), { captureAmount: yen(3000) }, { 'x-amz-pay-idempotency-key': key(), 'x-amz-pay-simulation-code': 'CaptureInitiated' }),
  );
  expect(c.statusDetails.state).toBe('CaptureInitiated');
  await t.control('POST', '/__sim/clock/advance', { ms: 10_000 });
  expect(body<ChargeBody>(await t.client.getCharge(String(s.chargeId))).statusDetails.state).toBe('Captured');
});

test('an unknown simulation code is rejected at approval and by header', async () => {
  const id = await readySession(t);
  const r = await t.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, { simulationCode: 'Bogus' });
  expect(r).toMatchObject({ status: 400, data: { reasonCode: 'InvalidSandboxSimulationSpecified' } });
  expect(await failure(t.client.completeCheckoutSession(id, { chargeAmount: yen(1500) }, { 'x-amz-pay-simulation-code': 'Bogus' }))).toMatchObject({
    status: 400,
    reasonCode: 'InvalidSandboxSimulationSpecified',
  });
});

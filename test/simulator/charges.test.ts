// Charges and charge permissions: authorize, capture (full, partial, over, pending), cancel, 30-day expiry, Confirm + createCharge, close.
import { DAY } from '../../simulator/clock';
import { body, completedCheckout, failure, key, ledger, startTestSim, yen, type ChargeBody, type PermissionBody, type TestSim } from './helpers';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(async () => {
  await t.stop();
});

const charge = async (id: string) => body<ChargeBody>(await t.client.getCharge(id));
const permission = async (id: string) => body<PermissionBody>(await t.client.getChargePermission(id));

test('Authorize: Authorized, then a partial capture; a second capture is InvalidChargeStatus', async () => {
  const s = await completedCheckout(t, { amount: 10000 });
  const id = String(s.chargeId);
  expect((await charge(id)).statusDetails.state).toBe('Authorized');
  const p = await permission(String(s.chargePermissionId));
  expect(p).toMatchObject({ chargePermissionType: 'OneTime', statusDetails: { state: 'Chargeable' }, limits: { amountLimit: yen(10000), amountBalance: yen(0) } });

  expect(await failure(t.client.captureCharge(id, { captureAmount: yen(10001) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  expect(await failure(t.client.captureCharge(id, { captureAmount: yen(100) }, null))).toMatchObject({ status: 400, reasonCode: 'MissingHeaderValue' });
  expect(await failure(t.client.captureCharge(id, { captureAmount: { amount: '100.00', currencyCode: 'EUR' } }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 400, reasonCode: 'CurrencyMismatch' });
  const captured = body<ChargeBody>(await t.client.captureCharge(id, { captureAmount: yen(8000), softDescriptor: 'SHOP ORDER 1' }, { 'x-amz-pay-idempotency-key': key() }));
  expect(captured).toMatchObject({ statusDetails: { state: 'Captured' }, captureAmount: yen(8000), refundedAmount: yen(0) });
  expect(await failure(t.client.captureCharge(id, { captureAmount: yen(1000) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'InvalidChargeStatus' });
  expect(await failure(t.client.cancelCharge(id, { cancellationReason: 'too late' }))).toMatchObject({ status: 422, reasonCode: 'InvalidChargeStatus' });
  const entries = await ledger(t, `?chargeId=${id}`);
  expect(entries.map((e) => [e.type, e.status, e.amount])).toEqual([
    ['authorization', 'completed', 10000],
    ['capture', 'completed', 8000],
  ]);
});

test('AuthorizeWithCapture: Captured at complete, and the OneTime permission closes when fully captured', async () => {
  const s = await completedCheckout(t, { amount: 2500, intent: 'AuthorizeWithCapture' });
  expect(await charge(String(s.chargeId))).toMatchObject({ statusDetails: { state: 'Captured' }, captureAmount: yen(2500) });
  const p = await permission(String(s.chargePermissionId));
  expect(p.statusDetails.state).toBe('Closed');
  expect(await failure(t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(100) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({
    status: 422,
    reasonCode: 'InvalidChargePermissionStatus',
  });
});

test('cancel an Authorized charge: Canceled/MerchantCanceled with a cancel ledger entry', async () => {
  const s = await completedCheckout(t, { amount: 3000 });
  const c = body<ChargeBody>(await t.client.cancelCharge(String(s.chargeId), { cancellationReason: 'out of stock' }));
  expect(c.statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'MerchantCanceled' });
  expect(await failure(t.client.captureCharge(String(s.chargeId), { captureAmount: yen(3000) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ reasonCode: 'InvalidChargeStatus' });
  const entries = await ledger(t, `?chargeId=${String(s.chargeId)}`);
  expect(entries.map((e) => e.type)).toEqual(['authorization', 'cancel']);
});

test('an authorization expires 30 days after it was made: Canceled/ExpiredUnused', async () => {
  const s = await completedCheckout(t, { amount: 5000 });
  await t.control('POST', '/__sim/clock/advance', { ms: 29 * DAY });
  expect((await charge(String(s.chargeId))).statusDetails.state).toBe('Authorized');
  await t.control('POST', '/__sim/clock/advance', { ms: DAY + 1000 });
  expect((await charge(String(s.chargeId))).statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'ExpiredUnused' });
  const entries = await ledger(t, `?chargeId=${String(s.chargeId)}`);
  expect(entries.find((e) => e.type === 'cancel')).toMatchObject({ reasonCode: 'ExpiredUnused', amount: 5000 });
  // The permission outlives the authorization: re-authorize on it.
  const again = body<ChargeBody>(await t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(5000) }, { 'x-amz-pay-idempotency-key': key() }));
  expect(again.statusDetails.state).toBe('Authorized');
});

test('a capture more than 7 days after authorization is CaptureInitiated, then Captured', async () => {
  const s = await completedCheckout(t, { amount: 7000 });
  await t.control('POST', '/__sim/clock/advance', { ms: 8 * DAY });
  const c = body<ChargeBody>(await t.client.captureCharge(String(s.chargeId), { captureAmount: yen(7000) }, { 'x-amz-pay-idempotency-key': key() }));
  expect(c.statusDetails.state).toBe('CaptureInitiated');
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).find((e) => e.type === 'capture')?.status).toBe('pending');
  await t.control('POST', '/__sim/clock/advance', { ms: 60_000 });
  expect((await charge(String(s.chargeId))).statusDetails.state).toBe('Captured');
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).find((e) => e.type === 'capture')?.status).toBe('completed');
});

test('Confirm intent: a permission without a charge; createCharge on it with amount and currency rules', async () => {
  const s = await completedCheckout(t, { amount: 6000, intent: 'Confirm' });
  expect(s.chargeId).toBeNull();
  const pid = String(s.chargePermissionId);
  expect(await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(6000) }, null))).toMatchObject({ status: 400, reasonCode: 'MissingHeaderValue' });
  expect(await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: { amount: '60.00', currencyCode: 'USD' } }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 400, reasonCode: 'CurrencyMismatch' });
  expect(await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(6001) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  expect(await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(100), captureNow: true, canHandlePendingAuthorization: true }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({
    status: 400,
    reasonCode: 'InvalidParameterCombination',
  });
  expect(await failure(t.client.createCharge({ chargePermissionId: 'S03-9999999-9999999', chargeAmount: yen(100) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
  const c = body<ChargeBody>(await t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(6000), captureNow: true, softDescriptor: 'SHOP' }, { 'x-amz-pay-idempotency-key': key() }));
  expect(c).toMatchObject({ chargePermissionId: pid, statusDetails: { state: 'Captured' } });
  expect(c.chargeId.startsWith(`${pid}-C`)).toBe(true);
});

test('update and close a charge permission; cancelPendingCharges cancels open authorizations', async () => {
  const s = await completedCheckout(t, { amount: 4000 });
  const pid = String(s.chargePermissionId);
  const u = body<PermissionBody & { merchantMetadata: { merchantReferenceId: string } }>(await t.client.updateChargePermission(pid, { merchantMetadata: { merchantReferenceId: 'order-42' } }));
  expect(u.merchantMetadata.merchantReferenceId).toBe('order-42');
  expect(await failure(t.client.updateChargePermission(pid, { chargeAmount: yen(1) }))).toMatchObject({ status: 400, reasonCode: 'UnrecognizedField' });
  const closed = body<PermissionBody>(await t.client.closeChargePermission(pid, { closureReason: 'order canceled', cancelPendingCharges: true }));
  expect(closed.statusDetails).toMatchObject({ state: 'Closed', reasons: [{ reasonCode: 'MerchantClosed' }] });
  expect((await charge(String(s.chargeId))).statusDetails).toMatchObject({ state: 'Canceled', reasonCode: 'ChargePermissionCanceled' });
  expect(await failure(t.client.updateChargePermission(pid, { merchantMetadata: { merchantReferenceId: 'x' } }))).toMatchObject({ status: 422, reasonCode: 'InvalidChargePermissionStatus' });
});

test('a OneTime permission closes 180 days after it was made (Closed/Expired)', async () => {
  const s = await completedCheckout(t, { amount: 1000, intent: 'Confirm' });
  await t.control('POST', '/__sim/clock/advance', { ms: 181 * DAY });
  expect((await permission(String(s.chargePermissionId))).statusDetails).toMatchObject({ state: 'Closed', reasons: [{ reasonCode: 'Expired' }] });
});

test('a Recurring permission has a B03- id and no amount limit', async () => {
  const s = await completedCheckout(t, { amount: 980, intent: 'Authorize', chargePermissionType: 'Recurring' });
  expect(String(s.chargePermissionId)).toMatch(/^B03-\d{7}-\d{7}$/);
  const p = await permission(String(s.chargePermissionId));
  expect(p).toMatchObject({ chargePermissionType: 'Recurring', limits: null });
  for (let i = 0; i < 2; i++) {
    const c = body<ChargeBody>(await t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(980), captureNow: true }, { 'x-amz-pay-idempotency-key': key() }));
    expect(c.statusDetails.state).toBe('Captured');
  }
});

test('USD amounts use cents on the wire and in the ledger (integer minor units)', async () => {
  const s = await completedCheckout(t, { amount: 0, currencyCode: 'USD', intent: 'Authorize' }).catch(() => undefined);
  expect(s).toBeUndefined(); // zero is not a valid amount
  const ok = await completedCheckout(t, { amount: 12.5 as number, currencyCode: 'USD', intent: 'AuthorizeWithCapture' });
  expect((await charge(String(ok.chargeId))).chargeAmount).toEqual({ amount: '12.50', currencyCode: 'USD' });
  expect((await ledger(t, `?chargeId=${String(ok.chargeId)}`))[0]).toMatchObject({ amount: 1250, currency: 'USD' });
});

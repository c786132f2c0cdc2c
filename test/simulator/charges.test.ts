// Charges and charge permissions: authorize, capture (full, partial, over, pending), cancel, 30-day expiry, Confirm + createCharge, close.
import { DAY } from '../../simulator/clock';
import { body, completedCheckout, failure, key, ledger, yen, type ChargeBody, type PermissionBody, useTestSim } from './helpers';

const t = useTestSim();

const charge = async (id: string) => body<ChargeBody>(await t.client.getCharge(id));
const permission = async (id: string) => body<PermissionBody>(await t.client.getChargePermission(id));

test('Authorize: Authorized, then a partial capture; a second capture is InvalidChargeStatus', async () => {
  const s = await completedCheckout(t, { amount: 10000 });
  const id = String(s.chargeId);
  expect((await charge(id)).statusDetails.state).toBe('Authorized');
  const p = await permission(String(s.chargePermissionId));
  // An open authorization does not use up the balance; captures do (see the amountBalance test below).
  expect(p).toMatchObject({ chargePermissionType: 'OneTime', statusDetails: { state: 'Chargeable' }, limits: { amountLimit: yen(10000), amountBalance: yen(10000) } });

  expect(await failure(t.client.captureCharge(id, { captureAmount: yen(10001) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  expect(await failure(t.client.captureCharge(id, { captureAmount: yen(100) }, null))).toMatchObject({ status: 400, reasonCode: 'MissingHeaderValue' });
  expect(await failure(t.client.captureCharge(id, { captureAmount: { amount: '100.00', currencyCode: 'EUR' } }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 400, reasonCode: 'CurrencyMismatch' });
  const captured = body<ChargeBody>(await t.client.captureCharge(id, { captureAmount: yen(8000), softDescriptor: 'SHOP ORDER 1' }, { 'x-amz-pay-idempotency-key': key() }));
  expect(captured).toMatchObject({ statusDetails: { state: 'Captured' }, captureAmount: yen(8000), refundedAmount: yen(0) });
  expect((await permission(String(s.chargePermissionId))).limits).toEqual({ amountLimit: yen(10000), amountBalance: yen(2000) });
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

// Amazon: a one-time Charge Permission lets you "capture up to the total order amount" and is Closed
// "after the total order amount has been captured"; its payment scenarios allow further Create Charge
// calls "as long as the total captured amount does not exceed amountLimit". The limit bounds what is
// captured, so amountBalance is amountLimit less the captured amounts; an open authorization, which may
// still be canceled or expire, leaves it unchanged.
test('amountBalance is the limit less captured amounts: authorizations leave it, captures use it up', async () => {
  const s = await completedCheckout(t, { amount: 1500, intent: 'Confirm' });
  const pid = String(s.chargePermissionId);
  const limits = async () => (await permission(pid)).limits;
  const auth = async (amount: number) => body<ChargeBody>(await t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(amount) }, { 'x-amz-pay-idempotency-key': key() }));
  const first = await auth(1000);
  const second = await auth(1000);
  expect(second.statusDetails.state).toBe('Authorized');
  expect(await limits()).toEqual({ amountLimit: yen(1500), amountBalance: yen(1500) });
  await t.client.captureCharge(first.chargeId, { captureAmount: yen(1000) }, { 'x-amz-pay-idempotency-key': key() });
  expect(await limits()).toEqual({ amountLimit: yen(1500), amountBalance: yen(500) });
  // Capturing the whole second authorization would take captures past the limit.
  expect(await failure(t.client.captureCharge(second.chargeId, { captureAmount: yen(1000) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  expect(await failure(t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(501) }, { 'x-amz-pay-idempotency-key': key() }))).toMatchObject({ status: 422, reasonCode: 'TransactionAmountExceeded' });
  expect((await charge(second.chargeId)).statusDetails.state).toBe('Authorized');
  await t.client.captureCharge(second.chargeId, { captureAmount: yen(500) }, { 'x-amz-pay-idempotency-key': key() });
  const p = await permission(pid);
  expect(p.limits).toEqual({ amountLimit: yen(1500), amountBalance: yen(0) });
  expect(p.statusDetails).toMatchObject({ state: 'Closed', reasons: [{ reasonCode: 'AmazonClosed' }] });
});

// Amazon's one-time payment scenarios: Create Charge "up to 25 times" on the permission, for Confirm
// and after the checkout's own charge for Authorize.
test('a one-time permission takes at most 25 Create Charge calls; the checkout charge and declined attempts do not count', async () => {
  const s = await completedCheckout(t, { amount: 100000, intent: 'Authorize' });
  const pid = String(s.chargePermissionId);
  const create = (headers: Record<string, string> = {}) => t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(100) }, { 'x-amz-pay-idempotency-key': key(), ...headers });
  expect(await failure(create({ 'x-amz-pay-simulation-code': 'SoftDeclined' }))).toMatchObject({ status: 422, reasonCode: 'SoftDeclined' });
  for (let i = 0; i < 25; i++) expect((await create()).status).toBe(201);
  const f = await failure(create());
  expect(f).toMatchObject({ status: 422, reasonCode: 'TransactionCountExceeded' });
  expect(f.message).toMatch(/25/);
  // Canceling one (here the checkout's charge) does not give a slot back.
  await t.client.cancelCharge(String(s.chargeId), { cancellationReason: 'test' });
  expect(await failure(create())).toMatchObject({ status: 422, reasonCode: 'TransactionCountExceeded' });
  expect((await permission(pid)).statusDetails.state).toBe('Chargeable');
});

test('a charge lists all four merchantMetadata keys, null when unset, as the session and permission do', async () => {
  const s = await completedCheckout(t, { amount: 2000, intent: 'Confirm' });
  const pid = String(s.chargePermissionId);
  const bare = body<ChargeBody & { merchantMetadata: unknown }>(await t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(500) }, { 'x-amz-pay-idempotency-key': key() }));
  const none = { merchantReferenceId: null, merchantStoreName: null, noteToBuyer: null, customInformation: null };
  expect(bare.merchantMetadata).toEqual(none);
  expect(body<{ merchantMetadata: unknown }>(await t.client.getCharge(bare.chargeId)).merchantMetadata).toEqual(none);
  const some = body<ChargeBody & { merchantMetadata: unknown }>(
    await t.client.createCharge({ chargePermissionId: pid, chargeAmount: yen(500), merchantMetadata: { merchantReferenceId: 'order-7' } }, { 'x-amz-pay-idempotency-key': key() }),
  );
  expect(some.merchantMetadata).toEqual({ ...none, merchantReferenceId: 'order-7' });
  expect(Object.keys(body<{ merchantMetadata: object }>(await t.client.getChargePermission(pid)).merchantMetadata).sort()).toEqual(Object.keys(none).sort());
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

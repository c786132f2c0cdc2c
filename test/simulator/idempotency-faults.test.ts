// Idempotency keys (replay, DuplicateIdempotencyKey) and injected transport faults, including commit-then-drop + retry.
import { body, completedCheckout, failure, key, ledger, yen, type ChargeBody, type RefundBody, useTestSim } from './helpers';

const t = useTestSim({}, { resetFaults: true });

test('same key and body replays the saved response with no second effect', async () => {
  const s = await completedCheckout(t, { amount: 9000, intent: 'Confirm' });
  const k = key();
  const payload = { chargePermissionId: s.chargePermissionId, chargeAmount: yen(4000) };
  const a = body<ChargeBody>(await t.client.createCharge(payload, { 'x-amz-pay-idempotency-key': k }));
  const b = body<ChargeBody>(await t.client.createCharge(payload, { 'x-amz-pay-idempotency-key': k }));
  expect(b).toEqual(a);
  expect((await ledger(t, `?chargePermissionId=${String(s.chargePermissionId)}`)).filter((e) => e.type === 'authorization')).toHaveLength(1);
});

test('same key with a different body is 400 DuplicateIdempotencyKey and changes nothing', async () => {
  const s = await completedCheckout(t, { amount: 9000, intent: 'Confirm' });
  const k = key();
  await t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(4000) }, { 'x-amz-pay-idempotency-key': k });
  const f = await failure(t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(4001) }, { 'x-amz-pay-idempotency-key': k }));
  expect(f).toMatchObject({ status: 400, reasonCode: 'DuplicateIdempotencyKey' });
  expect((await ledger(t, `?chargePermissionId=${String(s.chargePermissionId)}`)).filter((e) => e.type === 'authorization')).toHaveLength(1);
  expect(await failure(t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(1) }, { 'x-amz-pay-idempotency-key': 'not valid!' }))).toMatchObject({ status: 400, reasonCode: 'InvalidHeaderValue' });
  expect(await failure(t.client.createCharge({ chargePermissionId: s.chargePermissionId, chargeAmount: yen(1) }, { 'x-amz-pay-idempotency-key': 'x'.repeat(33) }))).toMatchObject({ status: 400, reasonCode: 'InvalidHeaderValue' });
});

test.each([
  [500, 'InternalServerError'],
  [503, 'ServiceUnavailable'],
  [429, 'TooManyRequests'],
])('HTTP %i fault answers %s for `count` calls and commits nothing', async (status, code) => {
  const s = await completedCheckout(t, { amount: 2000, intent: 'AuthorizeWithCapture' });
  await t.control('POST', '/__sim/faults', { operation: 'createRefund', kind: 'error', status, count: 2 });
  const k = key();
  const call = () => t.client.createRefund({ chargeId: s.chargeId, refundAmount: yen(500) }, { 'x-amz-pay-idempotency-key': k });
  expect(await failure(call())).toMatchObject({ status, reasonCode: code });
  expect(await failure(call())).toMatchObject({ status, reasonCode: code });
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).filter((e) => e.type === 'refund')).toHaveLength(0);
  expect((await call()).status).toBe(201);
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).filter((e) => e.type === 'refund')).toHaveLength(1);
});

test('commit then drop: the refund is made, the response lost; the retry with the same key replays it (one ledger entry)', async () => {
  const s = await completedCheckout(t, { amount: 2000, intent: 'AuthorizeWithCapture' });
  await t.control('POST', '/__sim/faults', { operation: 'createRefund', kind: 'commitThenDrop' });
  const k = key();
  const call = () => t.client.createRefund({ chargeId: s.chargeId, refundAmount: yen(700) }, { 'x-amz-pay-idempotency-key': k });
  const lost = await call().then(
    () => undefined,
    (err: { code?: string; response?: unknown }) => err,
  );
  expect(lost?.response).toBeUndefined();
  expect(lost?.code).toMatch(/ECONNRESET|ERR_BAD_RESPONSE|EPIPE|socket hang up/);
  const entries = (await ledger(t, `?chargeId=${String(s.chargeId)}`)).filter((e) => e.type === 'refund');
  expect(entries).toHaveLength(1);
  const retried = body<RefundBody>(await call());
  expect(retried.refundId).toBe(entries[0].refundId);
  const after = (await ledger(t, `?chargeId=${String(s.chargeId)}`)).filter((e) => e.type === 'refund');
  expect(after).toHaveLength(1);
  expect(after[0].idempotencyKey).toBe(k);
});

test('commit then drop on capture, retried: exactly one capture', async () => {
  const s = await completedCheckout(t, { amount: 2000 });
  await t.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'commitThenDrop' });
  const k = key();
  const call = () => t.client.captureCharge(String(s.chargeId), { captureAmount: yen(2000) }, { 'x-amz-pay-idempotency-key': k });
  await expect(call()).rejects.toBeDefined();
  expect(body<ChargeBody>(await call()).statusDetails.state).toBe('Captured');
  expect((await ledger(t, `?chargeId=${String(s.chargeId)}`)).filter((e) => e.type === 'capture')).toHaveLength(1);
});

test('latency and timeout faults', async () => {
  const s = await completedCheckout(t, { amount: 2000 });
  await t.control('POST', '/__sim/faults', { operation: 'getCharge', kind: 'latency', latencyMs: 300 });
  const started = Date.now();
  await t.client.getCharge(String(s.chargeId));
  expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  await t.control('POST', '/__sim/faults', { operation: 'getCharge', kind: 'timeout', latencyMs: 200 });
  const err = await t.client.getCharge(String(s.chargeId)).then(
    () => undefined,
    (e: { response?: unknown }) => e,
  );
  expect(err).toBeDefined();
  expect(err?.response).toBeUndefined();
  const list = await t.control<{ faults: unknown[] }>('GET', '/__sim/faults');
  expect(list.data.faults).toHaveLength(0);
  expect((await t.control('POST', '/__sim/faults', { operation: 'getCharge', kind: 'explode' })).status).toBe(400);
});

test('fault specs accept common spellings (type/mode, commit-then-drop, delayMs, times)', async () => {
  const r = await t.control<{ faults: { kind: string; operation: string; remaining: number; latencyMs?: number }[] }>('POST', '/__sim/faults', [
    { operation: 'getCharge', type: 'http', status: 503 },
    { operation: 'createRefund', mode: 'commit-then-drop', times: 2 },
    { operation: 'getRefund', kind: 'delay', delayMs: 10 },
  ]);
  expect(r.status).toBe(201);
  expect(r.data.faults.map((f) => [f.operation, f.kind, f.remaining])).toEqual([
    ['getCharge', 'error', 1],
    ['createRefund', 'commitThenDrop', 2],
    ['getRefund', 'latency', 1],
  ]);
  expect(await failure(t.client.getCharge('S03-0000000-0000000-C000000'))).toMatchObject({ status: 503, reasonCode: 'ServiceUnavailable' });
});

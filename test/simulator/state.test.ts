// Ports, restarts and control: port 0, the snapshot and certificate kept in dataDir across restarts, reset, ledger shape.
import { createAmazonPayClient } from '../../lib/amazon-pay-client';
import { startSimulator } from '../../simulator/index';
import { loadOrCreateDevMerchant } from '../../simulator/dev-merchant';
import { statSync } from 'node:fs';
import path from 'node:path';
import { body, clientConfig, completedCheckout, failure, key, ledger, yen, type ChargeBody, useTestSim } from './helpers';

const t = useTestSim({ clock: 'real' });

test('port 0 reports the real port; the dev merchant file is private and has realistic ids', () => {
  expect(t.sim.port).toBeGreaterThan(0);
  expect(t.sim.address).toBe(`127.0.0.1:${t.sim.port}`);
  expect(t.sim.baseUrl).toBe(`https://127.0.0.1:${t.sim.port}`);
  expect(t.merchant.merchantId).toMatch(/^A[A-Z0-9]{13}$/);
  expect(t.merchant.storeId).toMatch(/^amzn1\.application-oa2-client\.[0-9a-f]{32}$/);
  expect(t.merchant.publicKeyId).toMatch(/^SANDBOX-[A-Z0-9]{24}$/);
  expect(statSync(path.join(t.dataDir, 'simulator', 'merchant.json')).mode & 0o777).toBe(0o600);
  expect(loadOrCreateDevMerchant(t.dataDir)).toEqual(t.merchant);
});

test('a restart on the same dataDir keeps objects, keys, ledger and certificate', async () => {
  const s = await completedCheckout(t, { amount: 4321 });
  const k = key();
  await t.client.captureCharge(String(s.chargeId), { captureAmount: yen(4321) }, { 'x-amz-pay-idempotency-key': k });
  const before = await ledger(t);
  const ca = t.sim.caCertPem;
  await t.sim.close();

  const again = await startSimulator({ port: 0, dataDir: t.dataDir, logLevel: 'silent' });
  try {
    expect(again.caCertPem).toBe(ca);
    const client = createAmazonPayClient(clientConfig(again, t.merchant), { simulatorCaPem: again.caCertPem });
    expect(body<ChargeBody>(await client.getCharge(String(s.chargeId))).statusDetails.state).toBe('Captured');
    // The idempotency key survived: the replay answers without a second capture.
    expect((await client.captureCharge(String(s.chargeId), { captureAmount: yen(4321) }, { 'x-amz-pay-idempotency-key': k })).status).toBe(200);
    expect(again.core.ledger).toEqual(before);
  } finally {
    await again.close();
  }
  t.sim = await startSimulator({ port: 0, dataDir: t.dataDir, logLevel: 'silent' });
  t.client = createAmazonPayClient(clientConfig(t.sim, t.merchant), { simulatorCaPem: t.sim.caCertPem });
});

test('ledger entries carry type, amount in minor units, currency, ids, idempotency key and time', async () => {
  const k = key();
  const s = await completedCheckout(t, { amount: 1000, intent: 'AuthorizeWithCapture' });
  await t.client.createRefund({ chargeId: s.chargeId, refundAmount: yen(400) }, { 'x-amz-pay-idempotency-key': k });
  const entries = await ledger(t, `?chargeId=${String(s.chargeId)}`);
  expect(entries.map((e) => e.type)).toEqual(['authorization', 'capture', 'refund']);
  expect(entries[2]).toMatchObject({ amount: 400, currency: 'JPY', chargeId: s.chargeId, idempotencyKey: k, status: 'pending' });
  expect(typeof entries[2].refundId).toBe('string');
  expect(Date.parse(String((entries[2] as unknown as { at: string }).at))).not.toBeNaN();
});

test('reset forgets objects but keeps merchants; unknown control paths and bad control input are rejected', async () => {
  const s = await completedCheckout(t, { amount: 1000 });
  expect((await t.control('POST', '/__sim/reset', {})).status).toBe(200);
  expect(await ledger(t)).toEqual([]);
  expect(await failure(t.client.getCharge(String(s.chargeId)))).toMatchObject({ status: 404 });
  expect((await t.control('POST', '/__sim/clock/advance', { ms: -1 })).status).toBe(400);
  expect((await t.control('GET', '/__sim/nothing')).status).toBe(404);
  expect((await t.control('POST', '/__sim/merchants', { merchantId: 'lower' })).status).toBe(400);
});

test('in real-clock mode pending states resolve by themselves', async () => {
  await t.control('POST', '/__sim/delays', { pendingAuthorizationMs: 300 });
  const s = await completedCheckout(t, { simulationCode: 'PendingAuthorization', canHandlePendingAuthorization: true });
  expect(body<ChargeBody>(await t.client.getCharge(String(s.chargeId))).statusDetails.state).toBe('AuthorizationInitiated');
  await new Promise((r) => setTimeout(r, 700));
  expect(t.sim.core.charges.get(String(s.chargeId))?.state).toBe('Authorized');
});

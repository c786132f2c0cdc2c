// IPNs: SNS-format messages verified the standard SNS way (SignatureVersion 1 and 2), retries, and drop/duplicate/delay/reorder controls.
import { createVerify, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { registerMerchant } from '../../simulator/dev-merchant';
import { body, completedCheckout, key, startTestSim, yen, type TestSim } from './helpers';

interface Envelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

let t: TestSim;
let receiver: http.Server;
let url: string;
const received: { env: Envelope; contentType: string }[] = [];
let failNext = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end();
        return;
      }
      received.push({ env: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope, contentType: String(req.headers['content-type']) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ipn`;
  t = await startTestSim({ ipnRetryDelaysMs: [50, 100, 200] }, url);
});
afterAll(async () => {
  await t.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
  failNext = 0;
});

async function waitFor(pred: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fetchCert(certUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(certUrl, { ca: t.sim.caCertPem }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** AWS's documented method: build "Key\nValue\n" pairs in order, verify with the cert from SigningCertURL. */
async function verifySns(e: Envelope): Promise<boolean> {
  const certUrl = new URL(e.SigningCertURL);
  if (certUrl.protocol !== 'https:' || certUrl.host !== t.sim.address) return false;
  const keys = e.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const fields = e as unknown as Record<string, string | undefined>;
  let sts = '';
  for (const k of keys) if (fields[k] !== undefined) sts += `${k}\n${fields[k]}\n`;
  const cert = new X509Certificate(await fetchCert(e.SigningCertURL));
  const alg = e.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
  return createVerify(alg).update(sts, 'utf8').verify(cert.publicKey, e.Signature, 'base64');
}

test.each(['1', '2'] as const)('SignatureVersion %s notifications verify with the standard SNS method', async (version) => {
  await registerMerchant(t.sim, t.merchant, url, { ipnSignatureVersion: version });
  const s = await completedCheckout(t, { amount: 1200, intent: 'AuthorizeWithCapture' });
  await waitFor(() => received.some((r) => JSON.parse(r.env.Message).ObjectId === s.chargeId));
  const r = received.find((x) => JSON.parse(x.env.Message).ObjectId === s.chargeId);
  expect(r?.contentType).toMatch(/^text\/plain/);
  const e = r!.env;
  expect(e).toMatchObject({ Type: 'Notification', SignatureVersion: version });
  expect(JSON.parse(e.Message)).toMatchObject({
    MerchantID: t.merchant.merchantId,
    ObjectType: 'CHARGE',
    ObjectId: s.chargeId,
    ChargePermissionId: s.chargePermissionId,
    NotificationType: 'STATE_CHANGE',
    NotificationVersion: 'V2',
  });
  expect(await verifySns(e)).toBe(true);
  expect(await verifySns({ ...e, Message: e.Message.replace('CHARGE', 'REFUND') })).toBe(false);
});

test('a refund settling sends a REFUND notification; a failing receiver is retried with backoff', async () => {
  const s = await completedCheckout(t, { amount: 1200, intent: 'AuthorizeWithCapture' });
  await waitFor(() => received.length > 0);
  received.length = 0;
  failNext = 2;
  const refund = body<{ refundId: string }>(await t.client.createRefund({ chargeId: s.chargeId, refundAmount: yen(1200) }, { 'x-amz-pay-idempotency-key': key() }));
  await waitFor(() => received.some((r) => JSON.parse(r.env.Message).ObjectId === refund.refundId));
  const deliveries = await t.control<{ deliveries: { objectId: string; attempts: number; status: string }[] }>('GET', '/__sim/ipn');
  expect(deliveries.data.deliveries.find((d) => d.objectId === refund.refundId)).toMatchObject({ attempts: 3, status: 'delivered' });
  received.length = 0;
  await t.control('POST', '/__sim/clock/advance', { ms: 10 * 60_000 });
  await waitFor(() => received.length >= 1);
  expect(JSON.parse(received[0].env.Message)).toMatchObject({ ObjectType: 'REFUND', ObjectId: refund.refundId });
});

test('controls: drop, duplicate, delay and reorder', async () => {
  const s = await completedCheckout(t, { amount: 5000 });
  await waitFor(() => received.length > 0);
  const cid = String(s.chargeId);
  const ids = () => received.map((r) => JSON.parse(r.env.Message) as { ObjectId: string; NotificationId: string });

  received.length = 0;
  await t.control('POST', '/__sim/ipn/controls', { action: 'drop' });
  await t.client.captureCharge(cid, { captureAmount: yen(1000) }, { 'x-amz-pay-idempotency-key': key() });
  await new Promise((r) => setTimeout(r, 200));
  expect(received).toHaveLength(0);

  await t.control('POST', '/__sim/ipn/controls', { action: 'duplicate' });
  const r1 = body<{ refundId: string }>(await t.client.createRefund({ chargeId: cid, refundAmount: yen(100) }, { 'x-amz-pay-idempotency-key': key() }));
  await waitFor(() => received.length >= 2);
  expect(ids().map((m) => m.ObjectId)).toEqual([r1.refundId, r1.refundId]);
  expect(new Set(ids().map((m) => m.NotificationId)).size).toBe(1);

  received.length = 0;
  await t.control('POST', '/__sim/ipn/controls', { action: 'delay', delayMs: 400 });
  const started = Date.now();
  await t.client.createRefund({ chargeId: cid, refundAmount: yen(100) }, { 'x-amz-pay-idempotency-key': key() });
  await waitFor(() => received.length >= 1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(380);

  received.length = 0;
  await t.control('POST', '/__sim/ipn/controls', { action: 'reorder', count: 2 });
  const a = body<{ refundId: string }>(await t.client.createRefund({ chargeId: cid, refundAmount: yen(10) }, { 'x-amz-pay-idempotency-key': key() }));
  const b = body<{ refundId: string }>(await t.client.createRefund({ chargeId: cid, refundAmount: yen(20) }, { 'x-amz-pay-idempotency-key': key() }));
  await waitFor(() => received.length >= 2);
  expect(ids().map((m) => m.ObjectId)).toEqual([b.refundId, a.refundId]);
});

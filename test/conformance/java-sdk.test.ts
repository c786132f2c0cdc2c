// Amazon's official Java SDK (Maven Central, unmodified, no header overrides) against the simulator:
// one JVM runs a scripted lifecycle (test/conformance/java) and prints one JSON line per case; each
// case's status and body is judged here. The SDK and the compiled driver are cached (lib/tools.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildJavaConformance, JAVA_SDK_VERSION } from '../../lib/tools';
import { startTestSim, yen, type TestSim } from '../simulator/helpers';

const run = promisify(execFile);

interface CaseLine {
  case: string;
  status: number;
  body: Record<string, any>;
  method?: string;
  path?: string | null;
  signedHost?: string | null;
}

let t: TestSim;
let work: string;
const cases = new Map<string, CaseLine>();
let stdout = '';
let stderr = '';

/** The recorded case, failing with the driver's output when it is missing (the JVM stopped early). */
function c(name: string): CaseLine {
  const line = cases.get(name);
  if (!line) throw new Error(`case ${name} was not reported by the Java driver.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  return line;
}

beforeAll(async () => {
  const build = await buildJavaConformance(undefined, (msg) => console.log(`[conformance] ${msg}`));
  t = await startTestSim();
  work = mkdtempSync(path.join(os.tmpdir(), 'java-sdk-conformance-'));
  const keyFile = path.join(work, 'merchant-private-key.pem');
  writeFileSync(keyFile, t.merchant.privateKeyPem, { mode: 0o600 });
  // The JVM trusts the simulator's self-signed certificate through the standard trust store properties.
  const caFile = path.join(work, 'simulator-ca.pem');
  writeFileSync(caFile, t.sim.caCertPem);
  const trustStore = path.join(work, 'truststore.p12');
  const storePass = randomBytes(12).toString('hex');
  await run('keytool', ['-importcert', '-noprompt', '-alias', 'amazon-pay-simulator', '-file', caFile, '-keystore', trustStore, '-storetype', 'PKCS12', '-storepass', storePass], { timeout: 60_000 });
  try {
    // Asynchronous: the simulator answers from this process while the JVM runs.
    const out = await run(
      'java',
      [
        `-Djavax.net.ssl.trustStore=${trustStore}`,
        `-Djavax.net.ssl.trustStorePassword=${storePass}`,
        '-Djavax.net.ssl.trustStoreType=PKCS12',
        '-cp',
        build.classpath,
        build.mainClass,
        t.sim.address,
        t.merchant.publicKeyId,
        keyFile,
        t.merchant.storeId,
      ],
      { timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    stdout = out.stdout;
    stderr = out.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    stdout = e.stdout ?? '';
    stderr = e.stderr ?? String(err);
  }
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    const line = JSON.parse(text) as CaseLine;
    cases.set(line.case, line);
  }
}, 20 * 60_000);

afterAll(async () => {
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const NO_METADATA = { merchantReferenceId: null, merchantStoreName: null, noteToBuyer: null, customInformation: null };

test(`the driver ran Amazon's Java SDK ${JAVA_SDK_VERSION} through every case`, () => {
  expect(c('sdk').body.version).toBe(JAVA_SDK_VERSION);
  expect(c('done')).toBeDefined();
});

test('the SDK, unmodified, signs x-amz-pay-host as the bare host, and the simulator accepts it', () => {
  const create = c('session.create');
  expect(create.signedHost).toBe('127.0.0.1');
  expect(create.status).toBe(201);
});

test('a checkout session: create, get, update, complete', () => {
  const created = c('session.create');
  expect(created.body).toMatchObject({ statusDetails: { state: 'Open' }, chargePermissionId: null, releaseEnvironment: 'Sandbox' });
  expect(created.body.constraints.map((x: { constraintId: string }) => x.constraintId)).toContain('BuyerNotAssociated');
  const id = created.body.checkoutSessionId as string;
  expect(c('session.get')).toMatchObject({ status: 200, method: 'GET', path: `/v2/checkoutSessions/${id}`, body: { checkoutSessionId: id, buyer: { buyerId: expect.any(String) } } });
  const updated = c('session.update');
  expect(updated).toMatchObject({ status: 200, method: 'PATCH', body: { constraints: [], paymentDetails: { paymentIntent: 'Authorize', chargeAmount: yen(10000) } } });
  expect(updated.body.webCheckoutDetails.amazonPayRedirectUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/buyer\/pay\?/);
  expect(updated.body.merchantMetadata).toEqual({ ...NO_METADATA, merchantReferenceId: 'java-order-1' });
  const done = c('session.complete');
  expect(done).toMatchObject({ status: 200, method: 'POST', body: { checkoutSessionId: id, statusDetails: { state: 'Completed' } } });
  expect(done.body.chargePermissionId).toMatch(/^S03-\d{7}-\d{7}$/);
  expect(done.body.chargeId).toMatch(/^S03-\d{7}-\d{7}-C\d{6}$/);
});

test('the charge permission: get and update; amountBalance is the limit less captured amounts', () => {
  const pid = c('session.complete').body.chargePermissionId as string;
  expect(c('permission.get')).toMatchObject({
    status: 200,
    body: { chargePermissionId: pid, chargePermissionType: 'OneTime', statusDetails: { state: 'Chargeable' }, limits: { amountLimit: yen(10000), amountBalance: yen(10000) } },
  });
  expect(c('permission.update')).toMatchObject({ status: 200, body: { merchantMetadata: { ...NO_METADATA, merchantReferenceId: 'java-order-1', noteToBuyer: 'Thank you' } } });
  expect(c('permission.after-partial-capture').body).toMatchObject({ statusDetails: { state: 'Chargeable' }, limits: { amountLimit: yen(10000), amountBalance: yen(4000) } });
});

test('charges: get, capture over the amount, partial and full captures, cancel with a reason', () => {
  const cid = c('session.complete').body.chargeId as string;
  expect(c('charge.get')).toMatchObject({ status: 200, body: { chargeId: cid, statusDetails: { state: 'Authorized' }, chargeAmount: yen(10000), captureAmount: null } });
  // The checkout's charge carries the session's metadata, with the unset keys listed as null.
  expect(c('charge.get').body.merchantMetadata).toEqual({ ...NO_METADATA, merchantReferenceId: 'java-order-1' });
  expect(c('charge.capture-over')).toMatchObject({ status: 422, body: { reasonCode: 'TransactionAmountExceeded' } });
  expect(c('charge.capture-partial')).toMatchObject({ status: 200, body: { statusDetails: { state: 'Captured' }, captureAmount: yen(6000), refundedAmount: yen(0), softDescriptor: 'JAVA SHOP' } });
  expect(c('charge.capture-full')).toMatchObject({ status: 200, body: { statusDetails: { state: 'Captured' }, captureAmount: yen(3000) } });
  expect(c('permission.closed-when-captured').body).toMatchObject({ statusDetails: { state: 'Closed', reasons: [{ reasonCode: 'AmazonClosed' }] }, limits: { amountBalance: yen(0) } });
  expect(c('charge.cancel')).toMatchObject({ status: 200, method: 'DELETE', body: { statusDetails: { state: 'Canceled', reasonCode: 'MerchantCanceled' } } });
  expect(c('charge.capture-canceled')).toMatchObject({ status: 422, body: { reasonCode: 'InvalidChargeStatus' } });
});

test('refunds: partial, repeated, over the cap; getRefund (its path ends in a slash) pending, then refunded', () => {
  const first = c('refund.create-partial');
  expect(first).toMatchObject({ status: 201, body: { refundAmount: yen(2000), statusDetails: { state: 'RefundInitiated' } } });
  const rid = first.body.refundId as string;
  const pending = c('refund.get-pending');
  expect(pending.path).toBe(`/v2/refunds/${rid}/`);
  expect(pending).toMatchObject({ status: 200, body: { refundId: rid, statusDetails: { state: 'RefundInitiated' } } });
  expect(c('refund.create-repeated')).toMatchObject({ status: 201, body: { refundAmount: yen(3000) } });
  expect(c('refund.create-over-cap')).toMatchObject({ status: 422, body: { reasonCode: 'TransactionAmountExceeded' } });
  expect(c('refund.get-refunded')).toMatchObject({ status: 200, body: { refundId: rid, statusDetails: { state: 'Refunded' } } });
  expect(c('charge.after-refunds').body).toMatchObject({ captureAmount: yen(6000), refundedAmount: yen(5000) });
});

test('a charge created on a Confirm permission, then the permission closed', () => {
  expect(c('permission.create-charge')).toMatchObject({ status: 201, body: { statusDetails: { state: 'Captured' }, captureAmount: yen(1000), merchantMetadata: NO_METADATA } });
  expect(c('permission.close')).toMatchObject({ status: 200, method: 'DELETE', body: { statusDetails: { state: 'Closed', reasons: [{ reasonCode: 'MerchantClosed', reasonDescription: 'Order complete' }] } } });
  expect(c('permission.charge-after-close')).toMatchObject({ status: 422, body: { reasonCode: 'InvalidChargePermissionStatus' } });
});

test('a one-time (Confirm) permission takes 25 Create Charge calls and refuses the 26th', () => {
  expect(c('permission.charges-1-to-25').body.created).toBe(25);
  expect(c('permission.charge-26')).toMatchObject({ status: 422, body: { reasonCode: 'TransactionCountExceeded' } });
});

test('idempotency: the same key and body replays the saved charge; a different body is DuplicateIdempotencyKey', () => {
  const first = c('permission.create-charge');
  expect(c('idempotency.same-body')).toMatchObject({ status: 201, body: { chargeId: first.body.chargeId } });
  expect(c('idempotency.different-body')).toMatchObject({ status: 400, body: { reasonCode: 'DuplicateIdempotencyKey' } });
});

test('simulation codes through the SDK header map', () => {
  expect(c('simulation.soft-declined')).toMatchObject({ status: 422, body: { reasonCode: 'SoftDeclined' } });
  expect(c('simulation.capture-initiated')).toMatchObject({ status: 200, body: { statusDetails: { state: 'CaptureInitiated' } } });
  expect(c('simulation.refund-declined')).toMatchObject({ status: 200, body: { statusDetails: { state: 'Declined' } } });
  expect(c('simulation.hard-declined')).toMatchObject({ status: 422, body: { reasonCode: 'HardDeclined' } });
  expect(c('simulation.hard-declined-permission').body).toMatchObject({ statusDetails: { state: 'NonChargeable', reasons: [{ reasonCode: 'PaymentMethodInvalid' }] } });
});

test('unknown ids are 404 ResourceNotFound', () => {
  for (const name of ['unknown.session', 'unknown.permission', 'unknown.charge', 'unknown.refund']) {
    expect(c(name)).toMatchObject({ status: 404, body: { reasonCode: 'ResourceNotFound' } });
  }
});

test('signatures: the SDK signer untouched verifies; a flipped signature, a changed body or another key is 403', () => {
  expect(c('signature.untampered')).toMatchObject({ status: 404, body: { reasonCode: 'ResourceNotFound' } });
  expect(c('signature.default-algorithm')).toMatchObject({ status: 404, body: { reasonCode: 'ResourceNotFound' } });
  for (const name of ['signature.tampered', 'signature.tampered-body', 'signature.wrong-key']) {
    expect(c(name)).toMatchObject({ status: 403, body: { reasonCode: 'InvalidRequestSignature' } });
  }
  const tampered = [...t.sim.core.sessions.values()].filter((s) => JSON.stringify(s).includes('shop.example/tamper'));
  expect(tampered).toEqual([]);
});

// The SDK's NODE_TLS_REJECT_UNAUTHORIZED=0 is contained: other HTTPS stays verified, and the SDK trusts only the simulator's CA.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';
import { createAmazonPayClient } from '../../lib/amazon-pay-client';
import { clientConfig, startTestSim, type TestSim } from './helpers';

let t: TestSim;
let bad: https.Server;
let badUrl: string;
let badCert: string;

beforeAll(async () => {
  t = await startTestSim();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  badCert = pems.cert;
  bad = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('should not be reachable'));
  await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
  badUrl = `https://127.0.0.1:${(bad.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await t.stop();
  await new Promise<void>((resolve) => bad.close(() => resolve()));
});

function get(url: string, agent?: https.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
      })
      .on('error', (e: NodeJS.ErrnoException) => reject(e));
  });
}

const TLS_ERROR = /SELF_SIGNED|UNABLE_TO_VERIFY|self[- ]signed|unable to verify/i;

test('after SDK calls, TLS verification is still on for every other connection', async () => {
  const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const r = await t.client.getCheckoutSession('00000000-0000-4000-8000-000000000000').catch((e: { response?: { status: number } }) => e.response);
  expect(r?.status).toBe(404); // the call reached the simulator over verified TLS
  expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBe(before);
  await expect(get(badUrl)).rejects.toMatchObject({ code: expect.stringMatching(TLS_ERROR) });
  await expect(fetch(badUrl)).rejects.toThrow();
});

test('even while an SDK call is in flight, another HTTPS request is refused', async () => {
  await t.control('POST', '/__sim/faults', { operation: 'getCharge', kind: 'latency', latencyMs: 300 });
  const inFlight = t.client.getCharge('S03-0000000-0000000-C000000').catch(() => undefined);
  await expect(get(badUrl)).rejects.toMatchObject({ code: expect.stringMatching(TLS_ERROR) });
  await inFlight;
});

test("axios (the SDK's own instance) still verifies requests to other hosts", async () => {
  const sdkDir = path.dirname(require.resolve('@amazonpay/amazon-pay-api-sdk-nodejs/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's private axios, by its resolved path
  const axios = require(require.resolve('axios', { paths: [sdkDir] })) as { get(url: string): Promise<unknown> };
  await expect(axios.get(badUrl)).rejects.toMatchObject({ code: expect.stringMatching(TLS_ERROR) });
});

test('the SDK client trusts only the CA it was given', async () => {
  const wrong = createAmazonPayClient(clientConfig(t.sim, t.merchant), { simulatorCaPem: badCert });
  await expect(wrong.getCheckoutSession('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: expect.stringMatching(TLS_ERROR) });
  expect(() => createAmazonPayClient(clientConfig(t.sim, t.merchant))).toThrow(/certificate/);
  // Clients are independent: the first one still trusts the simulator.
  const ok = await t.client.getCheckoutSession('00000000-0000-4000-8000-000000000000').catch((e: { response?: { status: number } }) => e.response);
  expect(ok?.status).toBe(404);
});

// Request and button signatures: both algorithms, wrong key, tampered body, stale date, missing header, unknown key id.
import { generateKeyPairSync } from 'node:crypto';
import { createAmazonPayClient } from '../../lib/amazon-pay-client';
import { body, clientConfig, failure, key, type SessionBody, useTestSim } from './helpers';
import { rawCall, signedHeaders } from './raw-request';

const t = useTestSim();

const sessionPayload = () => ({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: t.merchant.storeId });

test.each(['AMZN-PAY-RSASSA-PSS', 'AMZN-PAY-RSASSA-PSS-V2'] as const)('the SDK signing with %s is accepted', async (alg) => {
  const client = createAmazonPayClient(clientConfig(t.sim, t.merchant, alg), { simulatorCaPem: t.sim.caCertPem });
  const r = await client.createCheckoutSession(sessionPayload(), { 'x-amz-pay-idempotency-key': key() });
  expect(r.status).toBe(201);
  const s = body<SessionBody>(r);
  expect(s.statusDetails.state).toBe('Open');
  const got = await client.getCheckoutSession(s.checkoutSessionId);
  expect(body<SessionBody>(got).checkoutSessionId).toBe(s.checkoutSessionId);
});

test('a request signed with another private key is rejected with 403 InvalidRequestSignature', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const client = createAmazonPayClient(clientConfig(t.sim, { publicKeyId: t.merchant.publicKeyId, privateKeyPem: other.privateKey }), { simulatorCaPem: t.sim.caCertPem });
  const f = await failure(client.createCheckoutSession(sessionPayload(), { 'x-amz-pay-idempotency-key': key() }));
  expect(f).toMatchObject({ status: 403, reasonCode: 'InvalidRequestSignature' });
  expect(f.message).toMatch(/^Unable to verify signature, signing String \[AMZN-PAY-RSASSA-PSS-V2\n[0-9a-f]{64}\] , signature \[/);
});

test('an unknown public key id is 401 UnauthorizedAccess', async () => {
  const client = createAmazonPayClient(clientConfig(t.sim, { publicKeyId: 'SANDBOX-UNKNOWNKEY0000000000000', privateKeyPem: t.merchant.privateKeyPem }), { simulatorCaPem: t.sim.caCertPem });
  const f = await failure(client.getCharge('S03-0000000-0000000-C000000'));
  expect(f).toMatchObject({ status: 401, reasonCode: 'UnauthorizedAccess' });
});

describe('raw requests', () => {
  const base = () => ({ publicKeyId: t.merchant.publicKeyId, privateKeyPem: t.merchant.privateKeyPem, host: t.sim.address });

  test('an independently built canonical request verifies (the rules are the documented ones)', async () => {
    const payload = JSON.stringify(sessionPayload());
    const h = signedHeaders({ ...base(), method: 'POST', path: '/v2/checkoutSessions', body: payload, headers: { 'x-amz-pay-idempotency-key': key() } });
    const r = await rawCall(t.sim, 'POST', '/v2/checkoutSessions', h, payload);
    expect(r.status).toBe(201);
  });

  test('a tampered body is 403 InvalidRequestSignature and creates nothing', async () => {
    const payload = JSON.stringify(sessionPayload());
    const h = signedHeaders({ ...base(), method: 'POST', path: '/v2/checkoutSessions', body: payload, headers: { 'x-amz-pay-idempotency-key': key() } });
    const before = t.sim.core.sessions.size;
    const r = await rawCall(t.sim, 'POST', '/v2/checkoutSessions', h, payload.replace('review', 'reviex'));
    expect(r).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
    expect(t.sim.core.sessions.size).toBe(before);
  });

  test('a stale x-amz-pay-date (20 min) is rejected even though correctly signed', async () => {
    const h = signedHeaders({ ...base(), method: 'GET', path: '/v2/charges/S03-1111111-1111111-C111111', date: new Date(Date.now() - 20 * 60_000) });
    const r = await rawCall(t.sim, 'GET', '/v2/charges/S03-1111111-1111111-C111111', h);
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'InvalidHeaderValue' } });
    expect(r.data.message).toMatch(/x-amz-pay-date/);
  });

  test('a missing authorization header is 400 MissingHeaderValue', async () => {
    const h = signedHeaders({ ...base(), method: 'GET', path: '/v2/charges/X' });
    delete h.authorization;
    const r = await rawCall(t.sim, 'GET', '/v2/charges/X', h);
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'MissingHeaderValue' } });
  });

  test('a missing x-amz-pay-date header is 400 MissingHeaderValue', async () => {
    const h = signedHeaders({ ...base(), method: 'GET', path: '/v2/charges/X' });
    delete h['x-amz-pay-date'];
    const r = await rawCall(t.sim, 'GET', '/v2/charges/X', h);
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'MissingHeaderValue' } });
  });

  test('an unknown algorithm is 400 InvalidHeaderValue', async () => {
    const h = signedHeaders({ ...base(), method: 'GET', path: '/v2/charges/X' });
    h.authorization = h.authorization.replace('AMZN-PAY-RSASSA-PSS-V2', 'AMZN-PAY-HMAC');
    const r = await rawCall(t.sim, 'GET', '/v2/charges/X', h);
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'InvalidHeaderValue' } });
  });

  test('a signed x-amz-pay-host for another host is rejected', async () => {
    const h = signedHeaders({ ...base(), host: 'pay-api.amazon.jp', method: 'GET', path: '/v2/charges/X' });
    const r = await rawCall(t.sim, 'GET', '/v2/charges/X', h);
    expect(r).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
  });

  // The Java, .NET and PHP SDKs sign the URL's host without its port (as Amazon, on port 443, sees it);
  // the Node SDK signs its overrideServiceUrl (host:port). Both name this server.
  test.each(['127.0.0.1', 'localhost', 'LOCALHOST'])('x-amz-pay-host signed as the bare host %s (no port) is accepted', async (host) => {
    const h = signedHeaders({ ...base(), host, method: 'GET', path: '/v2/charges/S03-1111111-1111111-C111111' });
    const r = await rawCall(t.sim, 'GET', '/v2/charges/S03-1111111-1111111-C111111', h);
    expect(r).toMatchObject({ status: 404, data: { reasonCode: 'ResourceNotFound' } });
  });

  test.each(['127.0.0.1:443', '127.0.0.1:1', 'pay-api.amazon.jp', 'evil.example:PORT', '127.0.0.2'])('x-amz-pay-host %s (another host or port) is 403', async (host) => {
    const h = signedHeaders({ ...base(), host: host.replace('PORT', String(t.sim.port)), method: 'GET', path: '/v2/charges/X' });
    const r = await rawCall(t.sim, 'GET', '/v2/charges/X', h);
    expect(r).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
  });

  test('with a bare host, a tampered signature or body is still 403 and creates nothing', async () => {
    const payload = JSON.stringify(sessionPayload());
    const h = signedHeaders({ ...base(), host: '127.0.0.1', method: 'POST', path: '/v2/checkoutSessions', body: payload, headers: { 'x-amz-pay-idempotency-key': key() } });
    const before = t.sim.core.sessions.size;
    const sig = /Signature=(.)/.exec(h.authorization)?.[1] ?? 'A';
    const flipped = { ...h, authorization: h.authorization.replace(`Signature=${sig}`, `Signature=${sig === 'A' ? 'B' : 'A'}`) };
    expect(await rawCall(t.sim, 'POST', '/v2/checkoutSessions', flipped, payload)).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
    expect(await rawCall(t.sim, 'POST', '/v2/checkoutSessions', h, payload.replace('review', 'reviex'))).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
    expect(t.sim.core.sessions.size).toBe(before);
    expect((await rawCall(t.sim, 'POST', '/v2/checkoutSessions', h, payload)).status).toBe(201);
  });

  test('a path with a trailing slash (the .NET SDK on every call, the Java SDK on getRefund) reaches the same resource', async () => {
    const payload = JSON.stringify(sessionPayload());
    const created = await rawCall(t.sim, 'POST', '/v2/checkoutSessions/', signedHeaders({ ...base(), host: '127.0.0.1', method: 'POST', path: '/v2/checkoutSessions/', body: payload, headers: { 'x-amz-pay-idempotency-key': key() } }), payload);
    expect(created.status).toBe(201);
    const id = String(created.data.checkoutSessionId);
    const path = `/v2/checkoutSessions/${id}/`;
    const got = await rawCall(t.sim, 'GET', path, signedHeaders({ ...base(), method: 'GET', path }));
    expect(got).toMatchObject({ status: 200, data: { checkoutSessionId: id } });
    // The signature covers the path as sent: signing it without the slash does not verify.
    expect(await rawCall(t.sim, 'GET', path, signedHeaders({ ...base(), method: 'GET', path: `/v2/checkoutSessions/${id}` }))).toMatchObject({ status: 403 });
    // Only one trailing slash.
    const two = `/v2/checkoutSessions/${id}//`;
    expect(await rawCall(t.sim, 'GET', two, signedHeaders({ ...base(), method: 'GET', path: two }))).toMatchObject({ status: 404 });
  });

  test('a query string verifies in the RFC 3986 form (Java, .NET, PHP) and the encodeURIComponent form (Node), and nothing else', async () => {
    const path = '/v2/charges/S03-1111111-1111111-C111111';
    const sent = `${path}?b=x(1)&a=2&a=1`;
    for (const query of ['a=1&a=2&b=x%281%29', 'a=1&a=2&b=x(1)']) {
      const r = await rawCall(t.sim, 'GET', sent, signedHeaders({ ...base(), method: 'GET', path, query }));
      expect(r).toMatchObject({ status: 404, data: { reasonCode: 'ResourceNotFound' } });
    }
    for (const query of ['', 'a=2&a=1&b=x%281%29', 'b=x%281%29&a=1&a=2']) {
      const r = await rawCall(t.sim, 'GET', sent, signedHeaders({ ...base(), method: 'GET', path, query }));
      expect(r).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });
    }
  });

  test('bad JSON (correctly signed) is 400 InvalidRequestFormat', async () => {
    const payload = '{"storeId": ';
    const h = signedHeaders({ ...base(), method: 'POST', path: '/v2/checkoutSessions', body: payload, headers: { 'x-amz-pay-idempotency-key': key() } });
    const r = await rawCall(t.sim, 'POST', '/v2/checkoutSessions', h, payload);
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'InvalidRequestFormat' } });
  });

  test('live/ and sandbox/ path prefixes are accepted for non-prefixed keys', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const reg = await t.control('POST', '/__sim/merchants', { merchantId: 'A0PLAINKEY0001', storeId: t.merchant.storeId, publicKeyId: 'AEPLAINKEYID0000000000001', publicKeyPem: publicKey });
    expect(reg.status).toBe(201);
    for (const sandbox of [true, false]) {
      const client = createAmazonPayClient({ ...clientConfig(t.sim, { publicKeyId: 'AEPLAINKEYID0000000000001', privateKeyPem: privateKey }), sandbox }, { simulatorCaPem: t.sim.caCertPem });
      const r = await client.createCheckoutSession(sessionPayload(), { 'x-amz-pay-idempotency-key': key() });
      expect(body<SessionBody & { releaseEnvironment: string }>(r).releaseEnvironment).toBe(sandbox ? 'Sandbox' : 'Live');
    }
  });
});

describe('button signature (generateButtonSignature)', () => {
  test('a signed payload creates a session; a changed payloadJSON or another key does not', async () => {
    const payloadJSON = JSON.stringify(sessionPayload());
    const signature = t.client.generateButtonSignature(payloadJSON);
    const ok = await t.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON, signature, publicKeyId: t.merchant.publicKeyId });
    expect(ok.status).toBe(201);
    expect(ok.data.checkoutSessionId).toMatch(/^[0-9a-f-]{36}$/);

    const tampered = await t.control('POST', '/__sim/buyer/checkout', { payloadJSON: payloadJSON.replace('{', '{ '), signature, publicKeyId: t.merchant.publicKeyId });
    expect(tampered).toMatchObject({ status: 403, data: { reasonCode: 'InvalidRequestSignature' } });

    const unknown = await t.control('POST', '/__sim/buyer/checkout', { payloadJSON, signature, publicKeyId: 'SANDBOX-NOPE00000000000000000000' });
    expect(unknown).toMatchObject({ status: 401, data: { reasonCode: 'UnauthorizedAccess' } });
  });

  test('the old algorithm (salt 20) is verified too', async () => {
    const client = createAmazonPayClient(clientConfig(t.sim, t.merchant, 'AMZN-PAY-RSASSA-PSS'), { simulatorCaPem: t.sim.caCertPem });
    const payloadJSON = JSON.stringify(sessionPayload());
    const r = await t.control('POST', '/__sim/buyer/checkout', { payloadJSON, signature: client.generateButtonSignature(payloadJSON), publicKeyId: t.merchant.publicKeyId, algorithm: 'AMZN-PAY-RSASSA-PSS' });
    expect(r.status).toBe(201);
  });

  test('a button payload with an unknown field is 400 UnrecognizedField', async () => {
    const payloadJSON = JSON.stringify({ ...sessionPayload(), surprise: 1 });
    const r = await t.control('POST', '/__sim/buyer/checkout', { payloadJSON, signature: t.client.generateButtonSignature(payloadJSON), publicKeyId: t.merchant.publicKeyId });
    expect(r).toMatchObject({ status: 400, data: { reasonCode: 'UnrecognizedField' } });
  });
});

/**
 * The HTTP API's contract on the real stack: every endpoint's roles, bad input answered with a
 * 4xx `{error:{code,message}}` that changes nothing, conflicts and amounts, paging, settings,
 * metrics, OpenAPI, security headers — and no secret in any response or log line.
 */
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

describe('HTTP API contract', () => {
  const logLines: string[] = [];
  const start = (orderId: string, extra: Record<string, unknown> = {}) =>
    s.call('POST', '/api/checkouts', {
      role: 'storefront',
      body: { orderId, amount: { amount: 1500, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result', ...extra },
    });

  const s = useTestStack({ stack: { logLines } });

  describe('POST /api/checkouts', () => {
    it('answers 201 with what the page needs to render the button, and 409 for the same order again', async () => {
      const first = await start('C-1');
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ orderId: 'C-1', paymentStatus: 'CheckoutPending', publicKeyId: s.merchant.publicKeyId, merchantId: s.merchant.merchantId, region: 'jp', sandbox: true });
      expect(JSON.parse(first.body.payloadJSON)).toMatchObject({ storeId: s.merchant.storeId, webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' } });
      expect(typeof first.body.signature).toBe('string');
      const again = await start('C-1');
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('order_exists');
    });

    it.each([
      ['a string amount', { amount: { amount: '1500', currency: 'JPY' } }, 'amount.amount'],
      ['a negative amount', { amount: { amount: -5, currency: 'JPY' } }, 'amount.amount'],
      ['a fractional amount', { amount: { amount: 12.5, currency: 'USD' } }, 'amount.amount'],
      ['an unsupported currency', { amount: { amount: 100, currency: 'XYZ' } }, 'amount.currency'],
      ['an amount over the maximum', { amount: { amount: 10_000_001, currency: 'JPY' } }, 'amount.amount'],
      ['an unknown field', { coupon: 'FREE' }, ''],
      ['a bad order id', { orderId: 'has spaces' }, 'orderId'],
      ['a non-URL return URL', { resultReturnUrl: 'javascript:alert(1)' }, 'resultReturnUrl'],
    ])('refuses %s with 400 and starts nothing', async (_name, patch, path) => {
      const orderId = `BAD-${Math.random().toString(36).slice(2, 8)}`;
      const r = await start(orderId, patch);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
      expect((r.body.error.details as { path: string }[]).map((d) => d.path)).toContain(path);
      expect((await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).status).toBe(404);
    });

    it('refuses malformed JSON (400), oversized bodies (413), no key (401) and a non-storefront key (403)', async () => {
      const bad = await s.call('POST', '/api/checkouts', { role: 'storefront', rawBody: '{"orderId": ', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_json');
      const big = await s.call('POST', '/api/checkouts', { role: 'storefront', rawBody: JSON.stringify({ orderId: 'X', pad: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      expect((await s.call('POST', '/api/checkouts', { body: {} })).status).toBe(401);
      expect((await s.call('POST', '/api/checkouts', { role: 'editor', body: {} })).status).toBe(403);
    });
  });

  describe('checkout steps', () => {
    it('answer 404 for an unknown order and 409 when a step comes out of order', async () => {
      expect((await s.call('GET', '/api/checkouts/NOPE?amazonCheckoutSessionId=x', { role: 'storefront' })).status).toBe(404);
      expect((await s.call('GET', '/api/checkouts/C-1', { role: 'storefront' })).status).toBe(400);
      const confirm = await s.call('POST', '/api/checkouts/C-1/confirm', { role: 'storefront', body: {} });
      expect(confirm.status).toBe(409);
      expect(confirm.body.error.code).toBe('invalid_state');
    });

    it('report a declined payment with the buyer message in Japanese and English', async () => {
      const r = await checkoutOrder(s, 'DECLINE-1', { simulationCode: 'HardDeclined' });
      expect(r.status).toBe(402);
      expect(r.body.error.code).toBe('HardDeclined');
      expect(r.body.error.details.buyerMessage).toEqual({ ja: 'お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。', en: expect.any(String) });
    });
  });

  describe('admin actions', () => {
    let orderId: string;
    beforeAll(async () => {
      orderId = 'ADM-1';
      const r = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
      expect(r.body.paymentStatus).toBe('Authorized');
    });

    it('validate amounts and requestIds (400) and refuse actions invalid in the state (409)', async () => {
      for (const body of [{ amount: 0, requestId: 'a' }, { amount: 10.5, requestId: 'a' }, { amount: 100 }, { amount: 100, requestId: 'bad id!' }]) {
        const r = await s.call('POST', `/api/admin/orders/${orderId}/capture`, { role: 'editor', body });
        expect(r.status).toBe(400);
      }
      const refund = await s.call('POST', `/api/admin/orders/${orderId}/refunds`, { role: 'editor', body: { amount: 100, requestId: 'r-early' } });
      expect(refund.status).toBe(409);
      expect((await s.call('POST', `/api/admin/orders/${orderId}/status`, { role: 'editor', body: { status: 'Lost' } })).status).toBe(400);
      expect((await s.call('POST', '/api/admin/orders/NOPE/capture', { role: 'editor', body: { amount: 1, requestId: 'x' } })).status).toBe(404);
    });

    it('accept an action (202) and give its result for the same requestId later, acting once', async () => {
      const accepted = await s.call('POST', `/api/admin/orders/${orderId}/capture`, { role: 'editor', body: { amount: 1000, requestId: 'cap-a' } });
      expect([200, 202]).toContain(accepted.status);
      let result = accepted;
      for (let i = 0; i < 40 && result.status !== 200; i++) {
        result = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=1000`, { role: 'editor', body: { amount: 1000, requestId: 'cap-a' } });
      }
      expect(result.status).toBe(200);
      expect(result.body.result).toMatchObject({ captured: 1000 });
      const detail = (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
      expect(detail.amounts.captured).toEqual({ amount: 1000, currency: 'JPY' });
    });

    it('refuse a capture over what is left with 422', async () => {
      const r = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, { role: 'editor', body: { amount: 999_999, requestId: 'cap-big' } });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('TransactionAmountExceeded');
    });
  });

  describe('order list', () => {
    it('filters, searches and pages newest first', async () => {
      for (const id of ['PG-1', 'PG-2', 'PG-3']) {
        await start(id);
        // The list is the workflows' projection: each order appears once its workflow wrote it.
        await waitFor(async () => (await s.db.prisma.order.count({ where: { orderId: id } })) === 1, 10_000, 50);
      }
      const page1 = await s.call('GET', '/api/admin/orders?q=PG-&limit=2', { role: 'viewer' });
      expect(page1.status).toBe(200);
      expect(page1.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['PG-3', 'PG-2']);
      const page2 = await s.call('GET', `/api/admin/orders?q=PG-&limit=2&cursor=${page1.body.nextCursor}`, { role: 'viewer' });
      expect(page2.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['PG-1']);
      expect(page2.body.nextCursor).toBeNull();
      const captured = await s.call('GET', '/api/admin/orders?paymentStatus=CheckoutPending&q=PG-', { role: 'viewer' });
      expect(captured.body.orders).toHaveLength(3);
      expect((await s.call('GET', '/api/admin/orders?paymentStatus=Bogus', { role: 'viewer' })).status).toBe(400);
      expect((await s.call('GET', '/api/admin/orders?cursor=garbage', { role: 'viewer' })).status).toBe(400);
      expect((await s.call('GET', '/api/admin/orders', { role: 'storefront' })).status).toBe(403);
    });
  });

  describe('settings', () => {
    it('are read by viewers, changed by editors, validated, and never take MWS keys or a private key', async () => {
      const read = await s.call('GET', '/api/admin/settings', { role: 'viewer' });
      expect(read.status).toBe(200);
      expect(read.body.settings).toMatchObject({ paymentIntent: 'AuthorizeWithCapture', addressSource: 'amazon' });
      expect(read.body.amazonPay).toMatchObject({ privateKey: 'configured', publicKeyId: s.merchant.publicKeyId });
      expect((await s.call('PUT', '/api/admin/settings', { role: 'viewer', body: { linkOrderStatus: true } })).status).toBe(403);
      const changed = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { addressSource: 'buyer' } });
      expect(changed.status).toBe(200);
      expect(changed.body.warnings.join(' ')).toMatch(/Chargeback protection/);
      expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { paymentIntent: 'Sometimes' } })).status).toBe(400);
      expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { colour: 'red' } })).status).toBe(400);
      const mws = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { mwsAccessKey: 'AKIA' } });
      expect(mws.status).toBe(422);
      expect(mws.body.error.code).toBe('legacy_mws_keys');
      await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { addressSource: 'amazon' } });
    });

    it('take Amazon Pay credentials with a write-only private key, validated without echoing it', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const credentials = { merchantId: 'A2EXAMPLE00JP9', storeId: `amzn1.application-oa2-client.${'b'.repeat(32)}`, publicKeyId: 'SANDBOX-AEXAMPLEPUBLICKEY01' };
      const bad = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { amazonPay: { ...credentials, privateKey: '-----BEGIN PRIVATE KEY-----\nSECRETGARBAGE\n-----END PRIVATE KEY-----' } } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).not.toContain('SECRETGARBAGE');
      expect((await s.call('PUT', '/api/admin/settings', { role: 'viewer', body: { amazonPay: { ...credentials, privateKey: pem } } })).status).toBe(403);
      const saved = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { amazonPay: { ...credentials, privateKey: pem } } });
      expect(saved.status).toBe(200);
      expect(saved.body.amazonPay.stored).toMatchObject({ ...credentials, privateKey: 'configured' });
      // They apply to the next Amazon call of every process, with no restart (docs/shops.md).
      expect(saved.body.amazonPay.restartRequired).toBe(false);
      expect(saved.body.amazonPay).toMatchObject({ source: 'settings', merchantId: credentials.merchantId, publicKeyId: credentials.publicKeyId });
      const read = await s.call('GET', '/api/admin/settings', { role: 'viewer' });
      const pemBody = pem.split('\n').slice(1, -2).join('');
      expect(JSON.stringify(read.body)).not.toContain(pemBody.slice(0, 40));
      expect(read.body.amazonPay.stored.publicKeyId).toBe(credentials.publicKeyId);
      // Stored sealed: the shop's row never holds the PEM.
      const [row] = await s.db.prisma.$queryRaw<{ sealed: string }[]>`SELECT private_key_sealed AS sealed FROM shops WHERE shop_id = 'default'`;
      expect(row.sealed).toMatch(/^sb1\./);
      expect(row.sealed).not.toContain(pemBody.slice(0, 40));
      expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { region: 'eu' } })).status).toBe(422);
      // The next checkout is signed as the new merchant at once (the simulator knows it once it is registered there).
      const { createPublicKey } = await import('node:crypto');
      await s.control('POST', '/__sim/merchants', { ...credentials, publicKeyPem: createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString(), notificationUrl: `${s.api}/api/webhooks/amazon-pay` });
      await new Promise((r) => setTimeout(r, 1_100));
      const orderId = `CRED-${Date.now()}`;
      await checkoutOrder(s, orderId, { amount: 1500 });
      const calls = (await s.control<{ calls: { merchantId: string; operation: string }[] }>('GET', `/__sim/calls?merchantId=${credentials.merchantId}`)).data.calls;
      expect(calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['getCheckoutSession', 'completeCheckoutSession']));
      // And back to the dev merchant the rest of this file's orders were made with.
      await s.db.prisma.shop.update({ where: { shopId: 'default' }, data: { merchantId: null, storeId: null, publicKeyId: null, privateKeySealed: null, credentialsUpdatedAt: new Date() } });
      await new Promise((r) => setTimeout(r, 1_100));
    });
  });

  describe('operations', () => {
    it('serve metrics, an OpenAPI document built from the schemas, docs, security headers and closed CORS', async () => {
      const metrics = await s.call('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/http_request_duration_seconds_bucket/);
      expect(metrics.body).toMatch(/order_workflow_actions_total/);
      expect(metrics.body).toMatch(/amazon_pay_calls_total\{operation="captureCharge",result="OK"\}/);
      const doc = await s.call('GET', '/openapi.json');
      expect(doc.body.openapi).toBe('3.1.0');
      expect(doc.body.paths['/api/checkouts'].post.requestBody.content['application/json'].schema.properties.amount.properties.currency.enum).toContain('JPY');
      expect((await fetch(`${s.api}/docs`)).headers.get('content-type')).toMatch(/text\/html/);
      const res = await fetch(`${s.api}/healthz`, { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('never puts the private key or an API key in a response or a log line', async () => {
      const pemBody = s.merchant.privateKeyPem.split('\n').slice(1, -2).join('');
      const secrets = [pemBody.slice(0, 40), s.keys.editor, s.keys.storefront, s.keys.viewer];
      const responses = [
        await s.call('GET', '/api/admin/settings', { role: 'editor' }),
        await s.call('GET', '/api/admin/orders', { role: 'editor' }),
        await s.call('GET', '/api/admin/orders/ADM-1', { role: 'editor' }),
        await s.call('GET', '/openapi.json'),
      ].map((r) => JSON.stringify(r.body));
      const haystack = responses.join('\n') + logLines.join('\n');
      expect(logLines.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    });
  });
});

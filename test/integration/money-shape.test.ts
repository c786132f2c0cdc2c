/**
 * Issue 14 parts 4 and 7 on the real stack. One money shape: capture and refund take `{amount, currency}` like checkout;
 * a currency other than the order's is 422 currency_mismatch and changes nothing; the bare integer is still taken for
 * one release, answered with a Deprecation header; a request first sent as an integer and repeated as a money object is
 * the same request. And the console acts through the admin use-cases in-process, under its own session: no request to
 * the JSON admin API is made on its behalf.
 */
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { consoleSignIn } from '../helpers/http';

describe('one money shape', () => {
  const logLines: string[] = [];
  const s = useTestStack({ stack: { logLines } });

  /** A POST to the admin API with the editor's key, with the answer's headers. */
  const post = (pathname: string, body: unknown) => s.call('POST', pathname, { role: 'editor', body });
  const ledger = async (chargePermissionId: string) =>
    (await s.control<{ entries: Array<{ type: string; amount: number; chargePermissionId?: string }> }>('GET', `/__sim/ledger?chargePermissionId=${chargePermissionId}`)).data.entries.filter((e) => e.type === 'capture' || e.type === 'refund');
  const detail = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;

  it('captures and refunds {amount, currency} in the order\'s currency, without a deprecation', async () => {
    const orderId = `MONEY-OBJ-${Date.now()}`;
    expect((await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
    const capture = await post(`/api/admin/orders/${orderId}/capture?waitMs=20000`, { amount: { amount: 2000, currency: 'JPY' }, requestId: 'obj-cap' });
    expect(capture.status).toBe(200);
    expect(capture.body.result).toMatchObject({ captured: 2000, currency: 'JPY' });
    expect(capture.headers.get('deprecation')).toBeNull();
    const refund = await post(`/api/admin/orders/${orderId}/refunds?waitMs=20000`, { amount: { amount: 500, currency: 'JPY' }, requestId: 'obj-ref' });
    expect(refund.status).toBe(200);
    expect(refund.headers.get('deprecation')).toBeNull();
  });

  it('refuses another currency with 422 currency_mismatch and changes nothing, even for a requestId already used', async () => {
    const orderId = `MONEY-CUR-${Date.now()}`;
    const paid = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    const before = await detail(orderId);
    for (const [path, requestId] of [['capture', 'cur-cap'], ['refunds', 'cur-ref']]) {
      const r = await post(`/api/admin/orders/${orderId}/${path}?waitMs=5000`, { amount: { amount: 500, currency: 'USD' }, requestId });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'currency_mismatch', message: expect.stringMatching(/USD.*JPY/) });
    }
    // A capture that went through, sent again with the same requestId in another currency: refused, not answered with its result.
    expect((await post(`/api/admin/orders/${orderId}/capture?waitMs=20000`, { amount: { amount: 1000, currency: 'JPY' }, requestId: 'cur-ok' })).status).toBe(200);
    const again = await post(`/api/admin/orders/${orderId}/capture?waitMs=5000`, { amount: { amount: 1000, currency: 'EUR' }, requestId: 'cur-ok' });
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('currency_mismatch');
    const after = await detail(orderId);
    expect(after.amounts.captured).toEqual({ amount: 1000, currency: 'JPY' });
    expect(after.history.filter((h: { kind: string }) => h.kind === 'capture')).toHaveLength(before.history.filter((h: { kind: string }) => h.kind === 'capture').length + 1);
    expect((await ledger(paid.body.chargePermissionId)).map((e) => e.amount)).toEqual([1000]);
  });

  it('refuses a checkout amount in another currency at confirm (422 currency_mismatch)', async () => {
    const orderId = `MONEY-CONF-${Date.now()}`;
    const started = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { orderId, amount: { amount: 1500, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' } });
    expect(started.status).toBe(201);
    const r = await s.call('POST', `/api/checkouts/${orderId}/confirm`, { role: 'storefront', body: { amount: { amount: 1500, currency: 'USD' } } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('currency_mismatch');
    expect((await detail(orderId)).amount).toEqual({ amount: 1500, currency: 'JPY' });
  });

  it('still takes the bare integer, answered with a Deprecation header; the same request repeated as a money object is a repeat', async () => {
    const orderId = `MONEY-INT-${Date.now()}`;
    const paid = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    const legacy = await post(`/api/admin/orders/${orderId}/capture?waitMs=20000`, { amount: 1200, requestId: 'int-cap' });
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(legacy.headers.get('link')).toMatch(/rel="deprecation"/);
    // The retry in the new shape: the first result, not request_id_reused, and no second capture.
    const retry = await post(`/api/admin/orders/${orderId}/capture?waitMs=20000`, { amount: { amount: 1200, currency: 'JPY' }, requestId: 'int-cap' });
    expect(retry.status).toBe(200);
    expect(retry.body.result).toEqual(legacy.body.result);
    expect((await ledger(paid.body.chargePermissionId)).map((e) => e.amount)).toEqual([1200]);
    // Other parameters under the same requestId are still refused, in either shape.
    expect((await post(`/api/admin/orders/${orderId}/capture?waitMs=5000`, { amount: { amount: 1300, currency: 'JPY' }, requestId: 'int-cap' })).body.error.code).toBe('request_id_reused');
  });

  it('bounds both shapes by the order currency\'s maximum', async () => {
    const orderId = `MONEY-MAX-${Date.now()}`;
    await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    // Known at the edge with the money object (400); with the bare integer, the order's workflow knows the currency (422).
    expect((await post(`/api/admin/orders/${orderId}/capture?waitMs=2000`, { amount: { amount: 10_000_001, currency: 'JPY' }, requestId: 'max-obj' })).status).toBe(400);
    expect((await post(`/api/admin/orders/${orderId}/capture?waitMs=2000`, { amount: { amount: 1.5, currency: 'JPY' }, requestId: 'max-frac' })).status).toBe(400);
    const bare = await post(`/api/admin/orders/${orderId}/capture?waitMs=2000`, { amount: 10_000_001, requestId: 'max-int' });
    expect(bare.status).toBe(422);
    expect(bare.body.error.code).toBe('invalid_argument');
    // A refused request in the old shape is told about the deprecation too.
    expect(bare.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect((await detail(orderId)).amounts.captured.amount).toBe(0);
  });

  it('documents the money object and the deprecated integer in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body;
    const amount = doc.paths['/api/admin/orders/{orderId}/capture'].post.requestBody.content['application/json'].schema.properties.amount;
    expect(amount.anyOf).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'object' }), expect.objectContaining({ type: 'integer', deprecated: true })]));
  });

  describe('the console', () => {
    /** Signs in to the console with `key`; returns a helper that calls it with the session cookie and CSRF token. */
    async function consoleAs(key: string) {
      const cookie = await consoleSignIn(s.api, key);
      const page = await fetch(`${s.api}/admin/orders`, { headers: { cookie } });
      const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())![1];
      return async (method: string, pathname: string, body?: unknown) => {
        const res = await fetch(`${s.api}${pathname}`, {
          method,
          redirect: 'manual',
          headers: { cookie, 'x-csrf-token': csrf, 'x-requested-with': 'fetch', accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, text: await res.text() };
      };
    }
    /** The routes of the requests the engine served since `from` (its request log). */
    const routesSince = (from: number) =>
      logLines
        .slice(from)
        .map((l) => JSON.parse(l) as { msg?: string; route?: string })
        .filter((l) => l.msg === 'request')
        .map((l) => l.route);

    it('captures in-process with its own session: one request, none to the JSON admin API', async () => {
      const orderId = `CONSOLE-${Date.now()}`;
      const paid = await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
      const call = await consoleAs(s.keys.editor);
      const from = logLines.length;
      const r = await call('POST', `/admin/orders/${orderId}/capture`, { amount: 1000, currency: 'JPY', requestId: 'console-cap-1' });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text).result).toMatchObject({ captured: 1000 });
      const routes = routesSince(from);
      expect(routes).toContain('/admin/orders/:orderId/:action');
      expect(routes.filter((route) => route?.startsWith('/api/admin'))).toEqual([]);
      // The same intended action again (the page resends its requestId): the first result, one capture at Amazon.
      expect(JSON.parse((await call('POST', `/admin/orders/${orderId}/capture`, { amount: 1000, currency: 'JPY', requestId: 'console-cap-1' })).text).result).toMatchObject({ captured: 1000 });
      expect((await ledger(paid.body.chargePermissionId)).map((e) => e.amount)).toEqual([1000]);
      // Its pages come from the same use-cases: the detail shows what the workflow allows now.
      const panel = await call('GET', `/admin/orders/${orderId}/panel`);
      expect(panel.status).toBe(200);
      expect(panel.text).toContain('id="capture-button"');
      // A wrong currency is the API's answer, word for word.
      const wrong = await call('POST', `/admin/orders/${orderId}/capture`, { amount: 500, currency: 'USD', requestId: 'console-cap-usd' });
      expect(wrong.status).toBe(422);
      expect(JSON.parse(wrong.text).error.code).toBe('currency_mismatch');
    });

    it('ends the session of a revoked key, and keeps a viewer from acting', async () => {
      const { createApiKey, revokeApiKey } = await import('../../lib/api-keys');
      const orderId = `CONSOLE-RV-${Date.now()}`;
      await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' });
      const viewer = await consoleAs(s.keys.viewer);
      expect((await viewer('POST', `/admin/orders/${orderId}/capture`, { amount: 100, currency: 'JPY', requestId: 'viewer-cap' })).status).toBe(403);
      const created = await createApiKey(s.db.prisma, 'editor', 'console-revoked');
      const editor = await consoleAs(created.key);
      expect((await editor('GET', `/admin/orders/${orderId}/panel`)).status).toBe(200);
      await revokeApiKey(s.db.prisma, created.id);
      // The key check is cached for at most 5 s, as the API's.
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i += 1) {
        status = (await editor('GET', `/admin/orders/${orderId}/panel`)).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(401);
      expect((await editor('POST', `/admin/orders/${orderId}/capture`, { amount: 100, currency: 'JPY', requestId: 'revoked-cap' })).status).toBe(401);
      expect((await detail(orderId)).amounts.captured.amount).toBe(0);
    });
  });
});

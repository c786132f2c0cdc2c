/**
 * Two shops' demos side by side on the whole stack (api/demo, docs/shops.md): the default shop's at /demo and shop-b's
 * at /demo/shops/shop-b. A buyer buys in each (cart, button, review, confirm, result, as the pages do it); each demo's
 * order list, fed only by the events the engine signs and sends to that demo's own receiver, holds its own shop's
 * orders only (the same order id in both shops stays two orders), and each order was paid through its own shop's
 * merchant (the simulator's record of who signed each call). A malformed, unknown, suspended or default shop id gets no
 * demo (404) and makes no key and no endpoint; the other shops are linked from the cart; another shop's storefront key
 * is kept in its own key file next to the default shop's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { demoRoutes, type DemoEventsService } from '../../api/demo';
import { createEngineApp } from '../../api/engine-app';
import { createApiKey } from '../../lib/api-keys';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe } from '../../lib/readiness';
import { createSnsVerifier } from '../../lib/sns-verify';
import { listen, waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack, type TestShop, type TestStack } from '../helpers/stack';

interface SignedCall {
  merchantId: string;
  operation: string;
  objectId: string | null;
}

describe('two shops\' demos side by side', () => {
  const s = useTestStack();
  let b: TestShop;
  let platformKey: string;

  beforeAll(async () => {
    b = await s.addShop('shop-b');
    platformKey = (await createApiKey(s.db.prisma, 'platform', 'demo test platform', null)).key;
  }, 60_000);

  const page = async (pathname: string, init?: RequestInit) => {
    const res = await fetch(`${s.api}${pathname}`, { redirect: 'manual', ...init });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const form = (pathname: string, fields: Record<string, string>) =>
    page(pathname, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const platform = (method: string, pathname: string) => s.call(method, pathname, { headers: { authorization: `Bearer ${platformKey}` } });
  const callsOf = async (merchantId: string) => (await s.control<{ calls: SignedCall[] }>('GET', `/__sim/calls?merchantId=${merchantId}`)).data.calls;
  const keyCount = () => s.db.prisma.apiKey.count();
  const endpointCount = () => s.db.prisma.eventEndpoint.count();

  /** The demo's order list as its page shows it: order id → status. */
  const listed = async (base: string): Promise<Map<string, string>> => {
    const html = (await page(`${base}/orders`)).text;
    const out = new Map<string, string>();
    for (const m of html.matchAll(/<tr data-order-id="([^"]+)" data-status="([^"]*)"/g)) out.set(m[1], m[2]);
    return out;
  };
  const registered = (base: string) => waitFor(async () => (await page(`${base}/orders`)).text.includes('data-registered="true"'), 15_000, 100);

  /** A buyer in the demo at `base`: two mugs, the Amazon Pay button, sign-in, review, place order, pay. */
  async function buyInDemo(base: string): Promise<{ orderId: string; sessionId: string; status: string }> {
    const checkout = await form(`${base}/checkout`, { 'qty-matcha': '0', 'qty-mug': '2' });
    expect(checkout.status).toBe(200);
    const orderId = /<strong id="order-id">([^<]+)<\/strong>/.exec(checkout.text)?.[1] ?? '';
    expect(orderId).toMatch(/^DEMO-/);
    // The button config the page renders the Amazon Pay button from, as the simulator's checkout.js posts it.
    const config = JSON.parse(/<script type="application\/json" id="amazon-pay-config">([^<]+)<\/script>/.exec(checkout.text)?.[1] ?? '{}') as { createCheckoutSessionConfig: { payloadJSON: string; signature: string; publicKeyId: string } };
    const signed = config.createCheckoutSessionConfig;
    const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON: signed.payloadJSON, signature: signed.signature, publicKeyId: signed.publicKeyId });
    expect(button.status).toBe(201);
    const sessionId = button.data.checkoutSessionId;
    await s.control('POST', `/__sim/buyer/checkout-sessions/${sessionId}/approve`, {});
    const review = await page(`${base}/review/${orderId}?amazonCheckoutSessionId=${sessionId}`);
    expect(review.status).toBe(200);
    expect(review.text).toContain(`action="${base}/confirm/${orderId}"`);
    const confirm = await form(`${base}/confirm/${orderId}`, { amazonCheckoutSessionId: sessionId });
    expect(confirm.status).toBe(303);
    await s.control('POST', `/__sim/buyer/checkout-sessions/${sessionId}/approve`, {});
    const result = await page(`${base}/result/${orderId}?amazonCheckoutSessionId=${sessionId}`);
    expect(result.status).toBe(200);
    const status = /id="payment-status" data-status="([^"]*)"/.exec(result.text)?.[1] ?? '';
    expect(result.text).toContain(`href="${base}"`);
    for (const p of [checkout, review, result]) expect(p.text).not.toMatch(/apk_/);
    return { orderId, sessionId, status };
  }

  it("serves shop-b's demo under its own path, links the shops to each other, and sends no key to the browser", async () => {
    const a = await page('/demo');
    expect(a.status).toBe(200);
    expect(a.text).toContain('action="/demo/checkout"');
    expect(a.text).toMatch(/<nav class="other-shops" id="other-shops"[\s\S]*href="\/demo\/shops\/shop-b" data-shop-id="shop-b"/);
    const other = await page('/demo/shops/shop-b');
    expect(other.status).toBe(200);
    expect(other.text).toContain('action="/demo/shops/shop-b/checkout"');
    expect(other.text).toContain('id="shop-name" data-shop-id="shop-b"');
    expect(other.text).toContain('href="/demo/shops/shop-b/orders"');
    expect(other.text).toContain('href="/demo/static/demo.css"');
    expect(other.text).toMatch(/href="\/demo" data-shop-id="default"/);
    expect(other.text).not.toContain('data-shop-id="shop-b" target');
    for (const p of [a, other]) expect(p.text).not.toMatch(/apk_/);
    expect((await page('/demo/static/orders.js')).status).toBe(200);
    // Each demo registered an endpoint of its own shop, at its own receiver.
    await registered('/demo');
    await registered('/demo/shops/shop-b');
    const endpoints = await s.db.prisma.eventEndpoint.findMany({ where: { url: { contains: '/demo/' } }, select: { shopId: true, url: true } });
    expect(endpoints.map((e) => [e.shopId, new URL(e.url).pathname]).sort()).toEqual([
      ['default', '/demo/events'],
      ['shop-b', '/demo/shops/shop-b/events'],
    ]);
    const ordersPage = (await page('/demo/shops/shop-b/orders')).text;
    expect(ordersPage).toContain('data-stream="/demo/shops/shop-b/orders/stream"');
    // One storefront key per demo, each of its own shop.
    const demoKeys = await s.db.prisma.apiKey.findMany({ where: { name: 'demo storefront' }, select: { shopId: true, role: true } });
    expect(demoKeys.sort((x, y) => String(x.shopId).localeCompare(String(y.shopId)))).toEqual([
      { shopId: 'default', role: 'storefront' },
      { shopId: 'shop-b', role: 'storefront' },
    ]);
  });

  it("keeps each demo's order list to its own shop's orders, each paid through its own merchant", async () => {
    const inA = await buyInDemo('/demo');
    const inB = await buyInDemo('/demo/shops/shop-b');
    expect([inA.status, inB.status].every((st) => ['Authorized', 'Captured'].includes(st))).toBe(true);
    // The same order id in both shops: two orders, one captured at once and one only authorized.
    expect((await checkoutOrder(s, 'DEMO-SAME-1', { amount: 1000, paymentIntent: 'AuthorizeWithCapture' })).status).toBe(200);
    const asB = { control: (method: string, pathname: string, body?: unknown) => s.control(method, pathname, body), call: b.call } as unknown as TestStack;
    expect((await checkoutOrder(asB, 'DEMO-SAME-1', { amount: 2000, paymentIntent: 'Authorize' })).status).toBe(200);

    await waitFor(async () => (await listed('/demo')).get('DEMO-SAME-1') === 'Captured' && (await listed('/demo')).has(inA.orderId), 30_000, 200);
    await waitFor(async () => (await listed('/demo/shops/shop-b')).get('DEMO-SAME-1') === 'Authorized' && (await listed('/demo/shops/shop-b')).has(inB.orderId), 30_000, 200);
    const listA = await listed('/demo');
    const listB = await listed('/demo/shops/shop-b');
    expect([...listA.keys()].sort()).toEqual([inA.orderId, 'DEMO-SAME-1'].sort());
    expect([...listB.keys()].sort()).toEqual([inB.orderId, 'DEMO-SAME-1'].sort());
    expect(await s.db.prisma.order.count({ where: { shopId: 'default', orderId: inA.orderId } })).toBe(1);
    expect(await s.db.prisma.order.count({ where: { shopId: 'shop-b', orderId: inB.orderId } })).toBe(1);
    expect(await s.db.prisma.order.count({ where: { orderId: { in: [inA.orderId, inB.orderId] } } })).toBe(2);

    // Each demo's checkout was signed as its own shop's merchant, never the other's.
    const aCalls = await callsOf(s.merchant.merchantId);
    const bCalls = await callsOf(b.merchant.merchantId);
    expect(aCalls.filter((c) => c.objectId === inA.sessionId).map((c) => c.operation)).toEqual(expect.arrayContaining(['getCheckoutSession', 'updateCheckoutSession', 'completeCheckoutSession']));
    expect(bCalls.filter((c) => c.objectId === inB.sessionId).map((c) => c.operation)).toEqual(expect.arrayContaining(['getCheckoutSession', 'updateCheckoutSession', 'completeCheckoutSession']));
    expect(aCalls.some((c) => c.objectId === inB.sessionId)).toBe(false);
    expect(bCalls.some((c) => c.objectId === inA.sessionId)).toBe(false);
  }, 90_000);

  it('gives no demo to a malformed, unknown or default shop id, and makes no key or endpoint for one', async () => {
    const keys = await keyCount();
    const endpoints = await endpointCount();
    for (const p of ['/demo/shops/no-such-shop/', '/demo/shops/no-such-shop', '/demo/shops/no-such-shop/orders', '/demo/shops/Bad!Id', '/demo/shops/Bad!Id/', '/demo/shops/Shop-B/', '/demo/shops/default/', `/demo/shops/${'a'.repeat(33)}/`]) {
      const r = await page(p);
      expect([p, r.status]).toEqual([p, 404]);
      expect(r.text).toContain('id="not-found"');
    }
    expect((await form('/demo/shops/no-such-shop/checkout', { 'qty-mug': '1' })).status).toBe(404);
    const forged = await page('/demo/shops/no-such-shop/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(404);
    expect(await keyCount()).toBe(keys);
    expect(await endpointCount()).toBe(endpoints);
  });

  it("refuses a suspended shop's demo at once, makes nothing for it, and serves it again when reactivated", async () => {
    const c = await s.addShop('shop-c');
    expect((await page('/demo/shops/shop-c/')).status).toBe(200);
    await registered('/demo/shops/shop-c');
    expect((await page('/demo')).text).toContain('href="/demo/shops/shop-c"');
    const keys = await keyCount();
    const endpoints = await endpointCount();

    expect((await platform('POST', '/api/platform/shops/shop-c/suspend')).status).toBe(200);
    for (const p of ['/demo/shops/shop-c', '/demo/shops/shop-c/orders', '/demo/shops/shop-c/orders/stream']) expect([p, (await page(p)).status]).toEqual([p, 404]);
    expect((await form('/demo/shops/shop-c/checkout', { 'qty-mug': '1' })).status).toBe(404);
    // Not among the other shops while suspended.
    expect((await page('/demo')).text).not.toContain('/demo/shops/shop-c');
    // Its receiver stays: an event the engine signs is still checked (here an unsigned one is refused as such).
    const unsigned = await page('/demo/shops/shop-c/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(400);
    expect(await keyCount()).toBe(keys);
    expect(await endpointCount()).toBe(endpoints);

    // A shop suspended before its demo was ever opened gets none, and no key.
    await s.addShop('shop-d');
    expect((await platform('POST', '/api/platform/shops/shop-d/suspend')).status).toBe(200);
    const before = await keyCount();
    expect((await page('/demo/shops/shop-d/')).status).toBe(404);
    expect((await page('/demo/shops/shop-d/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(503);
    expect(await keyCount()).toBe(before);
    expect(await s.db.prisma.eventEndpoint.count({ where: { shopId: 'shop-d' } })).toBe(0);

    expect((await platform('POST', '/api/platform/shops/shop-c/reactivate')).status).toBe(200);
    expect((await page('/demo/shops/shop-c/')).status).toBe(200);
    // The same store again: no second key, no second endpoint.
    expect(await s.db.prisma.apiKey.count({ where: { shopId: 'shop-c', name: 'demo storefront' } })).toBe(1);
    expect(await s.db.prisma.eventEndpoint.count({ where: { shopId: c.shopId } })).toBe(1);
  }, 60_000);

  it("keeps another shop's storefront key in its own key file next to the default shop's, reused after a restart", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-keys-'));
    const keyFile = path.join(dir, 'demo-storefront-key');
    const noEvents = {} as DemoEventsService;
    const start = async () => {
      const app = express();
      app.use(demoRoutes({ prisma: s.db.prisma, options: { keyFile }, shops: { events: () => noEvents } }));
      return listen(app);
    };
    try {
      const before = await s.db.prisma.apiKey.count({ where: { shopId: 'shop-b' } });
      for (let run = 0; run < 2; run++) {
        const demo = await start();
        try {
          // The cart page asks the storefront config with the shop's key (this bare app has no API: nothing is offered).
          expect((await fetch(`${demo.url}/demo/shops/shop-b/`)).status).toBe(200);
        } finally {
          await demo.close();
        }
      }
      expect(await s.db.prisma.apiKey.count({ where: { shopId: 'shop-b' } })).toBe(before + 1);
      const saved = readFileSync(`${keyFile}.shop-b`, 'utf8').trim();
      expect(saved).toMatch(/^apk_/);
      expect((await s.call('GET', '/api/events?limit=1', { headers: { authorization: `Bearer ${saved}` } })).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves no other shop's demo with real Amazon Pay, even with DEMO_ENABLED (it would mint keys for any shop named)", async () => {
    const readiness = createReadinessProbe(s.db.url, s.env.connection);
    const { simulator: _sim, ...parts } = s.engineParts;
    const app = createEngineApp({ ...parts, amazonPayEndpoint: 'amazon', prisma: s.db.prisma, secretBox: s.secretBox, verifier: createSnsVerifier({ topicArns: [] }), readiness, log: createLogger('silent', 'demo-amazon'), demo: { enabled: true } });
    const server = await listen(app);
    try {
      const otherShopsKeys = () => s.db.prisma.apiKey.count({ where: { shopId: { not: 'default' } } });
      const othersBefore = await otherShopsKeys();
      for (const p of ['/demo/shops/shop-b/', '/demo/shops/shop-b/orders']) expect([p, (await fetch(`${server.url}${p}`)).status]).toEqual([p, 404]);
      expect((await fetch(`${server.url}/demo/shops/shop-b/checkout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'qty-mug=1' })).status).toBe(404);
      // The default shop's demo is what DEMO_ENABLED turns on, without the other shops' list.
      const cart = await (await fetch(`${server.url}/demo`)).text();
      expect(cart).toContain('id="cart-form"');
      expect(cart).not.toContain('id="other-shops"');
      // No key of any shop but the default's was made.
      expect(await otherShopsKeys()).toBe(othersBefore);
    } finally {
      await server.close();
      await readiness.close();
    }
  });
});


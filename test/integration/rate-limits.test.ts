/**
 * Issue 13 item 5: a rate-limit budget per route class and per admin API key, a throttled console
 * sign-in, and TRUST_PROXY deciding which address a client is counted by. Each case runs its own
 * engine app (small limits, fresh counters) on the real parts of one test stack.
 */
import { createApiKey } from '../../lib/api-keys';
import { loadConfig, type TrustProxy } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe, type ReadinessProbe } from '../../lib/readiness';
import { createSnsVerifier } from '../../lib/sns-verify';
import { createEngineApp } from '../../api/engine-app';
import type { RateLimits } from '../../api/rate-limits';
import { listen } from '../helpers/http';
import { useTestStack } from '../helpers/stack';

describe('rate limits', () => {
  let readiness: ReadinessProbe;
  const servers: { close(): Promise<void> }[] = [];
  // Declared before the stack: hooks run in declaration order, so these close before the stack stops.
  afterAll(async () => {
    for (const srv of servers) await srv.close();
    await readiness?.close();
  });
  const s = useTestStack();
  beforeAll(() => {
    readiness = createReadinessProbe(s.db.url, s.env.connection);
  });

  /** An engine app on the stack's parts with its own limits; returns a fetch helper against it. */
  async function engine(opts: { rateLimitPerMinute?: number; rateLimits?: Partial<RateLimits>; trustProxy?: TrustProxy }) {
    const app = createEngineApp({
      ...s.engineParts,
      secretBox: s.secretBox,
      prisma: s.db.prisma,
      verifier: createSnsVerifier({ topicArns: [] }),
      readiness,
      log: createLogger('silent', 'rate-limit-test'),
      console: { sessionSecret: 'r'.repeat(40) },
      ...opts,
    });
    const server = await listen(app);
    servers.push(server);
    return (method: string, pathname: string, init: { key?: string; body?: string; headers?: Record<string, string> } = {}) =>
      fetch(`${server.url}${pathname}`, {
        method,
        redirect: 'manual',
        headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
        body: init.body,
      });
  }

  const expect429 = async (r: Response) => {
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/Too many/);
  };
  let n = 0;
  const checkoutBody = () => JSON.stringify({ orderId: `RL-${++n}-${Date.now()}`, amount: { amount: 1200, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' });

  it('junk posted at the webhook until it is refused leaves checkouts working', async () => {
    const call = await engine({ rateLimitPerMinute: 5 });
    for (let i = 0; i < 5; i += 1) expect((await call('POST', '/api/webhooks/amazon-pay', { body: '{"junk":true}' })).status).toBe(400);
    await expect429(await call('POST', '/api/webhooks/amazon-pay', { body: '{"junk":true}' }));
    const checkout = await call('POST', '/api/checkouts', { key: s.keys.storefront, body: checkoutBody() });
    expect(checkout.status).toBe(201);
    expect((await call('GET', '/api/storefront/config', { key: s.keys.storefront })).status).toBe(200);
  });

  it("the demo shop's pages have a budget of their own per visitor", async () => {
    const call = await engine({ rateLimitPerMinute: 3 });
    const page = (ip: string) => call('GET', '/demo', { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i += 1) expect((await page('203.0.113.9')).status).toBe(200);
    const refused = await page('203.0.113.9');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { details: { scope: string } } }).error.details.scope).toBe('demo');
    expect((await page('203.0.113.10')).status).toBe(200);
    expect((await call('POST', '/api/checkouts', { key: s.keys.storefront, body: checkoutBody() })).status).toBe(201);
  });

  it("one admin key's traffic does not use up another key's budget, nor do requests with bad keys", async () => {
    const call = await engine({ rateLimits: { admin: 3 } });
    const a = (await createApiKey(s.db.prisma, 'viewer', 'rate A')).key;
    const b = (await createApiKey(s.db.prisma, 'viewer', 'rate B')).key;
    for (let i = 0; i < 4; i += 1) expect((await call('GET', '/api/admin/settings', { key: 'not-a-real-key-0000000000' })).status).toBe(i < 3 ? 401 : 429);
    for (let i = 0; i < 3; i += 1) expect((await call('GET', '/api/admin/settings', { key: a })).status).toBe(200);
    await expect429(await call('GET', '/api/admin/settings', { key: a }));
    expect((await call('GET', '/api/admin/settings', { key: b })).status).toBe(200);
  });

  it('console sign-in is refused from an address after N failures, even with the right key, and not from another', async () => {
    const call = await engine({ rateLimits: { consoleLoginFailures: 3 } });
    const editor = (await createApiKey(s.db.prisma, 'editor', 'console')).key;
    const signIn = async (apiKey: string, from: string) => {
      const page = await call('GET', '/admin/login', { headers: { 'x-forwarded-for': from } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
      return call('POST', '/admin/login', {
        headers: { 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded', cookie: `console_login_csrf=${encodeURIComponent(csrf)}` },
        body: new URLSearchParams({ _csrf: csrf, apiKey }).toString(),
      });
    };
    for (let i = 0; i < 3; i += 1) expect((await signIn(`wrong-key-${i}-00000000000`, '198.51.100.7')).status).toBe(401);
    const locked = await signIn(editor, '198.51.100.7');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(await locked.text()).toMatch(/サインインの失敗が多すぎます|Too many failed sign-ins/);
    // Another client is not locked out; a successful sign-in does not count.
    for (let i = 0; i < 4; i += 1) expect((await signIn(editor, '198.51.100.8')).status).toBe(303);
  });

  it('TRUST_PROXY decides which address is counted', async () => {
    const viaProxy = await engine({ rateLimitPerMinute: 2 });
    const direct = await engine({ rateLimitPerMinute: 2, trustProxy: false });
    const get = (call: Awaited<ReturnType<typeof engine>>, ip: string) => call('GET', '/api/storefront/config', { key: s.keys.storefront, headers: { 'x-forwarded-for': ip } });
    for (const call of [viaProxy, direct]) {
      expect((await get(call, '203.0.113.1')).status).toBe(200);
      expect((await get(call, '203.0.113.1')).status).toBe(200);
      expect((await get(call, '203.0.113.1')).status).toBe(429);
    }
    // Default (loopback trusted): the forwarded client is counted, so another client has its own budget.
    expect((await get(viaProxy, '203.0.113.2')).status).toBe(200);
    // Nothing trusted: every request counts against the proxy's own address.
    expect((await get(direct, '203.0.113.2')).status).toBe(429);
  });

  it('TRUST_PROXY is validated', () => {
    expect(loadConfig({}).api.trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback ,2001:db8::/32,192.0.2.1' }).api.trustProxy).toEqual(['10.0.0.0/8', 'loopback', '2001:db8::/32', '192.0.2.1']);
    for (const bad of ['true', 'proxy.example.com', '10.0.0.0/33', '300.1.1.1', '11']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: expected false, a hop count/);
    }
  });
});

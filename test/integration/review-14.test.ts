/**
 * Issue 14 review, as a hostile or careless caller: what the one money shape answers to malformed money (the reason,
 * not a generic shape message; the deprecation of the bare integer even when it is refused at the edge), and the
 * console's use of the admin key's rate budget now that it calls the admin use-cases in-process.
 */
import { createApiKey } from '../../lib/api-keys';
import { createLogger } from '../../lib/logger';
import { createReadinessProbe, type ReadinessProbe } from '../../lib/readiness';
import { readSettings } from '../../lib/settings';
import { createSnsVerifier } from '../../lib/sns-verify';
import { createEngineApp } from '../../api/engine-app';
import { listen, consoleSignIn } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

describe('issue 14 review', () => {
  let readiness: ReadinessProbe | undefined;
  const servers: { close(): Promise<void> }[] = [];
  // Declared before the stack: hooks run in declaration order, so these close before the stack stops.
  afterAll(async () => {
    for (const srv of servers) await srv.close();
    await readiness?.close();
  });
  const s = useTestStack();

  async function post(pathname: string, body: unknown) {
    const res = await fetch(`${s.api}${pathname}`, { method: 'POST', headers: { authorization: `Bearer ${s.keys.editor}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } } };
  }
  const captured = async (orderId: string) => (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body.amounts.captured.amount as number;

  describe('malformed money', () => {
    let orderId: string;
    beforeAll(async () => {
      orderId = `REV14-${Date.now()}`;
      await checkoutOrder(s, orderId, { amount: 3000, paymentIntent: 'Authorize' });
    }, 60_000);

    it('says what is wrong with a money object: an unknown or lower-case currency, a missing one, a fractional amount', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ amount: 500, currency: 'jpy' }, /currency.*unsupported currency; expected one of .*JPY/],
        [{ amount: 500, currency: 'XXX' }, /currency.*unsupported currency/],
        [{ amount: 500 }, /currency/],
        [{ amount: 500, currency: null }, /currency/],
        [{ amount: 12.5, currency: 'JPY' }, /amount.*no fractions/],
        [{ amount: '500', currency: 'JPY' }, /amount.*integer number of minor units/],
      ];
      for (const [i, [amount, why]] of cases.entries()) {
        const r = await post(`/api/admin/orders/${orderId}/capture?waitMs=2000`, { amount, requestId: `rev-shape-${i}` });
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('invalid_request');
        expect(r.body.error.details?.map((d) => `${d.path}: ${d.message}`).join('; ')).toMatch(why);
      }
      expect(await captured(orderId)).toBe(0);
    });

    it('says what is wrong with a bare integer, and answers its refusal at the edge with the Deprecation header too', async () => {
      for (const [i, [amount, why]] of ([[0, /positive/], [-5, /positive/], [1.5, /no fractions/], [2 ** 53, /largest amount/]] as Array<[number, RegExp]>).entries()) {
        const r = await post(`/api/admin/orders/${orderId}/refunds?waitMs=2000`, { amount, requestId: `rev-bare-${i}` });
        expect(r.status).toBe(400);
        expect(r.body.error.details?.map((d) => d.message).join('; ')).toMatch(why);
        expect(r.headers.get('deprecation')).toMatch(/^@\d+$/);
      }
      // The money object refused at the edge is not deprecated.
      expect((await post(`/api/admin/orders/${orderId}/refunds?waitMs=2000`, { amount: { amount: 0, currency: 'JPY' }, requestId: 'rev-obj-0' })).headers.get('deprecation')).toBeNull();
    });
  });

  describe("the console and the admin key's rate budget", () => {
    it('counts every console request of the signed-in key (pages and settings changes too), shared with the API', async () => {
      readiness = createReadinessProbe(s.db.url, s.env.connection);
      const app = createEngineApp({
        ...s.engineParts,
        secretBox: s.secretBox,
        prisma: s.db.prisma,
        verifier: createSnsVerifier({ topicArns: [] }),
        readiness,
        log: createLogger('silent', 'review-14'),
        console: { sessionSecret: 'v'.repeat(40) },
        rateLimits: { admin: 3 },
      });
      const server = await listen(app);
      servers.push(server);
      const key = (await createApiKey(s.db.prisma, 'editor', 'rev14-budget')).key;
      const cookie = await consoleSignIn(server.url, key);
      // Three requests of the key: two pages in the console, one call to the API.
      const page = await fetch(`${server.url}/admin/settings`, { headers: { cookie } });
      expect(page.status).toBe(200);
      const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())![1];
      expect((await fetch(`${server.url}/admin/orders`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/admin/settings`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      const before = await readSettings(s.db.prisma, 'default');
      // The budget is spent: a settings change from the console is refused, and nothing is written.
      const save = await fetch(`${server.url}/admin/settings`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, merchantStoreName: 'Budget spent' }).toString(),
      });
      expect(save.status).toBe(429);
      expect(await readSettings(s.db.prisma, 'default')).toEqual(before);
      expect((await fetch(`${server.url}/admin/orders`, { headers: { cookie } })).status).toBe(429);
      expect((await fetch(`${server.url}/api/admin/settings`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(429);
    });
  });
});

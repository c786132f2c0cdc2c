/**
 * createApp's rawBodyPaths (api/app.ts): the JSON parser leaves exactly the listed paths alone, an exact string or an
 * anchored pattern (the shops' demo event receivers), and nothing else; a pattern that could match more (unanchored)
 * or that keeps state between tests (g, y) is refused when the app is made.
 */
import { Router } from 'express';
import { createApp } from '../../api/app';
import { DEMO_EVENTS_PATH, DEMO_SHOP_EVENTS_PATH_PATTERN } from '../../api/demo/paths';
import { createLogger } from '../../lib/logger';
import type { ReadinessProbe } from '../../lib/readiness';
import { listen } from '../helpers/http';

const readiness: ReadinessProbe = { check: async () => ({ ready: true }) as never, close: async () => undefined };
const log = createLogger('silent', 'test');

describe('rawBodyPaths', () => {
  it('skips JSON parsing for the exact path and the shops\' receivers only', async () => {
    const router = Router();
    // Answers whether the JSON parser took the body before the route.
    router.post(/.*/, (req, res) => void res.json({ parsed: req.body !== undefined && !Buffer.isBuffer(req.body) && Object.keys(req.body as object).length > 0 }));
    const app = await listen(createApp({ readiness, log, routes: [router], rawBodyPaths: [DEMO_EVENTS_PATH, DEMO_SHOP_EVENTS_PATH_PATTERN] }));
    try {
      const parsed = async (p: string) => {
        const r = await fetch(`${app.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
        return ((await r.json()) as { parsed: boolean }).parsed;
      };
      expect(await parsed('/demo/events')).toBe(false);
      expect(await parsed('/demo/shops/shop-b/events')).toBe(false);
      expect(await parsed(`/demo/shops/${'a'.repeat(32)}/events`)).toBe(false);
      for (const p of ['/demo/checkout', '/demo/shops/shop-b/checkout', '/demo/shops/shop-b/events/x', '/demo/shops/a/b/events', '/demo/shops/-b/events', '/demo/shops/Shop-B/events', `/demo/shops/${'a'.repeat(33)}/events`, '/x/demo/shops/shop-b/events', '/api/checkouts']) {
        expect([p, await parsed(p)]).toEqual([p, true]);
      }
    } finally {
      await app.close();
    }
  });

  it('refuses a pattern that is not anchored at both ends, or has state', () => {
    for (const bad of [/\/events$/, /^\/demo\/shops\/[a-z]+\/events/, /^\/demo\/events$/g, /^\/demo\/events$/y]) {
      expect(() => createApp({ readiness, log, rawBodyPaths: [bad] })).toThrow(/rawBodyPaths/);
    }
  });
});

/**
 * The relay's two pure rules (docs/events.md, Delivery): what an answer means, and how long the next try waits.
 */
import { backoffMs, DEFAULT_RELAY_SETTINGS, deliveryOutcome } from '../../lib/event-relay';

describe('event relay rules', () => {
  it('reads each answer as docs/events.md says: 2xx delivered; 408, 429, 5xx, timeouts and unreachable retried; the rest refused', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(deliveryOutcome(status)).toBe('delivered');
    for (const status of [408, 429, 500, 502, 503, 504, 599]) expect(deliveryOutcome(status)).toBe('retry');
    for (const status of [300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 422, 499]) expect(deliveryOutcome(status)).toBe('refused');
    expect(deliveryOutcome('timeout')).toBe('retry');
    expect(deliveryOutcome('unreachable')).toBe('retry');
  });

  it('waits 10 s after the first try, doubling, at most 1 h, shortened by at most 10 % at random', () => {
    const s = DEFAULT_RELAY_SETTINGS;
    const exact = (attempts: number) => backoffMs(attempts, s, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(exact)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000]);
    expect(exact(10)).toBe(3_600_000);
    expect(exact(10_000)).toBe(3_600_000);
    expect(exact(0)).toBe(10_000);
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffMs(3, s, () => r);
      expect(d).toBeLessThanOrEqual(40_000);
      expect(d).toBeGreaterThanOrEqual(36_000);
    }
    expect(backoffMs(50, s, () => 0.999)).toBeLessThanOrEqual(3_600_000);
    // Three days of tries against an endpoint that is always down: 9 within the first 85 minutes, then one an hour.
    let t = 0;
    let attempts = 0;
    while (t < s.giveUpAfterMs && attempts < 1_000) t += backoffMs(++attempts, s, () => 0);
    expect(attempts).toBe(80);
  });
});

/**
 * lib/event-signature.ts (docs/events.md, Delivery): `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one v1 per secret,
 * and the sample verifier: the right secret within the tolerance, constant-time, nothing else.
 */
import { createHmac } from 'node:crypto';
import { signEvent, verifyEventSignature, SIGNATURE_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER } from '../../lib/event-signature';

const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment.captured', orderId: 'O-1', seq: 1, data: { amount: { amount: 1200, currency: 'JPY' } } });
const current = 'current-secret-0123456789abcdef0123456789';
const previous = 'previous-secret-0123456789abcdef012345678';
const t = 1_796_000_000;

describe('event signatures', () => {
  it('names the headers of docs/events.md', () => {
    expect([SIGNATURE_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER]).toEqual(['X-Engine-Signature', 'X-Engine-Event-Id', 'X-Engine-Event-Type']);
  });

  it('signs "<t>.<body>" with HMAC-SHA256, one v1 per secret, current first (the format the shop already checks)', () => {
    const mac = (secret: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signEvent(body, [current], t)).toBe(`t=${t},v1=${mac(current)}`);
    expect(signEvent(body, [current], t)).toMatch(/^t=(\d+),v1=([0-9a-f]{64})$/);
    expect(signEvent(body, [current, previous], t)).toBe(`t=${t},v1=${mac(current)},v1=${mac(previous)}`);
    expect(() => signEvent(body, [], t)).toThrow(/no secret/);
    expect(() => signEvent(body, [current], 1.5)).toThrow(/whole unix seconds/);
  });

  it('verifies with either secret of a rotation, within the tolerance only', () => {
    const header = signEvent(body, [current, previous], t);
    expect(verifyEventSignature(body, header, current, { nowSeconds: t })).toBe(true);
    expect(verifyEventSignature(body, header, previous, { nowSeconds: t + 300 })).toBe(true);
    expect(verifyEventSignature(body, header, current, { nowSeconds: t - 300 })).toBe(true);
    // A replay later than the tolerance, or a clock far ahead, is refused.
    expect(verifyEventSignature(body, header, current, { nowSeconds: t + 301 })).toBe(false);
    expect(verifyEventSignature(body, header, current, { nowSeconds: t - 301 })).toBe(false);
    expect(verifyEventSignature(body, header, current, { nowSeconds: t + 3600, toleranceSeconds: 3600 })).toBe(true);
  });

  it('refuses another secret, a changed body, a changed time and anything malformed', () => {
    const header = signEvent(body, [current], t);
    const now = { nowSeconds: t };
    expect(verifyEventSignature(body, header, 'another-secret-0123456789abcdef0123456', now)).toBe(false);
    expect(verifyEventSignature(body.replace('1200', '1300'), header, current, now)).toBe(false);
    expect(verifyEventSignature(body, header.replace(`t=${t}`, `t=${t + 1}`), current, { nowSeconds: t + 1 })).toBe(false);
    for (const bad of [undefined, null, '', 'garbage', `t=${t}`, header.split(',')[1], `t=abc,${header.split(',')[1]}`, `t=${t},v1=${'0'.repeat(63)}`, `t=${t},v1=${'z'.repeat(64)}`, 'x'.repeat(5000)]) {
      expect(verifyEventSignature(body, bad, current, now)).toBe(false);
    }
    // Unknown schemes next to v1 are ignored (a later v2 does not break today's shops).
    expect(verifyEventSignature(body, `${header},v0=abc`, current, now)).toBe(true);
    // The current time is the default.
    expect(verifyEventSignature(body, signEvent(body, [current], Math.floor(Date.now() / 1000)), current)).toBe(true);
  });
});

/**
 * The signature of an event POSTed to an endpoint (docs/events.md, Delivery), Stripe's scheme:
 * `X-Engine-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with one more `v1=` per further
 * secret (the previous one while a rotation's overlap lasts). The timestamp lets the shop refuse a replayed request.
 * verifyEventSignature is the sample verifier a shop can copy (docs/events.md, Verifying a signature).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Engine-Signature';
export const EVENT_ID_HEADER = 'X-Engine-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Engine-Event-Type';

/** How far the signature's time may be from the shop's clock, by default (either way). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function mac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/** The header's value: `t=<nowSeconds>` and one `v1=` per secret, in the order given (the current secret first). */
export function signEvent(body: string, secrets: readonly string[], nowSeconds: number): string {
  if (secrets.length === 0) throw new Error('signEvent: no secret to sign with');
  if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0) throw new Error('signEvent: nowSeconds must be whole unix seconds');
  return [`t=${nowSeconds}`, ...secrets.map((s) => `v1=${mac(s, nowSeconds, body)}`)].join(',');
}

/**
 * True when `header` carries a `v1` signature of `body` made with `secret` at a time within `toleranceSeconds` of
 * `nowSeconds`. `body` must be the raw request body, byte for byte (parse the JSON after checking). Constant-time.
 */
export function verifyEventSignature(
  body: string,
  header: string | undefined | null,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (typeof header !== 'string' || header.length > 4096) return false;
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0 || Math.abs(now - t) > tolerance) return false;
  const expected = Buffer.from(mac(secret, t, body), 'hex');
  let ok = false;
  // Every candidate is compared (no early exit), each in constant time.
  for (const c of candidates) ok = timingSafeEqual(expected, Buffer.from(c, 'hex')) || ok;
  return ok;
}

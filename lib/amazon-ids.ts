/**
 * The shapes of Amazon Pay's identifiers (docs/amazon-pay.md, "Identifiers"). An id is checked against its shape before
 * it goes into a request URL (the SDK puts ids into the path unencoded: `../`, `?` or `/` would address another
 * resource) and at the API's edge, where a malformed one is a 400 that changes nothing.
 */

/** Checkout session ids are UUIDs at Amazon; any letters, digits and hyphens are accepted, never `/`, `.`, `?` or `%`. */
const CHECKOUT_SESSION = /^[A-Za-z0-9][A-Za-z0-9-]{7,99}$/;
/** `S01-1234567-1234567`: a letter (S sandbox, P live, B recurring), the region's digits, two groups of digits. */
const CHARGE_PERMISSION = /^[A-Z][0-9]{2}-[0-9]{7}-[0-9]{7}$/;
/** A charge (`…-C123456`) or refund (`…-R123456`) on a permission. */
const CHARGE = /^[A-Z][0-9]{2}-[0-9]{7}-[0-9]{7}-C[0-9]{6,8}$/;
const REFUND = /^[A-Z][0-9]{2}-[0-9]{7}-[0-9]{7}-R[0-9]{6,8}$/;

export const AMAZON_ID_PATTERNS = { checkoutSession: CHECKOUT_SESSION, chargePermission: CHARGE_PERMISSION, charge: CHARGE, refund: REFUND } as const;
export type AmazonIdKind = keyof typeof AMAZON_ID_PATTERNS;

export function isAmazonId(kind: AmazonIdKind, id: unknown): id is string {
  return typeof id === 'string' && AMAZON_ID_PATTERNS[kind].test(id);
}

/** Thrown for an id that is not in Amazon's shape; the message never repeats the id. */
export class MalformedAmazonIdError extends Error {
  constructor(readonly kind: AmazonIdKind) {
    super(`not an Amazon Pay ${kind} id`);
    this.name = 'MalformedAmazonIdError';
  }
}

export function assertAmazonId(kind: AmazonIdKind, id: unknown): string {
  if (!isAmazonId(kind, id)) throw new MalformedAmazonIdError(kind);
  return id;
}

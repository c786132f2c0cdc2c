/**
 * The shapes of Amazon Pay's identifiers (docs/invariants.md, "Amazon ids are checked before they reach a URL"). An id is checked against its shape before
 * it goes into a request URL (the SDK puts ids into the path unencoded: `../`, `?` or `/` would address another
 * resource) and at the API's edge, where a malformed one is a 400 that changes nothing.
 */

/*
 * Amazon's documented shapes: UUID checkout sessions; `S01-1234567-1234567` permissions (S sandbox, P live, B
 * recurring); `…-C123456` charges and `…-R123456` refunds. The check is on what can be put in a URL path safely
 * (letters, digits and hyphens, bounded length, never `/`, `.`, `?`, `%`) rather than on the digit groups, so a
 * change in Amazon's numbering never stops a running engine.
 */
const URL_SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;
const CHECKOUT_SESSION = URL_SAFE_ID;
const CHARGE_PERMISSION = URL_SAFE_ID;
const CHARGE = URL_SAFE_ID;
const REFUND = URL_SAFE_ID;

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

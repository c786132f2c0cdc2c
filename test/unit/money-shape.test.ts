/**
 * Issue 14 part 7 without Temporal: the currency rule lives in the order's update validators (workflows/validators.ts,
 * by lib/money.ts currencyRefusal), the fingerprint of a money request does not depend on its shape, and the API's
 * schema takes both shapes, marking the bare integer deprecated.
 */
import { ApplicationFailure } from '@temporalio/common';
import { amountInputSchema, amountOf, captureSchema } from '../../api/schemas';
import { REJECTION_TYPES } from '../../workflows/messages';
import { currencyRefusal } from '../../lib/money';
import { requestFingerprint, validateCapture, validateCheckoutConfirmed, validateRefund, type ValidationView } from '../../workflows/validators';

/** A JPY order, Authorized with 3000 to capture and 1000 captured; `seen` answers whether a requestId was seen. */
const view = (seen: 'new' | 'same' | 'reused' = 'new', over: Partial<ValidationView> = {}): ValidationView => ({
  paymentStatus: 'Authorized',
  currency: 'JPY',
  capturable: 3000,
  captured: 1000,
  hasOpenCharge: true,
  finished: false,
  requestSeen: () => seen,
  notificationRefusal: () => undefined,
  approval: () => undefined,
  known: () => false,
  state: () => ({ paymentStatus: 'Authorized', currency: 'JPY', capturable: 3000, captured: 1000, refunded: 0, refundable: 1000 }),
  ...over,
});

function refusal(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof ApplicationFailure ? (err.type ?? 'untyped') : 'not an ApplicationFailure';
  }
}

describe('the currency rule', () => {
  it('admits the order currency or none, and refuses another', () => {
    expect(currencyRefusal(undefined, 'JPY')).toBeUndefined();
    expect(currencyRefusal('JPY', 'JPY')).toBeUndefined();
    expect(currencyRefusal('USD', 'JPY')).toMatch(/USD.*JPY/);
  });

  it('is checked by the capture, refund and confirm validators, before a repeat is recognised', () => {
    for (const seen of ['new', 'same'] as const) {
      expect(refusal(() => validateCapture(view(seen), { amount: 500, currency: 'USD', requestId: 'r' }))).toBe(REJECTION_TYPES.currencyMismatch);
      expect(refusal(() => validateRefund(view(seen, { paymentStatus: 'Captured' }), { amount: 500, currency: 'EUR', requestId: 'r' }))).toBe(REJECTION_TYPES.currencyMismatch);
    }
    expect(refusal(() => validateCapture(view(), { amount: 500, currency: 'JPY', requestId: 'r' }))).toBeUndefined();
    expect(refusal(() => validateCapture(view(), { amount: 500, requestId: 'r' }))).toBeUndefined();
    const checkout = view('new', { paymentStatus: 'CheckoutPending', checkoutSessionId: 'sess' });
    expect(refusal(() => validateCheckoutConfirmed(checkout, { checkoutResultReturnUrl: 'https://shop.example/r', amount: 1500, currency: 'USD' }))).toBe(REJECTION_TYPES.currencyMismatch);
    expect(refusal(() => validateCheckoutConfirmed(checkout, { checkoutResultReturnUrl: 'https://shop.example/r', amount: 1500, currency: 'JPY' }))).toBeUndefined();
    // A currency that is not even a string is an invalid argument.
    expect(refusal(() => validateCapture(view(), { amount: 500, currency: 42 as unknown as string, requestId: 'r' }))).toBe(REJECTION_TYPES.invalidArgument);
  });

  it('keeps the amount bound for both shapes (the order currency\'s maximum)', () => {
    expect(refusal(() => validateCapture(view(), { amount: 10_000_001, requestId: 'r' }))).toBe(REJECTION_TYPES.invalidArgument);
    expect(refusal(() => validateCapture(view(), { amount: 10_000_001, currency: 'JPY', requestId: 'r' }))).toBe(REJECTION_TYPES.invalidArgument);
  });
});

describe('the two shapes of an amount', () => {
  it('fingerprint the same: {amount: 500, currency: JPY} and 500 are one request on a JPY order', () => {
    expect(requestFingerprint('capture', { amount: 500, currency: 'JPY', requestId: 'r' })).toBe(requestFingerprint('capture', { amount: 500, requestId: 'r' }));
    expect(requestFingerprint('refund', { amount: 500, currency: 'JPY', requestId: 'r' })).not.toBe(requestFingerprint('refund', { amount: 501, requestId: 'r' }));
  });

  it('are both taken at the edge, the integer marked deprecated; anything else is refused with one message', () => {
    expect(amountOf(amountInputSchema.parse({ amount: 500, currency: 'JPY' }))).toEqual({ amount: 500, currency: 'JPY', deprecated: false });
    expect(amountOf(amountInputSchema.parse(500))).toEqual({ amount: 500, deprecated: true });
    for (const bad of [0, 1.5, '500', { amount: 500 }, { amount: 500, currency: 'XXX' }, { amount: 10_000_001, currency: 'JPY' }]) {
      const r = captureSchema.safeParse({ amount: bad, requestId: 'r' });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/amount|minor units|currency|maximum/);
    }
  });
});

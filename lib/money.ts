// Integer minor-unit money rules: currency exponents, Amazon's "12.34" strings, the refund cap (docs/amazon-pay.md, Amounts
// and currencies) and the one currency of an order.

/** Minor-unit exponent of each currency Amazon Pay supports. */
export const CURRENCY_EXPONENT: Readonly<Record<string, number>> = {
  AUD: 2, GBP: 2, DKK: 2, EUR: 2, HKD: 2, JPY: 0, NZD: 2, NOK: 2, ZAR: 2, SEK: 2, CHF: 2, USD: 2,
};

/**
 * Amazon's largest amount per charge, capture or refund, in minor units (docs/invariants.md, "Every amount is bounded"); a currency
 * without its own figure gets the USD one. Every amount the engine accepts is bounded by this, at the API's edge and in
 * the workflow's update validators, so no amount can reach Amazon, a history row or a column that Amazon would refuse.
 */
const MAX_AMOUNT: Readonly<Record<string, number>> = { JPY: 10_000_000, USD: 15_000_000, GBP: 15_000_000, EUR: 15_000_000 };
const MAX_AMOUNT_DEFAULT = 15_000_000;

export function maxAmount(currency: string): number {
  return MAX_AMOUNT[currency] ?? MAX_AMOUNT_DEFAULT;
}

/** The largest amount of any currency: the bound for an amount whose currency is not known yet (an edge check). */
export const MAX_AMOUNT_ANY_CURRENCY = Math.max(MAX_AMOUNT_DEFAULT, ...Object.values(MAX_AMOUNT));

/** Whether `v` is an amount Amazon could accept in `currency`: a positive integer of minor units up to its maximum. */
export function isValidAmount(v: unknown, currency: string): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= maxAmount(currency);
}

/**
 * The one currency rule: an amount given with a currency (a money object) must be in the order's (or subscription's)
 * currency, which never changes; a bare amount is in the order's currency. The refusal's message, or undefined.
 */
export function currencyRefusal(given: string | undefined, expected: string): string | undefined {
  if (given === undefined || given === expected) return undefined;
  return `the amount is in ${given}, but the order is in ${expected}; amounts are in the order's currency`;
}

/** The absolute part of the refund allowance over the captured amount, in minor units. */
const REFUND_OVERAGE_CAP: Readonly<Record<string, number>> = { JPY: 8400, USD: 7500, GBP: 7500, EUR: 7500 };

export function isSupportedCurrency(currency: string): boolean {
  return CURRENCY_EXPONENT[currency] !== undefined;
}

export function exponentOf(currency: string): number {
  const e = CURRENCY_EXPONENT[currency];
  if (e === undefined) throw new RangeError(`unsupported currency ${currency}`);
  return e;
}

/** 1500 JPY → "1500"; 1234 USD cents → "12.34". */
export function toAmazonAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`amount must be a non-negative integer of minor units, got ${minor}`);
  const e = exponentOf(currency);
  if (e === 0) return String(minor);
  const digits = String(minor).padStart(e + 1, '0');
  return `${digits.slice(0, -e)}.${digits.slice(-e)}`;
}

/** "12.3" USD → 1230; "1500" JPY → 1500. Parsed as text, never through floating point. */
export function fromAmazonAmount(amount: string, currency: string): number {
  const e = exponentOf(currency);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`not an amount: "${amount}"`);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > e) throw new RangeError(`"${amount}" has more decimals than ${currency} allows`);
  return Number(m[1]) * 10 ** e + Number(fraction.padEnd(e, '0') || '0');
}

/**
 * Total that may be refunded on a capture: the captured amount plus min(15 %, 75 USD/GBP/EUR,
 * 8,400 JPY). Currencies without a known absolute cap get the 15 % alone.
 */
export function refundLimit(captured: number, currency: string): number {
  const overage = Math.floor((captured * 15) / 100);
  const cap = REFUND_OVERAGE_CAP[currency];
  return captured + (cap === undefined ? overage : Math.min(overage, cap));
}

// Amounts as integer minor units: parsing Amazon's `{amount, currencyCode}`, formatting, limits and the refund cap.
import { AmazonError } from './errors';

export interface Money {
  /** Integer minor units (yen for JPY, cents for USD). */
  minor: number;
  currency: string;
}

export interface Price {
  amount: string;
  currencyCode: string;
}

/** Minor-unit exponent of each currency Amazon Pay accepts. */
const EXPONENT: Record<string, number> = {
  AUD: 2, GBP: 2, DKK: 2, EUR: 2, HKD: 2, JPY: 0, NZD: 2, NOK: 2, ZAR: 2, SEK: 2, CHF: 2, USD: 2,
};

/** Largest chargeAmount per currency, in minor units. */
const MAX_CHARGE: Record<string, number> = {
  USD: 15_000_000, GBP: 15_000_000, EUR: 15_000_000, JPY: 10_000_000,
};

/** Ceiling on the refund allowance above the captured amount (the smaller of this and 15 %). */
const REFUND_EXTRA_CEILING: Record<string, number> = { USD: 7_500, GBP: 7_500, EUR: 7_500, JPY: 8_400 };

export function isSupportedCurrency(code: string): boolean {
  return EXPONENT[code] !== undefined;
}

/** Parses a wire price; `field` names it in error messages. Throws InvalidParameterValue. */
export function parsePrice(price: Price, field: string): Money {
  const currency = price.currencyCode;
  const exponent = EXPONENT[currency];
  if (exponent === undefined) {
    throw new AmazonError('InvalidParameterValue', `The value '${currency}' provided for '${field}.currencyCode' is invalid.`);
  }
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(price.amount);
  if (!match) {
    throw new AmazonError('InvalidParameterValue', `The value '${price.amount}' provided for '${field}.amount' is invalid.`);
  }
  const decimals = match[2] ?? '';
  if (decimals.length > exponent) {
    throw new AmazonError(
      'InvalidParameterValue',
      `The value '${price.amount}' provided for '${field}.amount' has more decimal places than ${currency} allows (${exponent}).`,
    );
  }
  const minor = Number(match[1]) * 10 ** exponent + Number(decimals.padEnd(exponent, '0') || '0');
  if (minor <= 0) {
    throw new AmazonError('InvalidParameterValue', `The value '${price.amount}' provided for '${field}.amount' must be greater than zero.`);
  }
  const max = MAX_CHARGE[currency];
  if (max !== undefined && minor > max) {
    throw new AmazonError('TransactionAmountExceeded', `The value provided for '${field}' exceeds the maximum allowed amount for ${currency}.`);
  }
  return { minor, currency };
}

export function formatMinor(minor: number, currency: string): string {
  const exponent = EXPONENT[currency] ?? 2;
  if (exponent === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const unit = 10 ** exponent;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exponent, '0')}`;
}

export function toPrice(money: Money): Price {
  return { amount: formatMinor(money.minor, money.currency), currencyCode: money.currency };
}

/** Most that all refunds of a capture may total: captured + min(15 %, per-currency ceiling). */
export function refundCap(capturedMinor: number, currency: string): number {
  const fifteen = Math.floor((capturedMinor * 15) / 100);
  const ceiling = REFUND_EXTRA_CEILING[currency];
  return capturedMinor + (ceiling === undefined ? fifteen : Math.min(fifteen, ceiling));
}

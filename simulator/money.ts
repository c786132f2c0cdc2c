// Amounts as integer minor units: parsing Amazon's `{amount, currencyCode}`, formatting, limits and the refund cap.
import { CURRENCY_EXPONENT, maxAmount } from '../lib/money';
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

// The currency table, Amazon's maximum per amount and the refund cap are the engine's own rules (lib/money.ts, the one
// place they are written); the simulator adds what Amazon does at the wire: parsing "12.34", and its error codes.
const EXPONENT = CURRENCY_EXPONENT;

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
  if (minor > maxAmount(currency)) {
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

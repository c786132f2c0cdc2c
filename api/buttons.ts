/**
 * What a shop needs to render an Amazon button (amazon.Pay.renderButton): the button script, the merchant's
 * ledger currency and language, and a payload the engine signed with the merchant's key (the shop never holds it).
 * Used by the checkout start (Amazon Pay button), the Sign in with Amazon button and the storefront config.
 */
import type { AmazonPayConfig } from '../lib/config';

export const SCRIPT_URLS: Record<AmazonPayConfig['region'], string> = {
  jp: 'https://static-fe.payments-amazon.com/checkout.js',
  eu: 'https://static-eu.payments-amazon.com/checkout.js',
  na: 'https://static-na.payments-amazon.com/checkout.js',
};
export const LEDGER_CURRENCY: Record<AmazonPayConfig['region'], string> = { jp: 'JPY', eu: 'EUR', na: 'USD' };
export const LANGUAGE: Record<AmazonPayConfig['region'], string> = { jp: 'ja_JP', eu: 'en_GB', na: 'en_US' };

/** The Amazon Pay button script for this merchant (the bundled simulator serves its own). */
export function buttonScriptUrl(m: AmazonPayConfig): string {
  return m.endpoint === 'simulator' ? `https://${m.simulatorAddress}/checkout.js` : SCRIPT_URLS[m.region];
}

/** The signed payload and the button's settings, as the checkout and sign-in answers carry them. */
export function signedButton(
  m: AmazonPayConfig,
  payloadJSON: string,
  signature: string,
  kind: { productType: 'PayAndShip' | 'SignIn'; placement: 'Checkout' | 'Other'; config: 'createCheckoutSessionConfig' | 'signInConfig'; extra?: Record<string, unknown> },
) {
  const signed = { payloadJSON, signature, publicKeyId: m.publicKeyId, algorithm: m.algorithm };
  return {
    ...signed,
    merchantId: m.merchantId,
    region: m.region,
    sandbox: m.sandbox,
    button: {
      scriptUrl: buttonScriptUrl(m),
      merchantId: m.merchantId,
      ledgerCurrency: LEDGER_CURRENCY[m.region],
      checkoutLanguage: LANGUAGE[m.region],
      productType: kind.productType,
      placement: kind.placement,
      sandbox: m.sandbox,
      ...kind.extra,
      [kind.config]: signed,
    },
  };
}

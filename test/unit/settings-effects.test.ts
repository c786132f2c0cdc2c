/**
 * The rules behind the settings' effects, without a stack: which quick checkout requests the
 * settings allow, what the storefront config tells a shop, and which settings fields are v1 (MWS) keys.
 */
import { legacyMwsFields } from '../../api/admin';
import { ApiError } from '../../api/errors';
import { assertQuickCheckoutRequest } from '../../api/quick-checkout';
import { storefrontConfig } from '../../api/storefront';
import type { AmazonPayConfig } from '../../lib/config';
import { shopSettingsSchema, type ShopSettings } from '../../lib/settings';

const settingsWith = (quick: Partial<ShopSettings['quickCheckout']>, rest: Partial<ShopSettings> = {}): ShopSettings =>
  shopSettingsSchema.parse({ ...rest, quickCheckout: { enabled: true, ...quick } });

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : String(err);
  }
};

describe('quick checkout requests against the settings', () => {
  it('allows the placements buttonPosition offers; a start without placement comes from the cart', () => {
    const cart = settingsWith({ buttonPosition: 'cart' });
    const product = settingsWith({ buttonPosition: 'product' });
    const both = settingsWith({ buttonPosition: 'both' });
    expect(codeOf(() => assertQuickCheckoutRequest(cart, { mode: 'quick' }))).toBeUndefined();
    expect(codeOf(() => assertQuickCheckoutRequest(cart, { mode: 'quick', placement: 'product' }))).toBe('409 quick_checkout_placement_not_allowed');
    expect(codeOf(() => assertQuickCheckoutRequest(product, { mode: 'quick' }))).toBe('409 quick_checkout_placement_not_allowed');
    expect(codeOf(() => assertQuickCheckoutRequest(product, { mode: 'quick', placement: 'product' }))).toBeUndefined();
    expect(codeOf(() => assertQuickCheckoutRequest(both, { mode: 'quick', placement: 'product' }))).toBeUndefined();
    expect(codeOf(() => assertQuickCheckoutRequest(both, { mode: 'quick', placement: 'cart' }))).toBeUndefined();
  });

  it('takes the note and custom fields only when switched on, and only in a quick checkout', () => {
    const off = settingsWith({});
    const on = settingsWith({ noteField: true, customFields: true });
    expect(codeOf(() => assertQuickCheckoutRequest(off, { mode: 'quick', note: 'n' }))).toBe('409 note_field_disabled');
    expect(codeOf(() => assertQuickCheckoutRequest(off, { mode: 'quick', customFields: { order: {} } }))).toBe('409 custom_fields_disabled');
    expect(codeOf(() => assertQuickCheckoutRequest(on, { mode: 'quick', note: 'n', customFields: { delivery: { a: 'b' } } }))).toBeUndefined();
    expect(codeOf(() => assertQuickCheckoutRequest(on, { note: 'n' }))).toBe('400 quick_checkout_only');
    expect(codeOf(() => assertQuickCheckoutRequest(on, { mode: 'standard', placement: 'cart' }))).toBe('400 quick_checkout_only');
    expect(codeOf(() => assertQuickCheckoutRequest(off, { mode: 'standard' }))).toBeUndefined();
  });
});

describe('storefront config', () => {
  const merchant: AmazonPayConfig = { endpoint: 'amazon', region: 'eu', sandbox: false, merchantId: 'A1B2C3D4E5F6G7', algorithm: 'AMZN-PAY-RSASSA-PSS-V2' } as AmazonPayConfig;

  it('offers only what the settings switch on', () => {
    const c = storefrontConfig(settingsWith({ buttonPosition: 'both', noteField: true }, { signInWithAmazon: true, paymentIntent: 'Authorize' }), merchant);
    expect(c).toMatchObject({ enabled: true, paymentIntent: 'Authorize', buttons: { amazonPay: true, signInWithAmazon: true, quickCheckout: { cart: true, product: true } }, quickCheckout: { placements: ['cart', 'product'], noteField: true, customFields: false } });
    expect(c.merchant).toEqual({ merchantId: 'A1B2C3D4E5F6G7', region: 'eu', sandbox: false, ledgerCurrency: 'EUR', checkoutLanguage: 'en_GB', scriptUrl: 'https://static-eu.payments-amazon.com/checkout.js' });
    const quickOff = storefrontConfig(shopSettingsSchema.parse({ quickCheckout: { enabled: false, noteField: true } }), merchant);
    expect(quickOff.quickCheckout).toMatchObject({ enabled: false, placements: [], noteField: false });
    const off = storefrontConfig(settingsWith({ buttonPosition: 'both' }, { enabled: false, signInWithAmazon: true }), merchant);
    expect(off.buttons).toEqual({ amazonPay: false, signInWithAmazon: false, quickCheckout: { cart: false, product: false } });
  });
});

describe('legacy MWS keys in a settings update', () => {
  it('are found however spelt, at the top level or in amazonPay, and an AKIA access key given as public key id', () => {
    expect(legacyMwsFields({ mwsAccessKey: 'x', MWS_SECRET_KEY: 'y', 'aws-access-key-id': 'z', secretKey: 's', paymentIntent: 'Authorize' })).toEqual(['mwsAccessKey', 'MWS_SECRET_KEY', 'aws-access-key-id', 'secretKey']);
    expect(legacyMwsFields({ amazonPay: { accessKeyId: 'x', mwsAuthToken: 'y', merchantId: 'A1' } })).toEqual(['amazonPay.accessKeyId', 'amazonPay.mwsAuthToken']);
    expect(legacyMwsFields({ amazonPay: { publicKeyId: 'AKIAIOSFODNN7EXAMPLE' } })).toEqual(['amazonPay.publicKeyId']);
    expect(legacyMwsFields({ amazonPay: { publicKeyId: 'SANDBOX-AEXAMPLE1234567890' }, merchantId: 'A1', signInWithAmazon: true })).toEqual([]);
  });
});

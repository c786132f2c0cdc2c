/**
 * Issue 9 item 6: the shop settings (docs/product-rules.md, Settings) take effect end to end. Each test changes a setting
 * through the admin API and observes the storefront's behaviour: the storefront config, Sign in
 * with Amazon, the quick checkout button position, note and custom fields, the address source
 * recorded on the order, and legacy MWS keys refused.
 */
import { useTestStack } from '../helpers/stack';

const QUICK_DEFAULTS = { enabled: false, buttonPosition: 'cart', noteField: false, customFields: false, guestTakesAmazonAddress: true };

describe('shop settings take effect', () => {
  const s = useTestStack();

  const settings = async (patch: Record<string, unknown>) => {
    const r = await s.call('PUT', '/api/admin/settings', { role: 'editor', body: patch });
    expect(r.status).toBe(200);
    return r.body.settings;
  };
  const quick = (patch: Record<string, unknown>) => settings({ quickCheckout: { ...QUICK_DEFAULTS, enabled: true, ...patch } });
  const config = async () => {
    const r = await s.call('GET', '/api/storefront/config', { role: 'storefront' });
    expect(r.status).toBe(200);
    return r.body;
  };
  let n = 0;
  const start = (extra: Record<string, unknown>) =>
    s.call('POST', '/api/checkouts', {
      role: 'storefront',
      body: { orderId: `SET-${++n}`, amount: { amount: 1800, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result', ...extra },
    });

  afterEach(async () => {
    await settings({ enabled: true, paymentIntent: 'AuthorizeWithCapture', addressSource: 'amazon', signInWithAmazon: false, quickCheckout: QUICK_DEFAULTS });
  });

  describe('storefront config', () => {
    it('tells the shop which buttons to render, following the settings', async () => {
      expect(await config()).toMatchObject({
        enabled: true,
        paymentIntent: 'AuthorizeWithCapture',
        addressSource: 'amazon',
        chargebackProtection: true,
        buttons: { amazonPay: true, signInWithAmazon: false, quickCheckout: { cart: false, product: false } },
        quickCheckout: { enabled: false, placements: [], noteField: false, customFields: false },
        merchant: { merchantId: s.merchant.merchantId, region: 'jp', sandbox: true, ledgerCurrency: 'JPY', scriptUrl: expect.stringMatching(/checkout\.js$/) },
      });

      await settings({ paymentIntent: 'Authorize', addressSource: 'buyer', signInWithAmazon: true });
      await quick({ buttonPosition: 'product', noteField: true });
      expect(await config()).toMatchObject({
        paymentIntent: 'Authorize',
        addressSource: 'buyer',
        chargebackProtection: false,
        buttons: { amazonPay: true, signInWithAmazon: true, quickCheckout: { cart: false, product: true } },
        quickCheckout: { enabled: true, buttonPosition: 'product', placements: ['product'], noteField: true, customFields: false, addressSource: 'amazon' },
      });
      await quick({ buttonPosition: 'both', customFields: true });
      expect((await config()).buttons.quickCheckout).toEqual({ cart: true, product: true });

      // Amazon Pay off: no button at all, whatever else is on.
      await settings({ enabled: false });
      expect((await config()).buttons).toEqual({ amazonPay: false, signInWithAmazon: false, quickCheckout: { cart: false, product: false } });
    });

    it('is for storefront keys only', async () => {
      expect((await s.call('GET', '/api/storefront/config')).status).toBe(401);
      expect((await s.call('GET', '/api/storefront/config', { role: 'viewer' })).status).toBe(403);
    });
  });

  describe('signInWithAmazon', () => {
    const returnUrl = 'https://shop.example/signin';
    const buttonPayload = () => s.call('POST', '/api/members/sign-in/button', { role: 'storefront', body: { signInReturnUrl: returnUrl } });
    /** The buyer signs in at the simulator with a payload the test signs itself (as a shop ignoring the settings might). */
    const tokenFromSimulator = async (payloadJSON: string, signature: string) => {
      const r = await s.control<{ buyerToken: string }>('POST', '/__sim/buyer/signin', { payloadJSON, signature, publicKeyId: s.merchant.publicKeyId });
      expect(r.status).toBe(201);
      return r.data.buyerToken;
    };

    it('refuses the button, the sign-in and a buyerToken link while off', async () => {
      const button = await buttonPayload();
      expect(button.status).toBe(409);
      expect(button.body.error.code).toBe('sign_in_with_amazon_disabled');
      const payloadJSON = JSON.stringify({ signInReturnUrl: returnUrl, storeId: s.merchant.storeId, signInScopes: ['name', 'email'] });
      const token = await tokenFromSimulator(payloadJSON, s.amazonPay.generateButtonSignature(payloadJSON));
      const signIn = await s.call('POST', '/api/members/sign-in', { role: 'storefront', body: { buyerToken: token } });
      expect(signIn.status).toBe(409);
      expect(signIn.body.error).toMatchObject({ code: 'sign_in_with_amazon_disabled', message: expect.stringContaining('signInWithAmazon') });
      const link = await s.call('POST', '/api/members/links', { role: 'storefront', body: { memberId: 'm-off', memberEmail: 'taro.yamada@example.jp', buyerToken: token } });
      expect(link.status).toBe(409);
      expect(link.body.error.code).toBe('sign_in_with_amazon_disabled');
    });

    it('signs the button and signs the buyer in while on', async () => {
      await settings({ signInWithAmazon: true });
      const button = await buttonPayload();
      expect(button.status).toBe(201);
      expect(JSON.parse(button.body.payloadJSON)).toEqual({ signInReturnUrl: returnUrl, storeId: s.merchant.storeId, signInScopes: ['name', 'email'] });
      expect(button.body.button).toMatchObject({ productType: 'SignIn', merchantId: s.merchant.merchantId, signInConfig: { payloadJSON: button.body.payloadJSON, signature: button.body.signature } });
      // The simulator (Amazon) accepts the engine's signature and hands the shop a buyerToken.
      const token = await tokenFromSimulator(button.body.payloadJSON, button.body.signature);
      const signIn = await s.call('POST', '/api/members/sign-in', { role: 'storefront', body: { buyerToken: token } });
      expect(signIn.status).toBe(200);
      expect(signIn.body).toMatchObject({ linked: false, memberId: null, buyer: { buyerId: expect.stringMatching(/^amzn1\.account\./), email: expect.stringContaining('@') } });

      // Amazon Pay switched off as a whole: no sign-in either.
      await settings({ enabled: false });
      expect((await s.call('POST', '/api/members/sign-in', { role: 'storefront', body: { buyerToken: token } })).body.error.code).toBe('amazon_pay_disabled');
    });
  });

  describe('quick checkout button position, note and custom fields', () => {
    it('refuses a quick checkout from a page the button position does not offer', async () => {
      await quick({ buttonPosition: 'product' });
      const fromCart = await start({ mode: 'quick' });
      expect(fromCart.status).toBe(409);
      expect(fromCart.body.error).toMatchObject({ code: 'quick_checkout_placement_not_allowed', details: { placement: 'cart', allowed: ['product'] } });
      expect((await start({ mode: 'quick', placement: 'cart' })).body.error.code).toBe('quick_checkout_placement_not_allowed');
      const fromProduct = await start({ mode: 'quick', placement: 'product' });
      expect(fromProduct.status).toBe(201);
      expect(fromProduct.body).toMatchObject({ mode: 'quick', placement: 'product' });

      await quick({ buttonPosition: 'cart' });
      expect((await start({ mode: 'quick', placement: 'product' })).body.error.code).toBe('quick_checkout_placement_not_allowed');
      // Without a placement a quick checkout comes from the cart (the default position).
      expect((await start({ mode: 'quick' })).body).toMatchObject({ placement: 'cart' });

      await quick({ buttonPosition: 'both' });
      expect((await start({ mode: 'quick', placement: 'cart' })).status).toBe(201);
      expect((await start({ mode: 'quick', placement: 'product' })).status).toBe(201);
    }, 60_000);

    it('takes a note and custom fields only when switched on, and keeps them with the order', async () => {
      await quick({});
      const note = await start({ mode: 'quick', note: '不在時は宅配ボックスへ' });
      expect(note.status).toBe(409);
      expect(note.body.error.code).toBe('note_field_disabled');
      const fields = await start({ mode: 'quick', customFields: { order: { 'gift-wrap': 'yes' } } });
      expect(fields.status).toBe(409);
      expect(fields.body.error.code).toBe('custom_fields_disabled');
      // A standard checkout has no quick checkout page: these are a mistake there.
      const standard = await start({ note: 'x', placement: 'cart' });
      expect(standard.status).toBe(400);
      expect(standard.body.error).toMatchObject({ code: 'quick_checkout_only', details: { fields: ['placement', 'note'] } });
      const badKey = await start({ mode: 'quick', customFields: { order: { 'bad key!': 'x' } } });
      expect(badKey.status).toBe(400);

      await quick({ noteField: true, customFields: true });
      const customFields = { order: { 'gift-wrap': 'yes', how_found: ['magazine', 'friend'] }, delivery: { 'delivery-time': '午前中' } };
      const started = await start({ mode: 'quick', note: '不在時は宅配ボックスへ', customFields });
      expect(started.status).toBe(201);
      const orderId = `SET-${n}`;
      const detail = await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' });
      expect(detail.status).toBe(200);
      expect(detail.body.checkout).toEqual({ mode: 'quick', addressSource: 'amazon', chargebackProtection: true, placement: 'cart', note: '不在時は宅配ボックスへ', customFields });
    }, 60_000);
  });

  describe('address source', () => {
    it('records the address source each order used, whatever the setting becomes later', async () => {
      await settings({ addressSource: 'buyer' });
      const buyer = await start({});
      expect(buyer.body.addressSource).toBe('buyer');
      const buyerOrder = `SET-${n}`;
      await quick({});
      // Quick checkout has no address form in the shop: Amazon's address, even with "buyer".
      const quickOrder = await start({ mode: 'quick' });
      expect(quickOrder.body.addressSource).toBe('amazon');
      const quickOrderId = `SET-${n}`;
      await settings({ addressSource: 'amazon' });

      const detail = await s.call('GET', `/api/admin/orders/${buyerOrder}`, { role: 'viewer' });
      expect(detail.body.checkout).toMatchObject({ mode: 'standard', addressSource: 'buyer', chargebackProtection: false, placement: null, note: null, customFields: null });
      expect((await s.call('GET', `/api/admin/orders/${quickOrderId}`, { role: 'viewer' })).body.checkout).toMatchObject({ mode: 'quick', addressSource: 'amazon', chargebackProtection: true });
    }, 60_000);
  });

  describe('legacy MWS keys', () => {
    it.each([
      [{ mwsAccessKey: 'AKIAIOSFODNN7EXAMPLE' }, ['mwsAccessKey']],
      [{ mws_secret_key: 'x' }, ['mws_secret_key']],
      [{ secretAccessKey: 'x', paymentIntent: 'Authorize' }, ['secretAccessKey']],
      [{ amazonPay: { merchantId: 'A1B2C3D4E5F6G7', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } }, ['amazonPay.accessKeyId']],
      [{ amazonPay: { publicKeyId: 'AKIAIOSFODNN7EXAMPLE' } }, ['amazonPay.publicKeyId']],
    ])('refuses %j with a message naming the v2 credentials, changing nothing', async (body, fields) => {
      const r = await s.call('PUT', '/api/admin/settings', { role: 'editor', body });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'legacy_mws_keys', details: { fields } });
      expect(r.body.error.message).toMatch(/retired Amazon Pay v1 API.*publicKeyId, privateKey/);
      expect((await s.call('GET', '/api/admin/settings', { role: 'viewer' })).body.settings.paymentIntent).toBe('AuthorizeWithCapture');
    });
  });

  it('documents the storefront config, the sign-in button and the quick checkout fields in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body;
    const start = doc.paths['/api/checkouts'].post.requestBody.content['application/json'].schema;
    expect(start.properties.placement.enum).toEqual(['cart', 'product']);
    expect(start.properties.placement.description).toMatch(/default `cart`/);
    expect(Object.keys(start.properties)).toEqual(expect.arrayContaining(['note', 'customFields']));
    expect(doc.paths['/api/storefront/config'].get).toBeDefined();
    expect(doc.paths['/api/members/sign-in/button'].post.requestBody.content['application/json'].schema.properties.signInReturnUrl).toBeDefined();
  });
});

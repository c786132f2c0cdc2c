// The buyer's HTML pages (button → sign-in → review → pay → result) and Sign in with Amazon (getBuyer).
import https from 'node:https';
import { body, failure, yen, type SessionBody, useTestSim } from './helpers';

const t = useTestSim();

function request(method: string, path: string, form?: Record<string, string>): Promise<{ status: number; location?: string; text: string }> {
  const payload = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, t.sim.baseUrl),
      { method, ca: t.sim.caCertPem, headers: payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('a buyer clicks through the pages; the shop gets amazonCheckoutSessionId on its review and result URLs', async () => {
  const payloadJSON = JSON.stringify({ webCheckoutDetails: { checkoutReviewReturnUrl: 'http://localhost:3000/review', checkoutCancelUrl: 'http://localhost:3000/cart' }, storeId: t.merchant.storeId });
  const js = await request('GET', '/checkout.js');
  expect(js.text).toContain('renderButton');

  const landing = await request('POST', '/buyer/checkout', { payloadJSON, signature: t.client.generateButtonSignature(payloadJSON), publicKeyId: t.merchant.publicKeyId });
  expect(landing.status).toBe(303);
  const signinPath = String(landing.location);
  const id = new URL(signinPath, t.sim.baseUrl).searchParams.get('amazonCheckoutSessionId') ?? '';
  const signin = await request('GET', signinPath);
  expect(signin.text).toContain('山田 太郎');
  expect(signin.text).toContain('佐藤 花子');

  const review = await request('POST', '/buyer/signin', { amazonCheckoutSessionId: id, buyerId: 'amzn1.account.AH6TEXAMPLESATOHANAKO00002' });
  expect(review).toMatchObject({ status: 303, location: `http://localhost:3000/review?amazonCheckoutSessionId=${id}` });
  const s = body<SessionBody>(await t.client.getCheckoutSession(id));
  expect(s.shippingAddress).toMatchObject({ stateOrRegion: '大阪府' });

  const updated = body<SessionBody>(
    await t.client.updateCheckoutSession(id, { webCheckoutDetails: { checkoutResultReturnUrl: 'http://localhost:3000/result' }, paymentDetails: { paymentIntent: 'Authorize', chargeAmount: yen(2980) } }),
  );
  const payUrl = String(updated.webCheckoutDetails.amazonPayRedirectUrl);
  const pay = await request('GET', new URL(payUrl).pathname + new URL(payUrl).search);
  expect(pay.text).toContain('2980 JPY');
  expect(pay.text).toContain('simulation-code');
  const result = await request('POST', '/buyer/pay', { amazonCheckoutSessionId: id, simulationCode: '' });
  expect(result).toMatchObject({ status: 303, location: `http://localhost:3000/result?amazonCheckoutSessionId=${id}` });
  expect(body<SessionBody>(await t.client.completeCheckoutSession(id, { chargeAmount: yen(2980) })).statusDetails.state).toBe('Completed');
});

test('a tampered button payload shows an error page; cancel returns to the cancel URL', async () => {
  const payloadJSON = JSON.stringify({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review', checkoutCancelUrl: 'https://shop.example/cart' }, storeId: t.merchant.storeId });
  const bad = await request('POST', '/buyer/checkout', { payloadJSON: `${payloadJSON} `, signature: t.client.generateButtonSignature(payloadJSON), publicKeyId: t.merchant.publicKeyId });
  expect(bad.status).toBe(403);
  expect(bad.text).toContain('InvalidRequestSignature');
  const ok = await request('POST', '/buyer/checkout', { payloadJSON, signature: t.client.generateButtonSignature(payloadJSON), publicKeyId: t.merchant.publicKeyId });
  const id = new URL(String(ok.location), t.sim.baseUrl).searchParams.get('amazonCheckoutSessionId') ?? '';
  const cancel = await request('POST', '/buyer/cancel', { amazonCheckoutSessionId: id });
  expect(cancel).toMatchObject({ status: 303, location: 'https://shop.example/cart' });
});

test('Sign in with Amazon: a buyer token for getBuyer', async () => {
  const payloadJSON = JSON.stringify({ signInReturnUrl: 'https://shop.example/signin', storeId: t.merchant.storeId, signInScopes: ['name', 'email'] });
  const r = await t.control<{ buyerToken: string; redirectUrl: string }>('POST', '/__sim/buyer/signin', {
    payloadJSON,
    signature: t.client.generateButtonSignature(payloadJSON),
    publicKeyId: t.merchant.publicKeyId,
    buyerId: 'amzn1.account.AH6TEXAMPLEJOHNSMITH000003',
  });
  expect(r.status).toBe(201);
  expect(r.data.redirectUrl).toContain('buyerToken=');
  const buyer = body<{ buyerId: string; name: string; email: string; countryCode: string }>(await t.client.getBuyer(r.data.buyerToken));
  expect(buyer).toMatchObject({ buyerId: 'amzn1.account.AH6TEXAMPLEJOHNSMITH000003', name: 'John Smith', countryCode: 'US' });
  expect(await failure(t.client.getBuyer('nope'))).toMatchObject({ status: 404, reasonCode: 'ResourceNotFound' });
});

/**
 * The shop always learns how its checkout ended (issue 21, items 1 and 2): a completion asked again (after a 503, a
 * reload of the result page, days later) answers the outcome decided then — 402 with the reason code and the ja/en
 * buyer message for a decline, 200 with the result for a payment — and GET /api/checkouts/:orderId/result says the
 * same. A session Amazon cannot find is a 4xx with a code on every checkout path, never a 500.
 */
import { randomUUID } from 'node:crypto';
import { orderWorkflowId, DEFAULT_SHOP_ID } from '../../lib/names';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

const s = useTestStack();

const workflowEnded = async (orderId: string) => {
  const d = await s.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, orderId)).describe();
  return d.status.name !== 'RUNNING';
};

it('a declined checkout answers its decline again, however long ago it was decided', async () => {
  const orderId = `OUT-DECL-${Date.now()}`;
  const first = await checkoutOrder(s, orderId, { simulationCode: 'HardDeclined' });
  expect(first.status).toBe(402);
  expect(first.body.error.code).toBe('HardDeclined');
  await waitFor(() => workflowEnded(orderId), 20_000, 100);

  const again = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: first.checkoutSessionId } });
  expect(again.status).toBe(402);
  expect(again.body.error).toMatchObject({ code: 'HardDeclined', details: { reasonCode: 'HardDeclined', buyerMessage: first.body.error.details.buyerMessage } });
  expect(again.body.error.details.buyerMessage.ja).toMatch(/.+/);
  expect(again.body.error.details.buyerMessage.en).toMatch(/.+/);

  const result = await s.call('GET', `/api/checkouts/${orderId}/result`, { role: 'storefront' });
  expect(result.status).toBe(402);
  expect(result.body.error.details.reasonCode).toBe('HardDeclined');

  // Another session cannot read or re-answer this order's outcome.
  const foreign = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: randomUUID() } });
  expect(foreign.status).toBe(409);
});

it('a paid checkout answers 200 with the same result when completed again, and from /result', async () => {
  const orderId = `OUT-OK-${Date.now()}`;
  const first = await checkoutOrder(s, orderId, { amount: 2100, paymentIntent: 'Authorize' });
  expect(first.status).toBe(200);
  const again = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: first.checkoutSessionId } });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ orderId, paymentStatus: 'Authorized', authorized: 2100, chargePermissionId: first.body.chargePermissionId });
  const result = await s.call('GET', `/api/checkouts/${orderId}/result?amazonCheckoutSessionId=${first.checkoutSessionId}`, { role: 'storefront' });
  expect(result.status).toBe(200);
  expect(result.body).toMatchObject({ orderId, paymentStatus: 'Authorized', authorized: 2100 });
  expect((await s.call('GET', `/api/checkouts/NOPE-${Date.now()}/result`, { role: 'storefront' })).status).toBe(404);
});

it('an order not decided yet answers 202 from /result', async () => {
  const orderId = `OUT-PEND-${Date.now()}`;
  const started = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { orderId, amount: { amount: 900, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' } });
  expect(started.status).toBe(201);
  await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.startRequest === null, 10_000, 100);
  const result = await s.call('GET', `/api/checkouts/${orderId}/result`, { role: 'storefront' });
  expect(result.status).toBe(202);
  expect(result.body).toMatchObject({ orderId, status: 'processing' });
});

it('a session Amazon cannot find is a 4xx with a code on review, complete and quick complete', async () => {
  expect((await s.call('PUT', '/api/admin/settings', { role: 'editor', body: { quickCheckout: { enabled: true, buttonPosition: 'cart', noteField: false, customFields: false, guestTakesAmazonAddress: true } } })).status).toBe(200);
  for (const mode of ['standard', 'quick'] as const) {
    const orderId = `OUT-404-${mode}-${Date.now()}`;
    const started = await s.call('POST', '/api/checkouts', { role: 'storefront', body: { orderId, mode, amount: { amount: 1000, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' } });
    expect(started.status).toBe(201);
    const unknown = randomUUID();
    const review = await s.call('GET', `/api/checkouts/${orderId}?amazonCheckoutSessionId=${unknown}`, { role: 'storefront' });
    expect(review.status).toBeGreaterThanOrEqual(400);
    expect(review.status).toBeLessThan(500);
    expect(review.body.error.code).toMatch(/\w+/);
    const complete = await s.call('POST', `/api/checkouts/${orderId}/complete`, { role: 'storefront', body: { amazonCheckoutSessionId: unknown } });
    expect(complete.status).toBeGreaterThanOrEqual(400);
    expect(complete.status).toBeLessThan(500);
    expect(complete.body.error.code).toMatch(/\w+/);
    expect(JSON.stringify(complete.body)).not.toMatch(/AxiosError|stack|x-amz-pay/i);
  }
});

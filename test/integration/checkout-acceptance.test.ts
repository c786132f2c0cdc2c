/**
 * The checkout start accepts an order durably (its row, refused for a duplicate id) and starts the order's workflow
 * without holding the shop's page: a start lost to a crash is made by the next request for the order, or by the sweeper.
 */
import { Client } from '@temporalio/client';
import { createOrdersGateway } from '../../api/orders';
import type { Prisma } from '../../prisma/generated/client';
import { orderWorkflowId, DEFAULT_SHOP_ID } from '../../lib/names';
import type { OrderPaymentInput } from '../../workflows/types';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

describe('checkout acceptance', () => {
  const s = useTestStack();

  const start = (orderId: string, amount = 1200) =>
    s.call('POST', '/api/checkouts', { role: 'storefront', body: { orderId, amount: { amount, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' } });

  /** What a crashed API process leaves behind: the accepted order's row, and no workflow. */
  async function acceptedButNeverStarted(orderId: string, createdAt = new Date()): Promise<void> {
    const input: OrderPaymentInput = { orderId, amount: { amount: 3300, currency: 'JPY' }, settings: { paymentIntent: 'Authorize' } };
    await s.db.prisma.order.create({
      data: { shopId: DEFAULT_SHOP_ID, orderId, workflowId: orderWorkflowId(DEFAULT_SHOP_ID, orderId), currency: 'JPY', amount: 3300, paymentIntent: 'Authorize', createdAt, startRequest: { input, memo: { checkoutMode: 'standard' } } as unknown as Prisma.InputJsonValue },
    });
  }

  const workflowExists = (orderId: string) =>
    s.env.client.workflow
      .getHandle(orderWorkflowId(DEFAULT_SHOP_ID, orderId))
      .describe()
      .then(() => true)
      .catch(() => false);

  it('refuses a second checkout for the same order id and leaves the first untouched', async () => {
    expect((await start('ACC-1', 1200)).status).toBe(201);
    const again = await start('ACC-1', 9999);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('order_exists');
    const row = await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'ACC-1' } } });
    expect(row?.amount).toBe(1200n);
    await waitFor(() => workflowExists('ACC-1'), 10_000);
  });

  it("clears the start request once the order's workflow runs, and pays as before", async () => {
    const done = await checkoutOrder(s, 'ACC-2', { amount: 4100 });
    expect(done.body.paymentStatus).toBe('Captured');
    const row = await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'ACC-2' } } });
    expect(row?.startRequest).toBeNull();
    expect(row?.capturedAmount).toBe(4100n);
  });

  it('starts a lost workflow on the next request for its order', async () => {
    await acceptedButNeverStarted('ACC-LOST');
    expect(await workflowExists('ACC-LOST')).toBe(false);
    const detail = await s.call('GET', '/api/admin/orders/ACC-LOST', { role: 'viewer' });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ orderId: 'ACC-LOST', paymentStatus: 'CheckoutPending', paymentIntent: 'Authorize', amount: { amount: 3300, currency: 'JPY' } });
    // An update too: cancelling a checkout that never paid is refused by the workflow, not lost.
    const cancel = await s.call('POST', '/api/admin/orders/ACC-LOST/cancel', { role: 'editor', body: { requestId: 'c-1' } });
    expect(cancel.status).toBe(409);
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'ACC-LOST' } } }))?.startRequest === null, 10_000);
  });

  it('never answers 404 on a second API process for an order another process started meanwhile', async () => {
    // Process B asks Temporal just before process A starts the workflow, and reads the order's row only after the
    // workflow's first write has cleared the start request (seen on a real cluster with two API processes).
    await acceptedButNeverStarted('ACC-RACE');
    const a = createOrdersGateway(s.env.client, s.taskQueue, s.db.prisma);
    let raced = false;
    const clientB = new Client({
      connection: s.env.connection,
      interceptors: {
        workflow: [
          {
            async query(input, next) {
              try {
                return await next(input);
              } catch (err) {
                if (!raced && input.workflowExecution.workflowId === orderWorkflowId(DEFAULT_SHOP_ID, 'ACC-RACE')) {
                  raced = true;
                  await a.forShop(DEFAULT_SHOP_ID).state('ACC-RACE');
                  await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'ACC-RACE' } } }))?.startRequest === null, 10_000);
                }
                throw err;
              }
            },
          },
        ],
      },
    });
    const b = createOrdersGateway(clientB, s.taskQueue, s.db.prisma);
    const state = await b.forShop(DEFAULT_SHOP_ID).state('ACC-RACE');
    expect(raced).toBe(true);
    expect(state).toMatchObject({ orderId: 'ACC-RACE', paymentStatus: 'CheckoutPending' });
    // An order nobody accepted is still not found.
    await expect(b.forShop(DEFAULT_SHOP_ID).state('ACC-NEVER')).rejects.toMatchObject({ status: 404, code: 'order_not_found' });
  });

  it('answers 409 order_closed for an action on an order whose payment has ended', async () => {
    const declined = await checkoutOrder(s, 'ACC-DECLINED', { simulationCode: 'HardDeclined' });
    expect(declined.status).toBe(402);
    await waitFor(async () => (await s.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, 'ACC-DECLINED')).describe()).status.name === 'COMPLETED', 15_000);
    const capture = await s.call('POST', '/api/admin/orders/ACC-DECLINED/capture', { role: 'editor', body: { amount: 100, requestId: 'late-capture' } });
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('order_closed');
  });

  it('the sweeper starts the workflows of orders accepted before a crash, and only those', async () => {
    await acceptedButNeverStarted('ACC-SWEPT', new Date(Date.now() - 60_000));
    const gateway = createOrdersGateway(s.env.client, s.taskQueue, s.db.prisma);
    expect(await gateway.sweep(30_000)).toBe(1);
    expect(await workflowExists('ACC-SWEPT')).toBe(true);
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'ACC-SWEPT' } } }))?.startRequest === null, 10_000);
    expect(await gateway.sweep(30_000)).toBe(0);
  });
});

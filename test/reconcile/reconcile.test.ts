/**
 * Reconciliation on the real stack: a capture made at Amazon behind the engine's back (its
 * notification dropped) is reported with its cause, left alone on a dry run, and fixed through the
 * workflow's amazonNotification update; a second run and the scheduled workflow then see no drift.
 */
import { createLogger } from '../../lib/logger';
import { WORKFLOW_TYPES } from '../../lib/names';
import { reconcileOrders } from '../../activities/reconcile';
import type { ReconcileReport } from '../../activities/reconcile';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

describe('reconcile', () => {
  const log = createLogger('silent', 'reconcile-test');
  const run = (dryRun: boolean, orderIds: string[]) => reconcileOrders({ prisma: s.db.prisma, amazonPayFor: () => s.amazonPay, client: s.env.client, log }, { dryRun, orderIds, verifyMs: 15_000 });
  const s = useTestStack({ sim: { delays: 'zero' } });

  it('finds a capture the workflow never heard of, reports its cause, and drives the order to Captured', async () => {
    const orderId = `REC-${Date.now()}`;
    const done = await checkoutOrder(s, orderId, { amount: 4000, paymentIntent: 'Authorize' });
    expect(done.body.paymentStatus).toBe('Authorized');
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.paymentStatus === 'Authorized', 10_000);
    const chargeId = (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body.chargeId as string;

    await s.control('POST', '/__sim/ipn/controls', { action: 'drop', count: 20 });
    await s.amazonPay.captureCharge(chargeId, { captureAmount: { amount: '4000', currencyCode: 'JPY' } }, { 'x-amz-pay-idempotency-key': `outside-${orderId}` });

    const dry = await run(true, [orderId]);
    expect(dry.drifts).toEqual([expect.objectContaining({ orderId, objectType: 'CHARGE', objectId: chargeId, field: 'state', engine: 'Authorized', amazon: 'Captured', action: 'reported' })]);
    expect(dry.drifts[0].cause).toMatch(/captured at Amazon but the capture never reached the workflow/);
    expect((await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body.paymentStatus).toBe('Authorized');

    const fixed = await run(false, [orderId]);
    expect(fixed.drifts.find((d) => d.field === 'state')).toMatchObject({ action: 'notified', resolved: true });
    expect(fixed.errors).toEqual([]);
    const detail = (await s.call('GET', `/api/admin/orders/${orderId}`, { role: 'viewer' })).body;
    expect(detail).toMatchObject({ paymentStatus: 'Captured', amounts: { captured: { amount: 4000, currency: 'JPY' } } });

    const again = await run(false, [orderId]);
    expect(again.drifts).toEqual([]);
  }, 90_000);

  it('runs as the scheduled workflow on the worker and reports no drift on healthy orders', async () => {
    const orderId = `RECW-${Date.now()}`;
    await checkoutOrder(s, orderId, { amount: 1500 });
    await waitFor(async () => (await s.db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId } } }))?.paymentStatus === 'Captured', 10_000);
    const report = await s.env.client.workflow.execute<(o: object) => Promise<ReconcileReport>>(WORKFLOW_TYPES.reconcile, { taskQueue: s.taskQueue, workflowId: `reconcile-test-${orderId}`, args: [{ orderIds: [orderId] }] });
    expect(report).toMatchObject({ checkedOrders: 1, drifts: [], errors: [] });
  }, 60_000);
});

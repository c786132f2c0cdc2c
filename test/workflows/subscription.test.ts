// 継続課金 (docs/product-rules.md, Recurring charges) with time skipped: a recurring permission charged over several periods, a soft decline retried with a
// fresh key, a hard decline that suspends the subscription and tells the shop, pause/resume, cancel closing the permission.
// (Pause, resume and cancel: subscription-pause.test.ts; a permission Amazon closes: subscription-closed.test.ts. Each file
// has a server of its own: the Java time-skipping server sometimes stops skipping time for a later test in the same file.)
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { refund, state } from '../../workflows/messages';
import { orderWorkflowId, periodOrderId, DEFAULT_SHOP_ID } from '../../lib/names';
import { chargeNow, resumeSubscription, subscriptionState } from '../../workflows/subscription-messages';
import type { OrderPaymentInput, SubscriptionState } from '../../workflows/types';
import { harnessForFile, newRun } from './support/harness';
import { eventually, subscribe as subscribeOn } from './support/subscription';

// One scenario over five months of skipped time: about 95–110 s alone here, up to 200 s beside the other suites on 2 cores.
jest.setTimeout(300_000);

const DAY = 24 * 60 * 60 * 1000;
const h = harnessForFile();

const periods = (s: SubscriptionState) => s.periods.length;
const subscribe = (run: ReturnType<typeof newRun>, input: Partial<OrderPaymentInput> = {}) => subscribeOn(h, run, input);

test('each period is charged through an order of its own; a soft decline is retried with a fresh key; a hard decline suspends and tells the shop', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const { orderId, sub, permissionId } = await subscribe(run);
    const first = await sub.query(subscriptionState);
    expect(first).toMatchObject({ status: 'Active', amount: 3000, currency: 'JPY', paymentIntent: 'AuthorizeWithCapture', chargePermissionId: permissionId });
    const firstDue = Date.parse(first.nextChargeAt as string);

    // Period 2: a month later, charged on the permission and captured (AuthorizeWithCapture).
    await h.env.sleep(31 * DAY);
    let s = await eventually(() => sub.query(subscriptionState), (x) => periods(x) === 1, 'period 2');
    expect(s.periods[0]).toMatchObject({ period: 2, orderId: periodOrderId(orderId, 2), amount: 3000, result: 'Captured' });
    expect(Date.parse(s.nextChargeAt as string)).toBeGreaterThan(firstDue);
    const order2 = h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, 2)));
    const o2 = await order2.query(state);
    expect(o2).toMatchObject({ paymentStatus: 'Captured', chargePermissionId: permissionId, amounts: expect.objectContaining({ captured: 3000 }) });

    // The period's order is refundable like any order.
    const refunded = await order2.executeUpdate(refund, { args: [{ amount: 1000, requestId: 'r-1' }] });
    expect(refunded.paymentStatus).toBe('RefundPending');

    // Period 3: Amazon soft-declines once; the order tries again after its backoff with a new idempotency key.
    run.amazon.inject('createCharge', { kind: 'error', status: 422, reasonCode: 'SoftDeclined' });
    const declinedBefore = run.amazon.count('createCharge');
    await h.env.sleep(31 * DAY);
    // The declined attempt has been made; skip the order's decline backoff (60 s) instead of waiting for it in real time.
    await eventually(async () => run.amazon.count('createCharge'), (n) => n > declinedBefore, 'the declined attempt of period 3');
    await h.env.sleep(2 * 60_000);
    s = await eventually(() => sub.query(subscriptionState), (x) => periods(x) === 2, 'period 3');
    expect(s.periods[1]).toMatchObject({ period: 3, result: 'Captured' });
    expect(s.status).toBe('Active');
    const period3Keys = run.amazon.calls.filter((c) => c.op === 'createCharge').slice(-2).map((c) => c.key);
    expect(period3Keys[0]).not.toBe(period3Keys[1]);
    const o3 = await h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, 3))).query(state);
    expect(o3.history.map((r) => r.result)).toEqual(expect.arrayContaining(['SoftDeclined', 'OK']));

    // Period 4: a hard decline (Amazon makes the permission non-chargeable): no retry, the subscription suspends.
    const chargesBefore = run.amazon.count('createCharge');
    run.amazon.inject('createCharge', { kind: 'error', status: 422, reasonCode: 'HardDeclined' });
    await h.env.sleep(31 * DAY);
    s = await eventually(() => sub.query(subscriptionState), (x) => x.status === 'Suspended', 'the suspension');
    expect(run.amazon.count('createCharge')).toBe(chargesBefore + 1);
    expect(s.lastError?.code).toBe('HardDeclined');
    expect(s.periods[2]).toMatchObject({ period: 4, result: 'HardDeclined' });
    expect(s.nextChargeAt).toBeUndefined();
    const o4 = await h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, 4))).query(state);
    expect(o4.paymentStatus).toBe('Declined');

    // The shop hears of the completed charges and of the failure (events recorded for delivery).
    const types = await eventually(
      async () => run.prisma.events.map((e) => String(e.type)),
      (t) => t.includes('subscription.suspended'),
      'the shop events',
    );
    expect(types.filter((t) => t === 'recurring.charge.succeeded')).toHaveLength(2);
    expect(types).toContain('recurring.charge.failed');

    // While suspended, months pass without a charge.
    await h.env.sleep(62 * DAY);
    await new Promise((r) => setTimeout(r, 500));
    expect(run.amazon.count('createCharge')).toBe(chargesBefore + 1);
    expect((await sub.query(subscriptionState)).status).toBe('Suspended');

    // Resuming is refused while Amazon still reports the permission non-chargeable…
    run.amazon.setPermissionState(permissionId, 'NonChargeable', 'PaymentMethodInvalid');
    await expect(sub.executeUpdate(resumeSubscription, { args: [{ requestId: 'resume-1' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    // …and works once the buyer fixed the payment method; a charge now brings the missed payment in.
    run.amazon.setPermissionState(permissionId, 'Chargeable');
    const resumed = await sub.executeUpdate(resumeSubscription, { args: [{ requestId: 'resume-2' }] });
    expect(resumed.status).toBe('Active');
    const extra = await sub.executeUpdate(chargeNow, { args: [{ requestId: 'retry-4', amount: 3000 }] });
    expect(extra).toMatchObject({ status: 'Active', period: 5, orderId: periodOrderId(orderId, 5), paymentStatus: 'Captured' });
    // The same request again is answered, not charged again.
    const again = await sub.executeUpdate(chargeNow, { args: [{ requestId: 'retry-4', amount: 3000 }] });
    expect(again.period).toBe(5);
    expect(run.amazon.count('createCharge')).toBe(chargesBefore + 2);
  });
});

// 継続課金: a period's order that reports after the subscription stopped waiting. The subscription suspends itself
// (ChargeOutcomeUnknown) rather than hang, and the period's row is corrected once the order's report arrives.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { state } from '../../workflows/messages';
import { orderWorkflowId, periodOrderId, WORKFLOW_TYPES, DEFAULT_SHOP_ID } from '../../lib/names';
import { chargeNow, subscriptionState } from '../../workflows/subscription-messages';
import type { SubscriptionInput, SubscriptionState } from '../../workflows/types';
import { harnessForFile, newRun } from './support/harness';
import { eventually, subscribe } from './support/subscription';

jest.setTimeout(120_000);

const h = harnessForFile();

test('a period order that reports late: suspended as unknown, then the period shows what happened', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const { permissionId } = await subscribe(h, run);
    // The permission changes hands to a second subscription (the first never charges again in this test): a permission
    // belongs to one subscription's orders only, so its owner in the database is the second one's.
    run.prisma.owners.set(permissionId, 'late-1');
    // A second subscription on the same permission, charged on request, that waits one second for its period orders.
    const input: SubscriptionInput = {
      subscriptionId: 'late-1',
      chargePermissionId: permissionId,
      amount: { amount: 700, currency: 'JPY' },
      frequency: { unit: 'Variable', value: 1 },
      paymentIntent: 'AuthorizeWithCapture',
      startedAt: new Date().toISOString(),
      timings: { chargeOutcomeTimeoutMs: 1_000 },
    };
    const sub = await h.env.client.workflow.start<(i: SubscriptionInput) => Promise<SubscriptionState>>(WORKFLOW_TYPES.subscription, { taskQueue: run.taskQueue, workflowId: 'subscription-late-1', args: [input] });
    run.track(sub, h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId('late-1', 2))));
    // Amazon does not answer the period's charge for a while: the order's activity retries (same key) past the wait.
    run.amazon.inject('createCharge', { kind: 'network' }, { kind: 'network' }, { kind: 'network' });
    const err = await sub.executeUpdate(chargeNow, { args: [{ requestId: 'c-1' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as { type?: string }).type).toBe('ChargeOutcomeUnknown');
    expect((await sub.query(subscriptionState)).status).toBe('Suspended');
    // The order got its charge in the end (one charge, one key): the period row says so.
    const final = await eventually(() => sub.query(subscriptionState), (s) => s.periods[0]?.result === 'Captured', 'the late report', 60_000);
    expect(final.periods[0]).toMatchObject({ period: 2, orderId: periodOrderId('late-1', 2), result: 'Captured' });
    expect(final.status).toBe('Suspended');
    const order = await h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId('late-1', 2))).query(state);
    expect(order.paymentStatus).toBe('Captured');
    const keys = new Set(run.amazon.calls.filter((c) => c.op === 'createCharge').map((c) => c.key));
    expect(keys.size).toBe(1);
  });
});

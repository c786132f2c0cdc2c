// A recurring checkout for the subscription tests: the order opens the permission, pays period 1 and starts its subscription.
import type { WorkflowHandle } from '@temporalio/client';
import { checkoutCompleted, checkoutConfirmed, checkoutReviewed } from '../../../workflows/messages';
import { orderWorkflowId, periodOrderId, subscriptionWorkflowId, DEFAULT_SHOP_ID } from '../../../lib/names';
import { subscriptionState } from '../../../workflows/subscription-messages';
import type { OrderPaymentInput } from '../../../workflows/types';
import type { Harness, Run } from './harness';

export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // not there yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function subscribe(h: Harness, run: Run, input: Partial<OrderPaymentInput> = {}): Promise<{ orderId: string; sub: WorkflowHandle; permissionId: string }> {
  const orderId = input.orderId ?? `sub-${Math.random().toString(36).slice(2, 8)}`;
  const handle = await run.start({
    orderId,
    amount: { amount: 5000, currency: 'JPY' },
    settings: { paymentIntent: 'AuthorizeWithCapture', recurring: true },
    recurringPlan: { frequency: { unit: 'Month', value: 1 }, amount: 3000 },
    timings: { declineRetryBackoffMs: [60_000] },
    ...input,
  });
  const checkoutSessionId = run.amazon.addSession(undefined, { recurring: true, orderId });
  await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId }] });
  await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
  const paid = await handle.executeUpdate(checkoutCompleted, { args: [{}] });
  if (paid.paymentStatus !== 'Captured') throw new Error(`the recurring checkout was not captured: ${paid.paymentStatus}`);
  const sub = h.env.client.workflow.getHandle(subscriptionWorkflowId(DEFAULT_SHOP_ID, orderId));
  // The subscription and its period orders outlive the checkout order: end them with the test, or the server stops skipping time.
  run.track(sub, ...[2, 3, 4, 5, 6].map((p) => h.env.client.workflow.getHandle(orderWorkflowId(DEFAULT_SHOP_ID, periodOrderId(orderId, p)))));
  await eventually(() => sub.query(subscriptionState), (s) => s.status === 'Active', 'the subscription to start');
  return { orderId, sub, permissionId: paid.chargePermissionId as string };
}


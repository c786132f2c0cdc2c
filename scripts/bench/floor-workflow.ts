// The benchmark's floor: the least a Temporal integration runs for one order of the engine's lifecycle. One workflow, the
// six Amazon calls the lifecycle needs as regular activities (with the engine's Amazon call options), and the two
// messages the buyer's round trip through Amazon makes unavoidable: the shop's answer to the confirm step must carry
// amazonPayRedirectUrl from updateCheckoutSession's response (an update, sent with the start), and the buyer's return
// from Amazon's payment page must reach the workflow before it completes the session (a signal). Bundled only by the
// floor worker (scripts/bench/floor-worker.ts).
import { ApplicationFailure, condition, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { amazonCall } from '../../workflows/activity-options';
import type { FloorActivities } from './floor-activities';
import { floorBuyerReturned, floorConfirmed, type FloorInput, type FloorResult } from './floor-messages';

const amazon = proxyActivities<FloorActivities>(amazonCall);

export async function benchFloor(input: FloorInput): Promise<FloorResult> {
  const session: { confirmed?: { amazonPayRedirectUrl?: string } } = {};
  let returned = false;
  setHandler(floorConfirmed, async () => {
    await condition(() => session.confirmed !== undefined);
    return session.confirmed ?? {};
  });
  setHandler(floorBuyerReturned, () => {
    returned = true;
  });
  const money = { amount: input.amount, currency: input.currency };
  await amazon.getCheckoutSession({ checkoutSessionId: input.checkoutSessionId });
  const updated = await amazon.updateCheckoutSession({ ...money, orderId: input.orderId, checkoutSessionId: input.checkoutSessionId, checkoutResultReturnUrl: input.checkoutResultReturnUrl });
  session.confirmed = { amazonPayRedirectUrl: updated.amazonPayRedirectUrl };
  await condition(() => returned);
  const completed = await amazon.completeCheckoutSession({ ...money, checkoutSessionId: input.checkoutSessionId });
  if (!completed.chargeId) throw ApplicationFailure.nonRetryable(`completeCheckoutSession gave no charge (session ${completed.state})`);
  await amazon.captureCharge({ ...money, chargeId: completed.chargeId });
  const refund = await amazon.createRefund({ amount: input.refund, currency: input.currency, chargeId: completed.chargeId });
  let read = await amazon.getRefund({ refundId: refund.refundId });
  // Amazon settles a refund later; the zero-delay simulator has settled it by this read, so no timer runs here.
  for (let i = 0; read.state === 'RefundInitiated' && i < 50; i++) {
    await sleep(200);
    read = await amazon.getRefund({ refundId: refund.refundId });
  }
  return { refundId: read.refundId, refundState: read.state, refunded: read.amount };
}

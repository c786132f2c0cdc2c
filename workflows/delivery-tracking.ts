// One workflow per shipment: send the tracking number to Amazon with retries (never part of the order's payment workflow, so it never blocks a capture), then record the outcome.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryTrackerInput } from '../activities/delivery-tracking';

const { sendDeliveryTracker } = proxyActivities<{ sendDeliveryTracker(input: DeliveryTrackerInput): Promise<void> }>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: 20 },
});
const { markDeliveryTrackerFailed } = proxyActivities<{ markDeliveryTrackerFailed(input: DeliveryTrackerInput & { error: string }): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumAttempts: 50 },
});

export async function deliveryTracking(input: DeliveryTrackerInput): Promise<'sent' | 'failed'> {
  try {
    await sendDeliveryTracker(input);
    return 'sent';
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    await markDeliveryTrackerFailed({ ...input, error: cause instanceof Error ? cause.message : String(cause) });
    return 'failed';
  }
}

// One workflow per shop event: record it and post it to the shop with retries for up to a day, apart from the
// subscription so a slow or unreachable shop never holds a charge. A final failure is recorded on the event.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { ShopEvent, ShopEventOutcome } from '../activities/shop-events';

const { deliverShopEvent } = proxyActivities<{ deliverShopEvent(event: ShopEvent): Promise<ShopEventOutcome> }>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: 30 },
});
const { markShopEventFailed } = proxyActivities<{ markShopEventFailed(input: { eventId: string; error: string }): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumAttempts: 50 },
});

export async function shopEventDelivery(event: ShopEvent): Promise<ShopEventOutcome | 'failed'> {
  try {
    return await deliverShopEvent(event);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    await markShopEventFailed({ eventId: event.eventId, error: cause instanceof Error ? cause.message : String(cause) });
    return 'failed';
  }
}

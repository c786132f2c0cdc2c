// A subscription's events (the recurring completion mail is the shop's to send: docs/product-rules.md, Recurring
// charges): written into the event log like an order's (docs/events.md), and delivered from there.
import { appendEvents } from '../lib/events';
import type { SubscriptionEventType } from '../lib/event-types';
import { readSettings } from '../lib/settings';
import type { ActivityDeps } from './deps';

export type ShopEventType = SubscriptionEventType;

export interface ShopEvent {
  /** Stable across retries: the shop deduplicates on it. */
  eventId: string;
  type: ShopEventType;
  subscriptionId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export type ShopEventOutcome = 'delivered' | 'skipped' | 'recorded';

export function createShopEventActivities(deps: ActivityDeps) {
  return {
    /**
     * Writes the subscription's event into the event log (docs/events.md), numbered with its checkout order's events;
     * the relay delivers it to every endpoint that wants it. The completion event carries the "recurring completion
     * mail" setting as it is now (`data.completionMail`): off, the shop sends no mail. (The name is kept: running
     * subscription workflows schedule it.)
     */
    async deliverShopEvent(event: ShopEvent): Promise<ShopEventOutcome> {
      const skip = event.type === 'recurring.charge.succeeded' && !(await readSettings(deps.prisma, deps.shopId)).recurringCompletionMail;
      const { chargePermissionId, ...data } = event.data;
      await deps.prisma.$transaction((tx) =>
        appendEvents(tx, { shopId: deps.shopId, orderId: event.subscriptionId }, [
          {
            dedupeKey: event.eventId,
            type: event.type,
            subscriptionId: event.subscriptionId,
            occurredAt: new Date(event.occurredAt),
            // Sent either way, so the order's events reach every endpoint without a gap; the flag tells the shop whether
            // to send its completion mail.
            data: { ...data, ...(typeof chargePermissionId === 'string' ? { amazon: { chargePermissionId } } : {}), ...(event.type === 'recurring.charge.succeeded' ? { completionMail: !skip } : {}) },
          },
        ]),
      );
      deps.log.info({ eventId: event.eventId, type: event.type, subscriptionId: event.subscriptionId }, 'subscription event recorded');
      return skip ? 'skipped' : 'recorded';
    },

    /** A subscription event could not even be recorded after every retry: ops hear it here. */
    async markShopEventFailed(input: { eventId: string; error: string }): Promise<void> {
      deps.log.error({ eventId: input.eventId, error: input.error.slice(0, 500) }, 'a subscription event could not be recorded');
    },
  };
}

// Events the engine owes the shop (the recurring completion mail is the shop's to send: docs/product-rules.md, Recurring
// charges): recorded in shop_events, then POSTed to SHOP_WEBHOOK_URL signed with HMAC-SHA256 (Node's crypto; the Stripe-style header lets the
// shop reject forgeries and replays). Delivery is retried by Temporal; a 4xx from the shop is final.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { readSettings } from '../lib/settings';
import type { ActivityDeps } from './deps';

export type ShopEventType =
  | 'recurring.charge.succeeded'
  | 'recurring.charge.failed'
  | 'subscription.paused'
  | 'subscription.resumed'
  | 'subscription.suspended'
  | 'subscription.canceled'
  | 'subscription.closed';

export interface ShopEvent {
  /** Stable across retries: the shop deduplicates on it. */
  eventId: string;
  type: ShopEventType;
  subscriptionId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export const SIGNATURE_HEADER = 'x-engine-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`. */
export function signShopEvent(body: string, secret: string, nowSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${nowSeconds}.${body}`).digest('hex');
  return `t=${nowSeconds},v1=${mac}`;
}

export type ShopEventOutcome = 'delivered' | 'skipped' | 'recorded';

export function createShopEventActivities(deps: ActivityDeps) {
  return {
    /**
     * Records the event, then posts it. The completion event follows the "recurring completion mail" setting as it is
     * now (an admin switching it off stops the next ones); failures and state changes always go out.
     */
    async deliverShopEvent(event: ShopEvent): Promise<ShopEventOutcome> {
      const row = await deps.prisma.shopEvent.upsert({
        where: { eventId: event.eventId },
        create: { eventId: event.eventId, type: event.type, subscriptionId: event.subscriptionId, orderId: typeof event.data.orderId === 'string' ? event.data.orderId : null, payload: event as object },
        update: {},
      });
      if (row.status === 'delivered' || row.status === 'skipped' || row.status === 'recorded') return row.status;
      if (event.type === 'recurring.charge.succeeded' && !(await readSettings(deps.prisma)).recurringCompletionMail) {
        await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { status: 'skipped', lastError: 'recurring completion mail is off in the settings' } });
        return 'skipped';
      }
      if (!deps.shopWebhook) {
        await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { status: 'recorded', lastError: 'SHOP_WEBHOOK_URL is not set: recorded, not sent' } });
        return 'recorded';
      }
      const body = JSON.stringify(event);
      const signature = signShopEvent(body, deps.shopWebhook.secret.reveal(), Math.floor(deps.clock().getTime() / 1000));
      await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { attempts: { increment: 1 } } });
      let status: number;
      try {
        const res = await fetch(deps.shopWebhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'x-engine-event-id': event.eventId },
          body,
          // A redirect would re-send the signed event elsewhere (or turn it into a GET): treated as a refusal.
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
      } catch (err) {
        const message = `shop unreachable: ${err instanceof Error ? err.message : String(err)}`;
        await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { lastError: message.slice(0, 500) } });
        throw ApplicationFailure.retryable(message, 'ShopUnreachable');
      }
      if (status >= 200 && status < 300) {
        await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { status: 'delivered', deliveredAt: deps.clock(), lastError: null } });
        deps.log.info({ eventId: event.eventId, type: event.type, subscriptionId: event.subscriptionId }, 'shop event delivered');
        return 'delivered';
      }
      const message = `the shop answered HTTP ${status}`;
      await deps.prisma.shopEvent.update({ where: { eventId: event.eventId }, data: { lastError: message } });
      deps.log.warn({ eventId: event.eventId, type: event.type, status }, 'shop event refused');
      if (status >= 300 && status < 500 && status !== 408 && status !== 429) throw ApplicationFailure.nonRetryable(message, 'ShopRefused');
      throw ApplicationFailure.retryable(message, 'ShopUnavailable');
    },

    async markShopEventFailed(input: { eventId: string; error: string }): Promise<void> {
      await deps.prisma.shopEvent.update({ where: { eventId: input.eventId }, data: { status: 'failed', lastError: input.error.slice(0, 500) } });
    },
  };
}

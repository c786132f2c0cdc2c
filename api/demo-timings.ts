/**
 * DEMO ONLY (DEMO_AUTHORIZATION_DAY_SECONDS, accepted with the simulator only: lib/config.ts): new checkout orders
 * run their authorization clock on short days, so that on a running stack the 30-day expiry, and the warning the
 * settings' `expiryWarningDays` puts before it, happen within minutes instead of weeks. Only the two durations of
 * that clock are scaled (the authorization's validity and the warning's lead); everything else keeps real time.
 * The shortened timings travel in each order's workflow input, so Temporal UI shows which orders ran on demo days.
 */
import { DEFAULT_ORDER_SETTINGS, DEFAULT_TIMINGS } from '../workflows/defaults';
import type { OrderPaymentInput } from '../workflows/types';
import type { OrdersGateway } from './orders';

const DAY_MS = 24 * 3600_000;

/** The order's input with its authorization clock on days of `dayMs`. */
export function withDemoAuthorizationDays(input: OrderPaymentInput, dayMs: number): OrderPaymentInput {
  const scale = (ms: number) => Math.max(1, Math.round((ms * dayMs) / DAY_MS));
  const lead = input.settings?.expiryWarningLeadMs ?? DEFAULT_ORDER_SETTINGS.expiryWarningLeadMs;
  const validity = input.timings?.authorizationValidityMs ?? DEFAULT_TIMINGS.authorizationValidityMs;
  return {
    ...input,
    settings: { ...input.settings, expiryWarningLeadMs: lead === 0 ? 0 : scale(lead) },
    timings: { ...input.timings, authorizationValidityMs: scale(validity) },
  };
}

/** The gateway whose order starts use demo days (every other call unchanged). */
export function demoAuthorizationDaysGateway(orders: OrdersGateway, dayMs: number): OrdersGateway {
  return {
    sweep: (olderThanMs) => orders.sweep(olderThanMs),
    forShop(shopId) {
      const shop = orders.forShop(shopId);
      return { ...shop, shopId, start: (input, memo) => shop.start(withDemoAuthorizationDays(input, dayMs), memo) };
    },
  };
}

// Defaults of the per-order settings and timings (overridable in the workflow input).
import type { OrderPaymentSettings, OrderPaymentTimings } from './types';

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_ORDER_SETTINGS: OrderPaymentSettings = {
  paymentIntent: 'AuthorizeWithCapture',
  linkOrderStatus: false,
  reauthorizeOnExpiry: false,
  expiryWarningLeadMs: 7 * DAY,
  recurring: false,
  canHandlePendingAuthorization: false,
};

export const DEFAULT_TIMINGS: OrderPaymentTimings = {
  checkoutSessionMs: DAY,
  authorizationValidityMs: 30 * DAY,
  refundWindowMs: 180 * DAY,
  pollBackoffMs: [30_000, 60_000, 2 * 60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000],
  declineRetryBackoffMs: [5_000, 30_000],
  continueAsNewAfterEvents: 10_000,
};

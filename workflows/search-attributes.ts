/**
 * Typed search attributes the order workflow upserts on every transition, so ops can filter in
 * Temporal UI (e.g. `PaymentStatus = "Authorized" AND AuthorizationExpiresAt < "2026-12-01T00:00:00Z"`).
 * The dev server registers them at start (lib/temporal.ts); a real cluster gets them once by
 * `temporal operator search-attribute create` (see README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const PaymentStatusKey = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
/** Order amount in the currency's minor unit. */
export const OrderAmountKey = defineSearchAttributeKey('OrderAmount', SearchAttributeType.INT);
export const CurrencyKey = defineSearchAttributeKey('Currency', SearchAttributeType.KEYWORD);
export const AuthorizationExpiresAtKey = defineSearchAttributeKey('AuthorizationExpiresAt', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTE_KEYS = [OrderIdKey, PaymentStatusKey, OrderStatusKey, OrderAmountKey, CurrencyKey, AuthorizationExpiresAtKey];

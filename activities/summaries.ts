// The plain, minor-unit views of Amazon objects that activities return to the workflow.
import { fromAmazonAmount } from '../lib/money';
import type { Charge, ChargePermission, CheckoutSession, Price, Refund } from './amazon-pay-api';

export interface ChargeSummary {
  chargeId: string;
  chargePermissionId: string;
  state: string;
  reasonCode?: string;
  currency: string;
  amount: number;
  captured: number;
  refunded: number;
}

export interface RefundSummary {
  refundId: string;
  chargeId: string;
  state: string;
  reasonCode?: string;
  amount: number;
  currency: string;
}

export interface SessionSummary {
  checkoutSessionId: string;
  state: string;
  reasonCode?: string;
  chargePermissionId?: string;
  chargeId?: string;
  amazonPayRedirectUrl?: string;
  buyer?: { buyerId?: string; name?: string; email?: string };
  constraints: string[];
  /** The order the session was started for (merchantMetadata.merchantReferenceId). */
  merchantReferenceId?: string;
}

export interface PermissionSummary {
  chargePermissionId: string;
  state: string;
  reasons: string[];
  amountBalance?: number;
}

const minor = (p: Price | null | undefined, currency: string): number => (p ? fromAmazonAmount(p.amount, currency) : 0);
const opt = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v === '' ? undefined : v);

export function summarizeCharge(c: Charge): ChargeSummary {
  const currency = c.chargeAmount.currencyCode;
  return {
    chargeId: c.chargeId,
    chargePermissionId: c.chargePermissionId,
    state: c.statusDetails.state,
    reasonCode: opt(c.statusDetails.reasonCode),
    currency,
    amount: minor(c.chargeAmount, currency),
    captured: minor(c.captureAmount, currency),
    refunded: minor(c.refundedAmount, currency),
  };
}

export function summarizeRefund(r: Refund): RefundSummary {
  const currency = r.refundAmount.currencyCode;
  return { refundId: r.refundId, chargeId: r.chargeId, state: r.statusDetails.state, reasonCode: opt(r.statusDetails.reasonCode), amount: minor(r.refundAmount, currency), currency };
}

export function summarizeSession(s: CheckoutSession): SessionSummary {
  const buyer = s.buyer ? { buyerId: opt(s.buyer.buyerId), name: opt(s.buyer.name), email: opt(s.buyer.email) } : undefined;
  return {
    checkoutSessionId: s.checkoutSessionId,
    state: s.statusDetails.state,
    reasonCode: opt(s.statusDetails.reasonCode),
    chargePermissionId: opt(s.chargePermissionId),
    chargeId: opt(s.chargeId),
    amazonPayRedirectUrl: opt(s.webCheckoutDetails?.amazonPayRedirectUrl),
    buyer,
    constraints: (s.constraints ?? []).map((c) => c.constraintId),
    merchantReferenceId: opt(s.merchantMetadata?.merchantReferenceId),
  };
}

export function summarizePermission(p: ChargePermission): PermissionSummary {
  const balance = p.limits?.amountBalance;
  return {
    chargePermissionId: p.chargePermissionId,
    state: p.statusDetails.state,
    reasons: (p.statusDetails.reasons ?? []).map((r) => r.reasonCode),
    amountBalance: balance ? fromAmazonAmount(balance.amount, balance.currencyCode) : undefined,
  };
}

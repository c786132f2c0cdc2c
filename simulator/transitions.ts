// State transitions of charges, refunds and charge permissions (with ledger entries and IPNs), and the clock-driven sweep.
import { DAY } from './clock';
import type { SimCore } from './core';
import { SIMULATION_CODES } from './simulation-codes';
import type { ChargeRecord, PermissionRecord, RefundRecord, SessionRecord } from './model';

export const SESSION_LIFETIME_MS = DAY;
export const SESSION_RETENTION_MS = 30 * DAY;
export const AUTHORIZATION_LIFETIME_MS = 30 * DAY;
export const PENDING_CAPTURE_AFTER_MS = 7 * DAY;
export const ONE_TIME_PERMISSION_LIFETIME_MS = 180 * DAY;
export const EXTENDED_PERMISSION_LIFETIME_MS = 395 * DAY;

const REASON_TEXT: Record<string, string> = {
  SoftDeclined: 'The authorization was soft declined; a retry may succeed.',
  HardDeclined: 'The authorization was hard declined; the buyer must choose another payment method.',
  AmazonRejected: 'Amazon rejected the transaction.',
  ProcessingFailure: 'Amazon could not process the transaction because of an internal processing error.',
  TransactionTimedOut: 'Amazon could not authorize the transaction in time.',
  PaymentMethodNotAllowed: 'The payment method is not allowed for this transaction.',
  MFANotCompleted: 'The buyer did not complete multi-factor authentication.',
  MerchantCanceled: 'The merchant canceled the charge.',
  ExpiredUnused: 'The authorization expired unused after 30 days.',
  ChargePermissionCanceled: 'The charge permission was closed with cancelPendingCharges.',
  AmazonCanceled: 'Amazon canceled the transaction.',
  BuyerCanceled: 'The buyer canceled the checkout.',
  Declined: 'The payment was declined.',
  Expired: 'The object expired.',
  MerchantClosed: 'The merchant closed the charge permission.',
  AmazonClosed: 'Amazon closed the charge permission because it was fully used.',
  ChargeInProgress: 'A charge is being processed on this charge permission.',
};

export const reasonText = (code: string): string => REASON_TEXT[code] ?? code;

function changeCharge(sim: SimCore, c: ChargeRecord, state: ChargeRecord['state'], at: number, reasonCode?: string): void {
  c.state = state;
  c.reasonCode = reasonCode;
  c.reasonDescription = reasonCode === undefined ? undefined : reasonText(reasonCode);
  c.updatedAt = at;
  sim.notify({ merchantId: c.merchantId, objectType: 'CHARGE', objectId: c.id, chargePermissionId: c.permissionId, env: c.env });
}

/**
 * `limits.amountBalance` in minor units: the limit less what has been captured (a capture still
 * CaptureInitiated counts; a declined one does not). Open authorizations do not reduce it: Amazon
 * lets a OneTime permission "capture up to the total order amount" and closes it once that total is
 * captured, so the limit bounds captures, not authorizations.
 */
export function permissionBalance(sim: SimCore, p: PermissionRecord): number | undefined {
  if (p.limitMinor === undefined) return undefined;
  let captured = 0;
  for (const c of sim.chargesOf(p.id)) if (c.state === 'Captured' || c.state === 'CaptureInitiated') captured += c.captureMinor ?? 0;
  return p.limitMinor - captured;
}

/**
 * Amazon documents up to 25 Create Charge calls on a OneTime permission (after the checkout's own
 * charge, for the Authorize intents); declined attempts do not count.
 */
export const MAX_CHARGES_PER_ONE_TIME_PERMISSION = 25;

/** The Create Charge calls that count against MAX_CHARGES_PER_ONE_TIME_PERMISSION. */
export function chargeCount(sim: SimCore, p: PermissionRecord): number {
  return sim.chargesOf(p.id).filter((c) => c.state !== 'Declined' && !c.fromCheckout).length;
}

function capturedTotal(sim: SimCore, p: PermissionRecord): number {
  let total = 0;
  for (const c of sim.chargesOf(p.id)) if (c.state === 'Captured') total += c.captureMinor ?? 0;
  return total;
}

export function setPermissionState(sim: SimCore, p: PermissionRecord, state: PermissionRecord['state'], at: number, reasonCode?: string): void {
  const reasons = reasonCode === undefined ? [] : [{ reasonCode, reasonDescription: reasonText(reasonCode) }];
  if (p.state === state && JSON.stringify(p.reasons) === JSON.stringify(reasons)) return;
  p.state = state;
  p.reasons = reasons;
  p.updatedAt = at;
  sim.notify({ merchantId: p.merchantId, objectType: 'CHARGE_PERMISSION', objectId: p.id, chargePermissionId: p.id, env: p.env });
}

/** Re-derives a non-closed permission's state from its charges (ChargeInProgress, fully captured). */
export function refreshPermission(sim: SimCore, permissionId: string, at: number): void {
  const p = sim.permissions.get(permissionId);
  if (!p || p.state === 'Closed') return;
  if (p.type === 'OneTime' && p.limitMinor !== undefined && capturedTotal(sim, p) >= p.limitMinor) {
    setPermissionState(sim, p, 'Closed', at, 'AmazonClosed');
    return;
  }
  const blocking = p.reasons.find((r) => r.reasonCode !== 'ChargeInProgress');
  if (p.state === 'NonChargeable' && blocking) return;
  const inProgress = sim.chargesOf(p.id).some((c) => c.state === 'AuthorizationInitiated');
  if (inProgress) setPermissionState(sim, p, 'NonChargeable', at, 'ChargeInProgress');
  else setPermissionState(sim, p, 'Chargeable', at);
}

export function markAuthorized(sim: SimCore, c: ChargeRecord, at: number): void {
  c.authorizedAt = at;
  c.expiresAt = at + AUTHORIZATION_LIFETIME_MS;
  c.dueAt = undefined;
  c.pendingOutcome = undefined;
  sim.settleLedger(c.authLedgerId, 'completed', at);
  changeCharge(sim, c, 'Authorized', at);
  if (c.captureNow) startCapture(sim, c, c.amount.minor, at, c.idempotencyKey, pendingCaptureOutcome(c));
  else refreshPermission(sim, c.permissionId, at);
}

/** The CaptureInitiated outcome a capture simulation code asks for, if any. */
export function pendingCaptureOutcome(c: ChargeRecord): { state: 'Captured' | 'Declined'; reasonCode?: string } | undefined {
  const effect = c.captureSimulation === undefined ? undefined : SIMULATION_CODES[c.captureSimulation];
  return effect?.kind === 'pendingCapture' ? { state: effect.outcome, reasonCode: effect.reasonCode } : undefined;
}

export function markDeclined(sim: SimCore, c: ChargeRecord, reasonCode: string, at: number): void {
  c.dueAt = undefined;
  c.pendingOutcome = undefined;
  if (c.state === 'CaptureInitiated') sim.settleLedger(c.captureLedgerId, 'declined', at, reasonCode);
  else sim.settleLedger(c.authLedgerId, 'declined', at, reasonCode);
  changeCharge(sim, c, 'Declined', at, reasonCode);
  refreshPermission(sim, c.permissionId, at);
}

/** Captures `minor`; `pending` sends it through CaptureInitiated first (resolved by the sweep). */
export function startCapture(sim: SimCore, c: ChargeRecord, minor: number, at: number, idempotencyKey: string | undefined, pending?: { state: 'Captured' | 'Declined'; reasonCode?: string }): void {
  c.captureMinor = minor;
  c.captureIdempotencyKey = idempotencyKey;
  const entry = sim.addLedger(c, { type: 'capture', status: pending ? 'pending' : 'completed', amount: minor, idempotencyKey }, at);
  c.captureLedgerId = entry.id;
  if (pending) {
    c.dueAt = at + sim.delays.pendingCaptureMs;
    c.pendingOutcome = pending;
    changeCharge(sim, c, 'CaptureInitiated', at);
  } else {
    changeCharge(sim, c, 'Captured', at);
  }
  refreshPermission(sim, c.permissionId, at);
}

export function markCaptured(sim: SimCore, c: ChargeRecord, at: number): void {
  c.dueAt = undefined;
  c.pendingOutcome = undefined;
  sim.settleLedger(c.captureLedgerId, 'completed', at);
  changeCharge(sim, c, 'Captured', at);
  refreshPermission(sim, c.permissionId, at);
}

/** Cancels an open authorization, releasing its hold (a `cancel` ledger entry). */
export function markCanceled(sim: SimCore, c: ChargeRecord, reasonCode: string, at: number, idempotencyKey?: string): void {
  const wasPending = c.state === 'AuthorizationInitiated';
  c.dueAt = undefined;
  c.pendingOutcome = undefined;
  if (wasPending) sim.settleLedger(c.authLedgerId, 'declined', at, reasonCode);
  sim.addLedger(c, { type: 'cancel', status: 'completed', amount: c.amount.minor, idempotencyKey, reasonCode }, at);
  changeCharge(sim, c, 'Canceled', at, reasonCode);
  refreshPermission(sim, c.permissionId, at);
}

export function settleRefund(sim: SimCore, r: RefundRecord, at: number): void {
  r.state = r.outcome.state;
  r.reasonCode = r.outcome.reasonCode;
  r.reasonDescription = r.reasonCode === undefined ? undefined : reasonText(r.reasonCode);
  r.updatedAt = at;
  if (r.state === 'Refunded') {
    const c = sim.charges.get(r.chargeId);
    if (c) c.refundedMinor += r.amount.minor;
    sim.settleLedger(r.ledgerId, 'completed', at);
  } else {
    sim.settleLedger(r.ledgerId, 'declined', at, r.reasonCode);
  }
  sim.notify({ merchantId: r.merchantId, objectType: 'REFUND', objectId: r.id, chargePermissionId: r.permissionId, env: r.env });
}

export function cancelSession(s: SessionRecord, reasonCode: string, at: number): void {
  s.state = 'Canceled';
  s.reasonCode = reasonCode;
  s.reasonDescription = reasonText(reasonCode);
  s.updatedAt = at;
}

interface DueItem {
  at: number;
  apply: () => void;
}

/** Applies every time-driven transition due by the simulated now, in time order (bounded passes). */
export function sweep(sim: SimCore): number {
  let applied = 0;
  for (let pass = 0; pass < 20; pass++) {
    const now = sim.now();
    const due: DueItem[] = [];
    for (const s of sim.sessions.values()) {
      if (s.state === 'Open' && s.expiresAt <= now) due.push({ at: s.expiresAt, apply: () => cancelSession(s, 'Expired', s.expiresAt) });
      else if (s.createdAt + SESSION_RETENTION_MS <= now) due.push({ at: s.createdAt + SESSION_RETENTION_MS, apply: () => sim.sessions.delete(s.id) });
    }
    for (const c of sim.charges.values()) {
      if ((c.state === 'AuthorizationInitiated' || c.state === 'CaptureInitiated') && c.dueAt !== undefined && c.dueAt <= now) {
        const at = c.dueAt;
        const outcome = c.pendingOutcome ?? { state: c.state === 'AuthorizationInitiated' ? 'Authorized' : 'Captured' };
        due.push({
          at,
          apply: () => {
            if (outcome.state === 'Declined') markDeclined(sim, c, outcome.reasonCode ?? 'ProcessingFailure', at);
            else if (c.state === 'AuthorizationInitiated') markAuthorized(sim, c, at);
            else markCaptured(sim, c, at);
          },
        });
      } else if (c.state === 'Authorized' && c.expiresAt <= now) {
        due.push({ at: c.expiresAt, apply: () => markCanceled(sim, c, 'ExpiredUnused', c.expiresAt) });
      }
    }
    for (const r of sim.refunds.values()) {
      if (r.state === 'RefundInitiated' && r.dueAt <= now) due.push({ at: r.dueAt, apply: () => settleRefund(sim, r, r.dueAt) });
    }
    for (const p of sim.permissions.values()) {
      if (p.state !== 'Closed' && p.expiresAt <= now) due.push({ at: p.expiresAt, apply: () => setPermissionState(sim, p, 'Closed', p.expiresAt, 'Expired') });
    }
    if (due.length === 0) break;
    due.sort((a, b) => a.at - b.at);
    for (const d of due) d.apply();
    applied += due.length;
    sim.dirty = true;
  }
  return applied;
}

// The order's ledger without Temporal: what Amazon's answers do to the amounts, the payment status and the history
// rows, the refund cap per charge, and when the order's money is finished.
import type { ChargeSummary, RefundSummary } from '../../activities/summaries';
import { Ledger } from '../../workflows/order/ledger';
import type { CarriedState, PaymentStatus } from '../../workflows/types';

const DAY = 24 * 3600_000;

function ledgerOf(amount: number, currency = 'JPY') {
  const s: CarriedState = {
    paymentStatus: 'CheckoutPending',
    orderStatus: 'New',
    linkageDone: false,
    amount,
    permissionClosed: false,
    charges: [],
    refunds: [],
    expiryWarned: false,
    checkoutDeadline: Date.now() + DAY,
    history: [],
    historySeq: 0,
    results: [],
    seenNotifications: [],
    reauthorizations: 0,
  };
  const pending: number[] = [];
  const unlisted: Array<[PaymentStatus, PaymentStatus]> = [];
  const ledger = new Ledger(s, { workflowId: 'order-L-1', currency, timings: { authorizationValidityMs: 30 * DAY, refundWindowMs: 180 * DAY } }, { pending: () => pending.push(1), unlistedTransition: (from, to) => unlisted.push([from, to]) });
  return { s, ledger, pending, unlisted };
}

const charge = (c: Partial<ChargeSummary> & { chargeId: string; state: string }): ChargeSummary => ({ chargePermissionId: 'S03-P', currency: 'JPY', amount: 0, captured: 0, refunded: 0, ...c });
const refund = (r: Partial<RefundSummary> & { refundId: string; state: string }): RefundSummary => ({ chargeId: 'S03-C1', amount: 0, currency: 'JPY', ...r });

test('an authorization opens the amount for capture, starts its 30-day expiry and writes one history row', () => {
  const { s, ledger } = ledgerOf(10_000);
  const before = Date.now();
  ledger.applyCharge(ledger.addCharge('S03-C1', 'AuthorizationInitiated', 10_000), charge({ chargeId: 'S03-C1', state: 'Authorized', amount: 10_000 }));
  expect(s.paymentStatus).toBe('Authorized');
  expect(ledger.capturable()).toBe(10_000);
  expect(ledger.authorized()).toBe(10_000);
  expect(s.authorizationExpiresAt).toBeGreaterThanOrEqual(before + 30 * DAY);
  const rows = ledger.takeUnsaved();
  expect(rows).toEqual([expect.objectContaining({ seq: 1, kind: 'authorize', result: 'OK', amount: 10_000, amazonObjectId: 'S03-C1', currency: 'JPY', dedupeKey: 'order-L-1:1' })]);
  expect(ledger.takeUnsaved()).toEqual([]);
});

test('a split shipment: the first capture leaves the rest capturable, a declined second charge keeps the order Captured', () => {
  const { s, ledger, unlisted } = ledgerOf(5000);
  const first = ledger.addCharge('S03-C1', 'AuthorizationInitiated', 5000);
  ledger.applyCharge(first, charge({ chargeId: 'S03-C1', state: 'Authorized', amount: 5000 }));
  ledger.applyCharge(first, charge({ chargeId: 'S03-C1', state: 'Captured', amount: 3000, captured: 3000 }));
  expect(s.paymentStatus).toBe('Captured');
  expect({ captured: ledger.captured(), capturable: ledger.capturable() }).toEqual({ captured: 3000, capturable: 2000 });
  expect(ledger.openCharge()).toBeUndefined();
  const second = ledger.addCharge('S03-C2', 'Authorized', 2000);
  ledger.applyCharge(second, charge({ chargeId: 'S03-C2', state: 'Declined', amount: 2000, reasonCode: 'HardDeclined' }));
  expect(s.paymentStatus).toBe('Captured');
  expect(s.lastError).toMatchObject({ code: 'HardDeclined' });
  expect(ledger.takeUnsaved().map((r) => [r.kind, r.result])).toEqual([
    ['authorize', 'OK'],
    ['capture', 'OK'],
    ['authorize', 'HardDeclined'],
  ]);
  expect(unlisted).toEqual([]);
});

test('a pending capture asks for a poll and counts as pending, not captured', () => {
  const { s, ledger, pending } = ledgerOf(8000);
  const c = ledger.addCharge('S03-C1', 'AuthorizationInitiated', 8000);
  ledger.applyCharge(c, charge({ chargeId: 'S03-C1', state: 'Authorized', amount: 8000 }));
  ledger.applyCharge(c, charge({ chargeId: 'S03-C1', state: 'CaptureInitiated', amount: 8000 }));
  expect(s.paymentStatus).toBe('CapturePending');
  expect(pending).toHaveLength(1);
  expect({ pending: ledger.pendingCount(), capturePending: ledger.capturePending(), captured: ledger.captured(), capturable: ledger.capturable() }).toEqual({ pending: 1, capturePending: 8000, captured: 0, capturable: 0 });
});

test('refunds: each charge within its own cap (captured + min(15 %, 8,400 JPY)), spread over the charges in order', () => {
  const { ledger } = ledgerOf(100_000);
  const a = ledger.addCharge('S03-C1', 'Authorized', 100_000);
  ledger.applyCharge(a, charge({ chargeId: 'S03-C1', state: 'Captured', amount: 60_000, captured: 60_000 }));
  const b = ledger.addCharge('S03-C2', 'Authorized', 40_000);
  ledger.applyCharge(b, charge({ chargeId: 'S03-C2', state: 'Captured', amount: 40_000, captured: 40_000 }));
  // 60,000 + 8,400 (15 % would be 9,000) and 40,000 + 6,000.
  expect(ledger.refundable()).toBe(68_400 + 46_000);
  expect(ledger.refundPieces(70_000).map((p) => [p.charge.chargeId, p.amount])).toEqual([
    ['S03-C1', 68_400],
    ['S03-C2', 1600],
  ]);
});

test('a refund is pending until Amazon settles it; the last one settled names the status', () => {
  const { s, ledger } = ledgerOf(10_000);
  const c = ledger.addCharge('S03-C1', 'Authorized', 10_000);
  ledger.applyCharge(c, charge({ chargeId: 'S03-C1', state: 'Captured', amount: 10_000, captured: 10_000 }));
  const [piece] = ledger.refundPieces(4000);
  const r1 = ledger.addRefund(piece, 'S03-R1', 'req-1');
  expect(s.paymentStatus).toBe('RefundPending');
  expect(ledger.refundable()).toBe(11_500 - 4000);
  const r2 = ledger.addRefund(ledger.refundPieces(1000)[0], 'S03-R2', 'req-2');
  ledger.applyRefund(r1, refund({ refundId: 'S03-R1', state: 'Refunded', amount: 4000 }));
  expect(s.paymentStatus).toBe('RefundPending');
  ledger.applyRefund(r2, refund({ refundId: 'S03-R2', state: 'Declined', amount: 1000, reasonCode: 'AmazonRejected' }));
  expect(s.paymentStatus).toBe('RefundDeclined');
  expect({ refunded: ledger.refunded(), refundPending: ledger.refundPending(), refundable: ledger.refundable() }).toEqual({ refunded: 4000, refundPending: 0, refundable: 7500 });
  // An answer for a refund already settled changes nothing.
  ledger.applyRefund(r1, refund({ refundId: 'S03-R1', state: 'Declined', amount: 4000 }));
  expect(ledger.refunded()).toBe(4000);
});

test('a transition the state table does not list is reported (and still made)', () => {
  const { s, ledger, unlisted } = ledgerOf(1000);
  s.paymentStatus = 'Canceled';
  ledger.setStatus('Captured');
  expect(unlisted).toEqual([['Canceled', 'Captured']]);
  expect(s.paymentStatus).toBe('Captured');
});

test('rows whose write failed are written again before the ones recorded since', () => {
  const { ledger } = ledgerOf(1000);
  ledger.record('notification', 'Closed');
  const failed = ledger.takeUnsaved();
  ledger.record('expire', 'ExpiryWarning');
  ledger.keepUnsaved(failed);
  expect(ledger.takeUnsaved().map((r) => r.seq)).toEqual([1, 2]);
});

test('the money is finished once fully captured and nothing is left to refund, or once the status is final', () => {
  const { s, ledger } = ledgerOf(1000);
  expect(ledger.finished()).toBe(false);
  const c = ledger.addCharge('S03-C1', 'Authorized', 1000);
  ledger.applyCharge(c, charge({ chargeId: 'S03-C1', state: 'Captured', amount: 1000, captured: 1000 }));
  expect(ledger.refundWindowEndsAt()).toBe((s.lastCaptureAt as number) + 180 * DAY);
  expect(ledger.finished()).toBe(false);
  const r = ledger.addRefund(ledger.refundPieces(1150)[0], 'S03-R1', 'req-1');
  expect(ledger.finished()).toBe(false);
  ledger.applyRefund(r, refund({ refundId: 'S03-R1', state: 'Refunded', amount: 1150 }));
  expect(ledger.refundable()).toBe(0);
  expect(ledger.finished()).toBe(true);
  const declined = ledgerOf(1000);
  declined.ledger.setStatus('Declined');
  expect(declined.ledger.finished()).toBe(true);
});

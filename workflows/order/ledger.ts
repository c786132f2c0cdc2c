// An order's money as Amazon has it: its charges and refunds, the amounts derived from them (captured, capturable,
// refundable within the refund cap), the payment status they move, and the history rows each move writes. Pure: no
// Temporal, no I/O, so it is unit-tested on its own; the workflow tells it what Amazon answered.
import type { ChargeSummary, PermissionSummary, RefundSummary } from '../../activities/summaries';
import type { FailureInfo } from '../failures';
import type { PaymentActionResult } from '../messages';
import { refundLimit } from '../../lib/money';
import type { EventData, EventType, PendingEvent } from '../../lib/event-types';
import { canTransition, FINAL_STATUSES } from '../state-table';
import type { Actor, CarriedState, ChargeRecord, ChargeState, HistoryKind, HistoryRow, OrderPaymentTimings, PaymentStatus, RefundRecord, StateDetails } from '../types';

/** What the ledger needs to know of its order. */
export interface LedgerContext {
  readonly workflowId: string;
  readonly currency: string;
  readonly timings: Pick<OrderPaymentTimings, 'authorizationValidityMs' | 'refundWindowMs'>;
}

/** What the ledger tells the workflow. */
export interface LedgerHooks {
  /** A charge went pending at Amazon (AuthorizationInitiated, CaptureInitiated): poll it soon. */
  pending(): void;
  /** A status change the state table does not list: a bug, logged by the workflow. */
  unlistedTransition(from: PaymentStatus, to: PaymentStatus): void;
}

type RowFields = { amount?: number; amazonObjectId?: string; message?: string; debugDetail?: string };

export class Ledger {
  /** History rows recorded but not yet written to the projection. */
  private unsaved: HistoryRow[] = [];
  /** Events (docs/events.md) emitted but not yet written with the projection. */
  private unsavedEvents: PendingEvent[] = [];
  /** Who asked for the command now running (its rows name them), and who approved it (a large refund). */
  actor?: Actor;
  approver?: Actor;

  constructor(
    private readonly s: CarriedState,
    private readonly ctx: LedgerContext,
    private readonly hooks: LedgerHooks,
  ) {}

  // ---------------------------------------------------------------- amounts

  captured(): number {
    return this.s.charges.reduce((n, c) => n + c.captured, 0);
  }
  capturePending(): number {
    return this.s.charges.reduce((n, c) => n + c.capturePending, 0);
  }
  refunded(): number {
    return this.s.charges.reduce((n, c) => n + c.refunded, 0);
  }
  refundPending(): number {
    return this.s.charges.reduce((n, c) => n + c.refundPending, 0);
  }
  /** The authorization still open for capture: split shipments capture it in parts. */
  authorized(): number {
    return this.s.authorizedAt === undefined ? 0 : this.s.amount;
  }
  capturable(): number {
    if (this.s.permissionClosed || this.s.authorizedAt === undefined) return 0;
    return Math.max(0, this.s.amount - this.captured() - this.capturePending());
  }
  /** What may still be refunded: per charge, its capture plus the cap Amazon allows (docs/amazon-pay.md, Refund cap). */
  refundable(): number {
    return this.s.charges.reduce((n, c) => n + Math.max(0, this.refundRoom(c)), 0);
  }
  private refundRoom(c: ChargeRecord): number {
    return refundLimit(c.captured, this.ctx.currency) - c.refunded - c.refundPending;
  }
  /** The charge a capture or cancel acts on: authorized (or about to be) and not captured from yet. */
  openCharge(): ChargeRecord | undefined {
    return this.s.charges.find((c) => (c.state === 'Authorized' || c.state === 'AuthorizationInitiated') && c.captured === 0 && c.capturePending === 0);
  }
  /** Objects Amazon still owes an answer about. */
  pendingCount(): number {
    return this.s.charges.filter((c) => c.state === 'AuthorizationInitiated' || c.state === 'CaptureInitiated').length + this.s.refunds.filter((r) => r.state === 'RefundInitiated').length;
  }
  charge(chargeId: string): ChargeRecord | undefined {
    return this.s.charges.find((c) => c.chargeId === chargeId);
  }
  refund(refundId: string): RefundRecord | undefined {
    return this.s.refunds.find((r) => r.refundId === refundId);
  }

  /** Amazon refunds per charge: the amount spread over the captured charges, each within its own cap. */
  refundPieces(amount: number): Array<{ charge: ChargeRecord; amount: number }> {
    const pieces: Array<{ charge: ChargeRecord; amount: number }> = [];
    let left = amount;
    for (const c of this.s.charges) {
      if (left === 0) break;
      const room = this.refundRoom(c);
      if (room <= 0) continue;
      const take = Math.min(room, left);
      pieces.push({ charge: c, amount: take });
      left -= take;
    }
    return pieces;
  }

  // ---------------------------------------------------------------- deadlines

  /** When refunds stop being expected: the refund window after the last capture, once nothing is left to capture or pending. */
  refundWindowEndsAt(): number | undefined {
    if (this.captured() === 0 || this.capturable() > 0 || this.pendingCount() > 0 || this.s.lastCaptureAt === undefined) return undefined;
    return this.s.lastCaptureAt + this.ctx.timings.refundWindowMs;
  }

  isFinal(): boolean {
    return FINAL_STATUSES.has(this.s.paymentStatus);
  }

  /** Nothing more can happen to this order's money. */
  finished(): boolean {
    if (this.isFinal()) return true;
    const end = this.refundWindowEndsAt();
    return end !== undefined && (Date.now() >= end || this.refundable() === 0);
  }

  // ---------------------------------------------------------------- views

  /** The order's state as a refused caller sees it. */
  stateDetails(): StateDetails {
    return { paymentStatus: this.s.paymentStatus, currency: this.ctx.currency, capturable: this.capturable(), captured: this.captured(), refunded: this.refunded(), refundable: this.refundable() };
  }

  actionResult(amount: number, ids: string[]): PaymentActionResult {
    return {
      paymentStatus: this.s.paymentStatus,
      amount,
      currency: this.ctx.currency,
      amazonObjectIds: ids,
      chargePermissionId: this.s.chargePermissionId,
      authorized: this.authorized(),
      captured: this.captured(),
      refunded: this.refunded(),
    };
  }

  // ---------------------------------------------------------------- recording

  setStatus(next: PaymentStatus): void {
    const from = this.s.paymentStatus;
    if (!canTransition(from, next)) this.hooks.unlistedTransition(from, next);
    this.s.paymentStatus = next;
    // The pending states have no history row of their own: the status change is the event.
    if (from !== next && next === 'AuthorizationPending') this.emit('payment.authorization_pending', { amount: this.money(this.s.amount) });
    if (from !== next && next === 'CapturePending') this.emit('payment.capture_pending', { amount: this.money(this.capturePending()), amazon: { chargeId: this.s.charges.find((c) => c.capturePending > 0)?.chargeId } });
  }

  // ---------------------------------------------------------------- events (docs/events.md)

  /**
   * Emits an event, written with the next projection write. Its key is the workflow id and the order's own count
   * (carried over continue-as-new), so a retried write or a replay never adds it twice.
   */
  emit(type: EventType, data: EventData = {}): void {
    this.s.eventSeq = (this.s.eventSeq ?? 0) + 1;
    const amazon = { checkoutSessionId: this.s.checkoutSessionId, chargePermissionId: this.s.chargePermissionId, ...data.amazon };
    this.unsavedEvents.push({ key: `${this.ctx.workflowId}:e${this.s.eventSeq}`, type, at: new Date(Date.now()).toISOString(), data: { ...data, amazon: dropUndefined(amazon) } });
  }

  /** The events emitted since the last call, each with the payment status the change it belongs to left. */
  takeUnsavedEvents(): PendingEvent[] {
    const events = this.unsavedEvents.map((e) => (e.paymentStatus === undefined ? { ...e, paymentStatus: this.s.paymentStatus } : e));
    this.unsavedEvents = [];
    return events;
  }

  /** Events whose write failed: written again, before any emitted since. */
  keepUnsavedEvents(events: PendingEvent[]): void {
    this.unsavedEvents = [...events, ...this.unsavedEvents];
  }

  private money(amount: number): { amount: number; currency: string } {
    return { amount, currency: this.ctx.currency };
  }

  /** A history row's event: the one rule from what was recorded to what the shop hears (docs/events.md, Types). */
  private rowEvent(row: HistoryRow): void {
    const ok = row.result === 'OK';
    const type = rowEventType(row.kind, row.result);
    if (type === undefined) return;
    const id = row.amazonObjectId;
    const amazon =
      id === undefined || id === this.s.chargePermissionId ? {} : row.kind === 'refund' || row.kind === 'refund_started' ? { refundId: id } : type === 'checkout.abandoned' ? { checkoutSessionId: id } : { chargeId: id };
    const reasons = type === 'charge_permission.closed' && row.message ? { reasons: row.message.split(',') } : {};
    this.emit(type, { ...(row.amount === undefined ? {} : { amount: this.money(row.amount) }), amazon, ...(ok || reasons.reasons ? {} : { reasonCode: row.result }), ...reasons });
  }

  /** Appends a history row (docs/product-rules.md, Admin actions), kept for the projection's next write. */
  record(kind: HistoryKind, result: string, fields: RowFields = {}, emits = true): void {
    this.s.historySeq += 1;
    const row: HistoryRow = {
      seq: this.s.historySeq,
      at: new Date(Date.now()).toISOString(),
      kind,
      currency: this.ctx.currency,
      result,
      dedupeKey: `${this.ctx.workflowId}:${this.s.historySeq}`,
      ...fields,
      ...(this.actor ? { requestedBy: this.actor } : {}),
      ...(this.approver ? { approvedBy: this.approver } : {}),
    };
    this.s.history.push(row);
    this.unsaved.push(row);
    if (emits) this.rowEvent(row);
  }

  /** A failure: the order's last error and a history row with the admin's text and Amazon's detail. */
  recordFailure(kind: HistoryKind, f: FailureInfo, fields: { amount?: number; amazonObjectId?: string } = {}): void {
    this.s.lastError = { code: f.code, message: f.details?.adminMessage.ja ?? f.message };
    this.record(kind, f.code, { ...fields, message: f.details?.adminMessage.ja, debugDetail: f.details?.amazonMessage ?? f.message });
  }

  /** A request refused before Amazon was asked (an amount over the limit): the last error and its history row; no event, nothing changed. */
  recordRefusal(kind: HistoryKind, code: string, amount: number, text: { message: string; debug: string }, amazonObjectId: string | undefined): void {
    this.s.lastError = { code, message: text.message };
    this.record(kind, code, { amount, amazonObjectId, message: text.message, debugDetail: text.debug }, false);
  }

  /** The rows recorded since the last call, for the projection to write. */
  takeUnsaved(): HistoryRow[] {
    const rows = this.unsaved;
    this.unsaved = [];
    return rows;
  }

  /** Rows whose write failed: written again, before any recorded since. */
  keepUnsaved(rows: HistoryRow[]): void {
    this.unsaved = [...rows, ...this.unsaved];
  }

  // ---------------------------------------------------------------- Amazon's answers

  /** A charge Amazon made for this order (completion, split capture, period charge); its state is applied next. */
  addCharge(chargeId: string, state: ChargeState, authorized: number): ChargeRecord {
    const record: ChargeRecord = { chargeId, state, authorized, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 };
    this.s.charges.push(record);
    return record;
  }

  /** The first authorization: its amount may raise the order's, and its 30-day validity starts now (docs/product-rules.md, Waits and timers). */
  markAuthorized(amount: number): void {
    if (this.s.authorizedAt !== undefined) return;
    this.s.amount = Math.max(this.s.amount, amount);
    this.s.authorizedAt = Date.now();
    this.s.authorizationExpiresAt = this.s.authorizedAt + this.ctx.timings.authorizationValidityMs;
    this.s.expiryWarned = false;
  }

  /** Applies Amazon's view of a charge to its record: the single place charge states move. */
  applyCharge(record: ChargeRecord, c: ChargeSummary): void {
    const prev: ChargeState = record.state;
    const next = c.state as ChargeState;
    if (prev === next) return;
    record.state = next;
    switch (next) {
      case 'AuthorizationInitiated':
        this.setStatus('AuthorizationPending');
        this.hooks.pending();
        return;
      case 'Authorized':
        this.markAuthorized(c.amount);
        this.record('authorize', 'OK', { amount: c.amount, amazonObjectId: c.chargeId });
        if (this.captured() === 0) this.setStatus('Authorized');
        return;
      case 'CaptureInitiated':
        if (this.s.authorizedAt === undefined) this.markAuthorized(c.amount);
        record.capturePending = c.amount - record.captured;
        this.setStatus('CapturePending');
        this.hooks.pending();
        return;
      case 'Captured': {
        if (this.s.authorizedAt === undefined) {
          this.markAuthorized(c.amount);
          this.record('authorize', 'OK', { amount: c.amount, amazonObjectId: c.chargeId });
        }
        const amount = c.captured > 0 ? c.captured : record.capturePending || c.amount;
        record.captured = amount;
        record.capturePending = 0;
        this.s.lastCaptureAt = Date.now();
        this.record('capture', 'OK', { amount, amazonObjectId: c.chargeId });
        this.setStatus(this.refundPending() > 0 ? 'RefundPending' : 'Captured');
        return;
      }
      case 'Declined': {
        const kind: HistoryKind = prev === 'CaptureInitiated' ? 'capture' : 'authorize';
        const code = c.reasonCode ?? 'HardDeclined';
        record.capturePending = 0;
        this.recordFailure(kind, { code, message: `charge ${c.chargeId} declined: ${code}` }, { amount: c.amount, amazonObjectId: c.chargeId });
        if (this.captured() === 0) this.setStatus('Declined');
        else this.setStatus('Captured');
        return;
      }
      case 'Canceled': {
        const code = c.reasonCode ?? 'MerchantCanceled';
        if (code === 'ExpiredUnused') {
          this.record('expire', code, { amount: record.authorized, amazonObjectId: c.chargeId });
          this.s.permissionClosed = true;
          if (this.captured() === 0) this.setStatus('AuthorizationExpired');
        } else {
          this.record('cancel', 'OK', { amount: record.authorized, amazonObjectId: c.chargeId, message: code });
          if (this.captured() === 0) {
            this.s.permissionClosed = true;
            this.setStatus('Canceled');
          }
        }
        return;
      }
    }
  }

  /** A refund Amazon accepted for a piece of a charge: pending until Amazon settles it. */
  addRefund(piece: { charge: ChargeRecord; amount: number }, refundId: string, requestId: string): RefundRecord {
    const record: RefundRecord = { refundId, chargeId: piece.charge.chargeId, amount: piece.amount, state: 'RefundInitiated', requestId };
    this.s.refunds.push(record);
    piece.charge.refundPending += piece.amount;
    this.record('refund_started', 'OK', { amount: piece.amount, amazonObjectId: refundId });
    this.setStatus('RefundPending');
    return record;
  }

  /** Applies Amazon's view of a refund: the single place refund states move. */
  applyRefund(record: RefundRecord, r: RefundSummary): void {
    if (record.state !== 'RefundInitiated' || r.state === 'RefundInitiated') return;
    const charge = this.charge(record.chargeId);
    if (charge) charge.refundPending -= record.amount;
    if (r.state === 'Refunded') {
      record.state = 'Refunded';
      if (charge) charge.refunded += record.amount;
      this.record('refund', 'OK', { amount: record.amount, amazonObjectId: record.refundId });
    } else {
      record.state = 'Declined';
      const code = r.reasonCode ?? 'AmazonRejected';
      this.recordFailure('refund', { code, message: `refund ${record.refundId} declined: ${code}` }, { amount: record.amount, amazonObjectId: record.refundId });
    }
    if (this.s.refunds.some((x) => x.state === 'RefundInitiated')) return;
    this.setStatus(r.state === 'Refunded' ? 'Refunded' : 'RefundDeclined');
  }

  /** The authorization was made again on the permission before it expired (the setting reauthorizeOnExpiry). */
  reauthorized(open: ChargeRecord | undefined, chargeId: string, amount: number): void {
    if (open) open.state = 'Canceled';
    this.s.charges.push({ chargeId, state: 'Authorized', authorized: amount, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 });
    this.s.authorizedAt = Date.now();
    this.s.authorizationExpiresAt = this.s.authorizedAt + this.ctx.timings.authorizationValidityMs;
    this.s.expiryWarned = false;
    this.record('authorize', 'OK', { amount, amazonObjectId: chargeId, message: 're-authorized on the charge permission before expiry' });
    if (this.captured() === 0) this.setStatus('Authorized');
  }

  /**
   * The order's permission as Amazon said it is now (a notification's re-read, or read with a capture in full): once
   * Closed, nothing more is captured on it, and the history row says so (the shop's charge_permission.closed).
   */
  permissionRead(p: PermissionSummary): void {
    if (p.state !== 'Closed' || this.s.permissionClosed) return;
    this.s.permissionClosed = true;
    this.record('notification', 'Closed', { amazonObjectId: p.chargePermissionId, message: p.reasons.join(',') || undefined });
  }

  /** The authorization expired with `remaining` uncaptured: the permission is closed for capture. */
  expired(open: ChargeRecord | undefined, remaining: number): void {
    if (open) open.state = 'Canceled';
    this.s.permissionClosed = true;
    this.record('expire', 'ExpiredUnused', { amount: remaining, amazonObjectId: open?.chargeId, message: 'authorization expired before capture' });
    if (this.captured() === 0) this.setStatus('AuthorizationExpired');
  }
}

/** Which event a history row is: the row's kind and result (OK or a reason code); none for notes and trackers. */
function rowEventType(kind: HistoryKind, result: string): EventType | undefined {
  const ok = result === 'OK';
  switch (kind) {
    case 'authorize':
      return ok ? 'payment.authorized' : 'payment.declined';
    case 'capture':
      return ok ? 'payment.captured' : 'payment.capture_failed';
    case 'cancel':
      return ok ? 'payment.canceled' : undefined;
    case 'refund_started':
    case 'refund':
      return ok ? (kind === 'refund' ? 'refund.succeeded' : 'refund.pending') : 'refund.declined';
    case 'expire':
      return result === 'Abandoned' ? 'checkout.abandoned' : result === 'ExpiryWarning' ? 'authorization.expiring' : 'authorization.expired';
    case 'notification':
      return result === 'Closed' ? 'charge_permission.closed' : undefined;
    default:
      return undefined;
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

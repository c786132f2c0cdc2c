// The order's payment state and the logic that moves it: one command at a time from a queue, durable deadlines, polling of pending objects.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  startChild,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChargeSummary, RefundSummary } from '../activities/summaries';
import { OWNERSHIP_CODES } from '../lib/ownership-codes';
import { amazonCall, amazonPoll, dbWrite, dbWriteLocal, PROJECTION_RETRY_BACKOFF_MS, projectionWriteLocal } from './activity-options';
import { DEFAULT_ORDER_SETTINGS, DEFAULT_TIMINGS } from './defaults';
import { DECLINE_CODES, failureOf, isRetryableDecline, isUnknownOutcome, LOCAL_LIMIT_FAILURES, toUpdateFailure, type FailureInfo } from './failures';
import type {
  AmazonNotificationArgs,
  CancelArgs,
  CaptureArgs,
  CheckoutCompletedArgs,
  CheckoutConfirmedArgs,
  CheckoutConfirmedResult,
  CheckoutReviewedArgs,
  CheckoutReviewedResult,
  PaymentActionResult,
  RefundArgs,
  SetOrderStatusArgs,
  SetOrderStatusResult,
} from './messages';
import { REJECTION_TYPES } from './messages';
import { refundLimit } from './money';
import { AUTHORIZATION_EXPIRY_CLEARED, CHECKOUT_SESSION_OWNERSHIP, DECIDE_AT_EXECUTION, EXPIRY_WARNING_HISTORY_ROW, LOCAL_PROJECTION_WRITE, NOTIFICATION_REFRESH, NOTIFIED_STATE_KNOWN, PROJECTION_NEVER_BLOCKS, SINGLE_PROJECTION_WRITE } from './patches';
import { AuthorizationExpiresAtKey, CurrencyKey, OrderAmountKey, OrderIdKey, OrderStatusKey, PaymentStatusKey, subscriptionWorkflowId, WORKFLOW_TYPES } from '../lib/names';
import { allowedActions, cancelRefusal, captureRefusal, refundRefusal, type ValidationView } from './validators';
import { periodOutcome } from './subscription-messages';
import { canTransition, FINAL_STATUSES, linkedPaymentAction } from './state-table';
import type {
  CarriedState,
  ChargeRecord,
  ChargeState,
  HistoryKind,
  HistoryRow,
  OrderPaymentInput,
  OrderPaymentResult,
  OrderPaymentSettings,
  OrderPaymentState,
  OrderPaymentTimings,
  PaymentStatus,
  PendingTimer,
  PeriodOutcome,
  RefundRecord,
  StateDetails,
  StoredResult,
} from './types';

const amazon = proxyActivities<Activities>(amazonCall);
const poller = proxyActivities<Activities>(amazonPoll);
const db = proxyActivities<Activities>(dbWrite);
const localDb = proxyLocalActivities<Activities>(dbWriteLocal);
const projectionDb = proxyLocalActivities<Activities>(projectionWriteLocal);

/** Waits between asking Amazon again about a recurring charge it never answered (same key each time). */
const UNKNOWN_OUTCOME_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000];

/** Kept across continue-as-new; older entries are only in the database. */
const MAX_CARRIED_HISTORY = 500;
const MAX_CARRIED_RESULTS = 1000;

type Command =
  | { kind: 'review'; key: string; args: CheckoutReviewedArgs }
  | { kind: 'confirm'; key: string; args: CheckoutConfirmedArgs }
  | { kind: 'complete'; key: string; args: CheckoutCompletedArgs }
  | { kind: 'capture'; key: string; args: CaptureArgs; fingerprint: string }
  | { kind: 'cancel'; key: string; args: CancelArgs; fingerprint: string }
  | { kind: 'refund'; key: string; args: RefundArgs; fingerprint: string }
  | { kind: 'orderStatus'; key: string; args: SetOrderStatusArgs }
  | { kind: 'refresh'; key: string; args: AmazonNotificationArgs }
  | { kind: 'recurringCharge'; key: string };

const KEPT_RESULTS: ReadonlySet<Command['kind']> = new Set(['capture', 'cancel', 'refund']);

/** A failed action: recorded, then returned to the caller as the update's failure. */
class ActionFailed extends Error {
  constructor(readonly info: FailureInfo) {
    super(info.message);
  }
}

export class OrderPaymentMachine {
  readonly workflowId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly settings: OrderPaymentSettings;
  readonly timings: OrderPaymentTimings;
  private s: CarriedState;
  private readonly queue: Command[] = [];
  private readonly queued = new Set<string>();
  private readonly results = new Map<string, StoredResult>();
  /** The parameters' fingerprint of each money request queued or answered (a requestId reused with others is refused). */
  private readonly fingerprints = new Map<string, string>();
  private seq = 0;
  private pollAt?: number;
  private pollAttempt = 0;
  private declineRetryAt?: number;
  private unsaved: HistoryRow[] = [];
  private lastSearchAttributes = '';
  private lastProjection = '';
  /** A projection write failed: when to write it again, and how many retries were scheduled since the last success. */
  private projectionRetryAt?: number;
  private projectionRetries = 0;
  private completed = false;
  /** A command is being executed (its Amazon call may still be in flight). */
  private executing = false;
  /** A period's order whose outcome the subscription has not been told yet (waiting for a pending capture to settle). */
  private periodToReport?: NonNullable<OrderPaymentInput['recurringCharge']>;
  private periodFailure?: { code: string; message?: string };
  /** Fresh keys used by decline retries so far (a later unknown outcome resumes from here). */
  private declineRetriesUsed = 0;

  constructor(private readonly input: OrderPaymentInput) {
    this.workflowId = workflowInfo().workflowId;
    this.orderId = input.orderId;
    this.currency = input.amount.currency;
    this.settings = { ...DEFAULT_ORDER_SETTINGS, ...input.settings };
    this.timings = { ...DEFAULT_TIMINGS, ...input.timings };
    this.s = input.carried ?? {
      paymentStatus: 'CheckoutPending',
      orderStatus: input.orderStatus ?? 'New',
      linkageDone: false,
      amount: input.amount.amount,
      checkoutSessionId: input.checkoutSessionId,
      permissionClosed: false,
      charges: [],
      refunds: [],
      expiryWarned: false,
      checkoutDeadline: Date.now() + this.timings.checkoutSessionMs,
      history: [],
      historySeq: 0,
      results: [],
      seenNotifications: [],
      reauthorizations: 0,
    };
    for (const [k, v] of this.s.results) {
      this.results.set(k, v);
      if (v.fingerprint !== undefined) this.fingerprints.set(k, v.fingerprint);
    }
    if (this.pendingCount() > 0) this.schedulePoll(true);
    // A subscription's period order has no checkout: it charges the permission as its first step.
    if (input.recurringCharge && input.carried === undefined) {
      this.s.chargePermissionId = input.recurringCharge.chargePermissionId;
      if (input.buyer) this.s.buyer = input.buyer;
      this.queued.add('recurringCharge');
      this.queue.push({ kind: 'recurringCharge', key: 'recurringCharge' });
    }
  }

  // ---------------------------------------------------------------- amounts and views

  get status(): PaymentStatus {
    return this.s.paymentStatus;
  }
  private captured(): number {
    return this.s.charges.reduce((n, c) => n + c.captured, 0);
  }
  private capturePending(): number {
    return this.s.charges.reduce((n, c) => n + c.capturePending, 0);
  }
  private refunded(): number {
    return this.s.charges.reduce((n, c) => n + c.refunded, 0);
  }
  private refundPending(): number {
    return this.s.charges.reduce((n, c) => n + c.refundPending, 0);
  }
  /** The authorization still open for capture: split shipments capture it in parts. */
  private authorized(): number {
    return this.s.authorizedAt === undefined ? 0 : this.s.amount;
  }
  capturable(): number {
    if (this.s.permissionClosed || this.s.authorizedAt === undefined) return 0;
    return Math.max(0, this.s.amount - this.captured() - this.capturePending());
  }
  refundable(): number {
    return this.s.charges.reduce((n, c) => n + Math.max(0, refundLimit(c.captured, this.currency) - c.refunded - c.refundPending), 0);
  }
  private openCharge(): ChargeRecord | undefined {
    return this.s.charges.find((c) => (c.state === 'Authorized' || c.state === 'AuthorizationInitiated') && c.captured === 0 && c.capturePending === 0);
  }
  private pendingCount(): number {
    return this.s.charges.filter((c) => c.state === 'AuthorizationInitiated' || c.state === 'CaptureInitiated').length + this.s.refunds.filter((r) => r.state === 'RefundInitiated').length;
  }
  /** What the update validators look at. */
  view(): ValidationView {
    return {
      paymentStatus: this.s.paymentStatus,
      currency: this.currency,
      checkoutSessionId: this.s.checkoutSessionId,
      capturable: this.capturable(),
      captured: this.captured(),
      hasOpenCharge: this.openCharge() !== undefined,
      finished: this.finished(),
      requestSeen: (key, fingerprint) => {
        if (!this.hasResult(key)) return 'new';
        const first = this.fingerprints.get(key);
        // A result carried from a run before fingerprints were kept: taken as the same request, as it always was.
        return first === undefined || first === fingerprint ? 'same' : 'reused';
      },
    };
  }

  isFinal(): boolean {
    return FINAL_STATUSES.has(this.s.paymentStatus);
  }
  hasResult(key: string): boolean {
    return this.results.has(key) || this.queued.has(key);
  }

  private refundWindowEndsAt(): number | undefined {
    if (this.captured() === 0 || this.capturable() > 0 || this.pendingCount() > 0 || this.s.lastCaptureAt === undefined) return undefined;
    return this.s.lastCaptureAt + this.timings.refundWindowMs;
  }

  /** Nothing more can happen to this order's money. */
  finished(): boolean {
    if (this.isFinal()) return true;
    const end = this.refundWindowEndsAt();
    return end !== undefined && (Date.now() >= end || this.refundable() === 0);
  }

  private warnAt(): number | undefined {
    if (this.s.authorizationExpiresAt === undefined || this.s.expiryWarned || this.capturable() === 0) return undefined;
    return this.s.authorizationExpiresAt - this.settings.expiryWarningLeadMs;
  }

  private deadlines(): PendingTimer[] {
    const t: PendingTimer[] = [];
    const at = (ms: number) => new Date(ms).toISOString();
    if (this.s.paymentStatus === 'CheckoutPending') t.push({ name: 'checkoutExpiry', firesAt: at(this.s.checkoutDeadline) });
    const warn = this.warnAt();
    if (warn !== undefined) t.push({ name: 'authorizationWarning', firesAt: at(warn) });
    if (this.s.authorizationExpiresAt !== undefined && this.capturable() > 0) t.push({ name: 'authorizationExpiry', firesAt: at(this.s.authorizationExpiresAt) });
    if (this.pollAt !== undefined) t.push({ name: 'poll', firesAt: at(this.pollAt) });
    if (this.declineRetryAt !== undefined) t.push({ name: 'declineRetry', firesAt: at(this.declineRetryAt) });
    if (this.projectionRetryAt !== undefined) t.push({ name: 'projectionRetry', firesAt: at(this.projectionRetryAt) });
    const end = this.refundWindowEndsAt();
    if (end !== undefined) t.push({ name: 'refundWindow', firesAt: at(end) });
    return t;
  }

  snapshot(): OrderPaymentState {
    return {
      orderId: this.orderId,
      workflowId: this.workflowId,
      paymentStatus: this.s.paymentStatus,
      orderStatus: this.s.orderStatus,
      paymentIntent: this.settings.paymentIntent,
      currency: this.currency,
      orderAmount: this.s.amount,
      amounts: {
        authorized: this.authorized(),
        captured: this.captured(),
        refunded: this.refunded(),
        capturePending: this.capturePending(),
        refundPending: this.refundPending(),
        capturable: this.capturable(),
        refundable: this.refundable(),
      },
      checkoutSessionId: this.s.checkoutSessionId,
      chargePermissionId: this.s.chargePermissionId,
      chargeIds: this.s.charges.map((c) => c.chargeId),
      charges: this.s.charges.map((c) => ({ ...c })),
      refunds: this.s.refunds.map((r) => ({ ...r })),
      authorizedAt: this.s.authorizedAt === undefined ? undefined : new Date(this.s.authorizedAt).toISOString(),
      authorizationExpiresAt: this.s.authorizationExpiresAt === undefined ? undefined : new Date(this.s.authorizationExpiresAt).toISOString(),
      expiryWarned: this.s.expiryWarned,
      buyer: this.s.buyer,
      history: this.s.history.map((h) => ({ ...h })),
      pendingTimers: this.deadlines(),
      allowedActions: allowedActions(this.view(), this.refundable()),
      lastError: this.s.lastError,
      completed: this.completed,
    };
  }

  private actionResult(amount: number, ids: string[]): PaymentActionResult {
    return {
      paymentStatus: this.s.paymentStatus,
      amount,
      currency: this.currency,
      amazonObjectIds: ids,
      chargePermissionId: this.s.chargePermissionId,
      authorized: this.authorized(),
      captured: this.captured(),
      refunded: this.refunded(),
    };
  }

  // ---------------------------------------------------------------- requests from update handlers

  /** Queues a command (once per key) and waits for its stored result: a repeated key never acts twice. */
  async request<T>(cmd: Command): Promise<T> {
    if (!this.results.has(cmd.key) && !this.queued.has(cmd.key)) {
      this.queued.add(cmd.key);
      if ('fingerprint' in cmd) this.fingerprints.set(cmd.key, cmd.fingerprint);
      this.queue.push(cmd);
    }
    await condition(() => this.results.has(cmd.key));
    const r = this.results.get(cmd.key) as StoredResult;
    // Only money actions (keyed by the caller's requestId) keep their result for a repeated request.
    if (!KEPT_RESULTS.has(cmd.kind)) this.results.delete(cmd.key);
    if (r.ok) return r.value as T;
    throw toUpdateFailure(r.code, r.message, r.details);
  }

  nextKey(kind: string): string {
    this.seq += 1;
    return `${kind}#${this.seq}`;
  }

  /** A notification is a hint: re-read the object later in the loop; the caller is answered at once. */
  notify(args: AmazonNotificationArgs): { accepted: boolean } {
    if (this.finished()) return { accepted: false };
    if (args.notificationId !== undefined) {
      if (this.s.seenNotifications.includes(args.notificationId)) return { accepted: false };
      this.s.seenNotifications.push(args.notificationId);
      if (this.s.seenNotifications.length > 200) this.s.seenNotifications.shift();
    }
    const known =
      (args.objectType === 'CHARGE' && this.s.charges.some((c) => c.chargeId === args.objectId)) ||
      (args.objectType === 'REFUND' && this.s.refunds.some((r) => r.refundId === args.objectId)) ||
      (args.objectType === 'CHARGE_PERMISSION' && this.s.chargePermissionId === args.objectId);
    if (patched(NOTIFICATION_REFRESH)) {
      // Amazon often notifies before the response of the call that made the object has reached this workflow:
      // while a command runs, an unknown object is re-read once it has finished (it is then known, or ignored).
      const refreshable = args.objectType === 'CHARGE' || args.objectType === 'REFUND' || args.objectType === 'CHARGE_PERMISSION';
      if (!known && !(refreshable && this.executing)) return { accepted: false };
      // A re-read of this object is already queued: it will see this change too.
      if (this.queue.some((c) => c.kind === 'refresh' && c.args.objectType === args.objectType && c.args.objectId === args.objectId)) return { accepted: true };
    } else if (!known) {
      return { accepted: false };
    }
    const key = this.nextKey('refresh');
    this.queued.add(key);
    this.queue.push({ kind: 'refresh', key, args });
    return { accepted: true };
  }

  // ---------------------------------------------------------------- main loop

  async run(): Promise<OrderPaymentResult> {
    await this.flush();
    for (;;) {
      const cmd = this.queue.shift();
      if (cmd) {
        await this.execute(cmd);
        await this.reportPeriodOutcome();
        continue;
      }
      // An order never ends with its projection unwritten: a failed write is retried first.
      if (this.finished() && this.projectionRetryAt === undefined) break;
      if (this.shouldContinueAsNew() && this.projectionRetryAt === undefined) {
        // Wait for in-flight handlers, but keep serving: a handler waiting on a queued command must not deadlock.
        await condition(() => allHandlersFinished() || this.queue.length > 0);
        if (this.queue.length === 0) await this.continueAsNew();
        continue;
      }
      const wake = this.nextWake();
      if (wake === undefined) await condition(() => this.queue.length > 0);
      else await condition(() => this.queue.length > 0, Math.max(1, wake - Date.now()));
      if (this.queue.length === 0) {
        this.executing = true;
        await this.fireDueTimers();
        this.executing = false;
      }
      await this.reportPeriodOutcome();
    }
    this.completed = true;
    await condition(allHandlersFinished);
    return { orderId: this.orderId, paymentStatus: this.s.paymentStatus, captured: this.captured(), refunded: this.refunded(), currency: this.currency };
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= this.timings.continueAsNewAfterEvents;
  }

  private async continueAsNew(): Promise<never> {
    const results = [...this.results.entries()].slice(-MAX_CARRIED_RESULTS);
    const carried: CarriedState = { ...this.s, history: this.s.history.slice(-MAX_CARRIED_HISTORY), results };
    log.info('continuing as new', { orderId: this.orderId, historyLength: workflowInfo().historyLength });
    return continueAsNew<(input: OrderPaymentInput) => Promise<OrderPaymentResult>>({ ...this.input, carried });
  }

  private nextWake(): number | undefined {
    const times = this.deadlines()
      .filter((t) => t.name !== 'declineRetry')
      .map((t) => Date.parse(t.firesAt));
    return times.length === 0 ? undefined : Math.min(...times);
  }

  private async execute(cmd: Command): Promise<void> {
    let result: StoredResult;
    this.executing = true;
    try {
      const value = await this.dispatch(cmd);
      result = { ok: true, value };
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      result = { ok: false, code: err.info.code, message: err.info.message, details: err.info.details ?? err.info.state };
    }
    await this.flush();
    this.executing = false;
    this.queued.delete(cmd.key);
    // Nobody waits for a refresh or a period's charge; the other results are read (and, unless kept for dedupe, dropped) by request().
    if (cmd.kind !== 'refresh' && cmd.kind !== 'recurringCharge') this.results.set(cmd.key, 'fingerprint' in cmd ? { ...result, fingerprint: cmd.fingerprint } : result);
  }

  private dispatch(cmd: Command): Promise<unknown> {
    switch (cmd.kind) {
      case 'review':
        return this.review(cmd.args);
      case 'confirm':
        return this.confirm(cmd.args);
      case 'complete':
        return this.complete(cmd.args);
      case 'capture':
        this.refuseNow(captureRefusal);
        return this.capture(cmd.args.amount, cmd.args.requestId);
      case 'cancel':
        this.refuseNow(cancelRefusal);
        return this.cancel(cmd.args.reason, cmd.args.requestId);
      case 'refund':
        this.refuseNow(refundRefusal);
        return this.refund(cmd.args.amount, cmd.args.requestId);
      case 'orderStatus':
        return this.orderStatus(cmd.args);
      case 'refresh':
        return this.refresh(cmd.args);
      case 'recurringCharge':
        return this.recurringCharge();
    }
  }

  /**
   * Decides when the command runs, not when it was accepted: a capture queued behind a cancel (or a cancel behind a full
   * capture) finds the order changed and is refused with its current state, by the same rule the validator applied.
   */
  private refuseNow(rule: (view: ValidationView) => string | undefined): void {
    if (!patched(DECIDE_AT_EXECUTION)) return;
    const reason = rule(this.view());
    if (reason === undefined) return;
    throw new ActionFailed({ code: REJECTION_TYPES.invalidState, message: reason, state: this.stateDetails() });
  }

  /** The order's state as a refused caller sees it. */
  private stateDetails(): StateDetails {
    return { paymentStatus: this.s.paymentStatus, currency: this.currency, capturable: this.capturable(), captured: this.captured(), refunded: this.refunded(), refundable: this.refundable() };
  }

  // ---------------------------------------------------------------- recording

  private setStatus(next: PaymentStatus): void {
    const from = this.s.paymentStatus;
    if (!canTransition(from, next)) log.error('transition not in the state table', { orderId: this.orderId, from, to: next });
    this.s.paymentStatus = next;
  }

  private record(kind: HistoryKind, result: string, fields: { amount?: number; amazonObjectId?: string; message?: string; debugDetail?: string } = {}): void {
    this.s.historySeq += 1;
    const row: HistoryRow = {
      seq: this.s.historySeq,
      at: new Date(Date.now()).toISOString(),
      kind,
      currency: this.currency,
      result,
      dedupeKey: `${this.workflowId}:${this.s.historySeq}`,
      ...fields,
    };
    this.s.history.push(row);
    this.unsaved.push(row);
  }

  private recordFailure(kind: HistoryKind, f: FailureInfo, fields: { amount?: number; amazonObjectId?: string } = {}): void {
    this.s.lastError = { code: f.code, message: f.details?.adminMessage.ja ?? f.message };
    this.record(kind, f.code, { ...fields, message: f.details?.adminMessage.ja, debugDetail: f.details?.amazonMessage ?? f.message });
  }

  /** Writes the projection (order row + new history rows) and the search attributes. */
  private async flush(): Promise<void> {
    const rows = this.unsaved;
    this.unsaved = [];
    // null: the authorization has nothing left to capture, its expiry is removed (undefined: never set).
    const expiresAt = this.s.authorizationExpiresAt === undefined ? undefined : this.capturable() === 0 && patched(AUTHORIZATION_EXPIRY_CLEARED) ? null : new Date(this.s.authorizationExpiresAt);
    const attrs = [
      { key: OrderIdKey, value: this.orderId },
      { key: PaymentStatusKey, value: this.s.paymentStatus },
      { key: OrderStatusKey, value: this.s.orderStatus },
      { key: OrderAmountKey, value: this.s.amount },
      { key: CurrencyKey, value: this.currency },
      ...(expiresAt === undefined ? [] : [{ key: AuthorizationExpiresAtKey, value: expiresAt }]),
    ];
    const fingerprint = JSON.stringify(attrs.map((a) => [a.key.name, a.value instanceof Date ? a.value.toISOString() : a.value]));
    if (fingerprint !== this.lastSearchAttributes) {
      this.lastSearchAttributes = fingerprint;
      upsertSearchAttributes(attrs as Parameters<typeof upsertSearchAttributes>[0]);
    }
    const last = this.s.charges[this.s.charges.length - 1];
    const order = {
      orderId: this.orderId,
      workflowId: this.workflowId,
      currency: this.currency,
      amount: this.s.amount,
      paymentIntent: this.settings.paymentIntent,
      paymentStatus: this.s.paymentStatus,
      orderStatus: this.s.orderStatus,
      recurring: this.settings.recurring,
      authorizedAmount: this.authorized(),
      capturedAmount: this.captured(),
      refundedAmount: this.refunded(),
      checkoutSessionId: this.s.checkoutSessionId,
      chargePermissionId: this.s.chargePermissionId,
      chargeId: last?.chargeId,
      buyerId: this.s.buyer?.buyerId,
      buyerName: this.s.buyer?.name,
      buyerEmail: this.s.buyer?.email,
      authorizationExpiresAt: expiresAt ? expiresAt.toISOString() : undefined,
      ...this.recurringProjection(),
    };
    if (patched(SINGLE_PROJECTION_WRITE)) {
      // One round trip per state change, none when nothing a reader sees has changed.
      const projection = JSON.stringify(order);
      if (rows.length === 0 && projection === this.lastProjection) return;
      if (patched(PROJECTION_NEVER_BLOCKS)) {
        try {
          await projectionDb.saveProjection({ order, rows });
        } catch (err) {
          // The command's answer and the next commands do not wait for the database: the rows are kept and written
          // with the next change or when the retry is due (docs/invariants.md).
          this.unsaved = [...rows, ...this.unsaved];
          // The retry backs off per retry that failed; a failed write of a later change keeps the retry already due.
          if (this.projectionRetryAt === undefined || Date.now() >= this.projectionRetryAt) {
            this.projectionRetryAt = Date.now() + PROJECTION_RETRY_BACKOFF_MS[Math.min(this.projectionRetries, PROJECTION_RETRY_BACKOFF_MS.length - 1)];
            this.projectionRetries += 1;
          }
          log.error('the order projection could not be written; the order goes on and writes it again later', { orderId: this.orderId, retries: this.projectionRetries, error: err instanceof Error ? err.message : String(err) });
          return;
        }
        this.projectionRetryAt = undefined;
        this.projectionRetries = 0;
      } else if (patched(LOCAL_PROJECTION_WRITE)) await localDb.saveProjection({ order, rows });
      else await db.saveProjection({ order, rows });
      this.lastProjection = projection;
      return;
    }
    await db.upsertOrder(order);
    if (rows.length > 0) await db.appendHistory({ orderId: this.orderId, rows });
  }

  /**
   * Runs a money call; a retryable decline (Amazon answered) is tried again after a durable wait
   * with a fresh idempotency key, a bounded number of times. Every decline is recorded.
   */
  private async withDeclineRetry<T>(kind: HistoryKind, amount: number, call: (declineRetry: number) => Promise<T>, onDecline?: (f: FailureInfo) => void): Promise<T> {
    const backoff = this.timings.declineRetryBackoffMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(attempt);
      } catch (err) {
        const f = failureOf(err);
        this.recordFailure(kind, f, { amount });
        onDecline?.(f);
        const retry = isRetryableDecline(f) && attempt < backoff.length && (f.code !== 'ProcessingFailure' || (await this.permissionChargeable()));
        if (!retry) throw new ActionFailed(f);
        log.warn('retrying after a retryable decline', { orderId: this.orderId, code: f.code, attempt: attempt + 1 });
        this.declineRetriesUsed += 1;
        await this.flush();
        this.declineRetryAt = Date.now() + backoff[attempt];
        await sleep(backoff[attempt]);
        this.declineRetryAt = undefined;
      }
    }
  }

  /** ProcessingFailure may be retried only while the charge permission is chargeable. */
  private async permissionChargeable(): Promise<boolean> {
    if (this.s.chargePermissionId === undefined) return true;
    try {
      const p = await poller.getChargePermission({ chargePermissionId: this.s.chargePermissionId });
      return p.state === 'Chargeable';
    } catch (err) {
      failureOf(err);
      return false;
    }
  }

  // ---------------------------------------------------------------- checkout

  private async review(args: CheckoutReviewedArgs): Promise<CheckoutReviewedResult> {
    // The order owns the session it reviews: the read refuses a session started for another order (docs/invariants.md),
    // and only a session that passed is kept as the order's.
    const owned = patched(CHECKOUT_SESSION_OWNERSHIP);
    if (!owned) this.s.checkoutSessionId = args.checkoutSessionId;
    try {
      const session = await amazon.getCheckoutSession({ checkoutSessionId: args.checkoutSessionId, ...(owned ? { orderId: this.orderId } : {}) });
      if (owned) this.s.checkoutSessionId = args.checkoutSessionId;
      if (session.buyer) this.s.buyer = session.buyer;
      return { checkoutSessionId: args.checkoutSessionId, paymentStatus: this.s.paymentStatus, buyer: this.s.buyer, sessionState: session.state };
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }

  private async confirm(args: CheckoutConfirmedArgs): Promise<CheckoutConfirmedResult> {
    const sessionId = this.s.checkoutSessionId as string;
    if (args.amount !== undefined) this.s.amount = args.amount;
    try {
      const session = await amazon.updateCheckoutSession({
        orderId: this.orderId,
        checkoutSessionId: sessionId,
        checkoutResultReturnUrl: args.checkoutResultReturnUrl,
        amount: this.s.amount,
        currency: this.currency,
        paymentIntent: this.settings.paymentIntent,
        canHandlePendingAuthorization: this.settings.paymentIntent === 'Authorize' && this.settings.canHandlePendingAuthorization,
        merchantStoreName: this.input.merchantStoreName,
        softDescriptor: this.input.softDescriptor,
      });
      return { amazonPayRedirectUrl: session.amazonPayRedirectUrl, amount: this.s.amount, paymentStatus: this.s.paymentStatus };
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }

  private completeAttempts = 0;

  private async complete(args: CheckoutCompletedArgs): Promise<PaymentActionResult> {
    // Completed already (a second call, e.g. the buyer reloading the result page): answer with what happened, but only
    // to the order's own session (another order's session learns nothing of this one).
    if (this.s.paymentStatus !== 'CheckoutPending') {
      if (args.checkoutSessionId !== undefined && args.checkoutSessionId !== this.s.checkoutSessionId && patched(CHECKOUT_SESSION_OWNERSHIP)) {
        throw new ActionFailed({ code: OWNERSHIP_CODES.sessionMismatch, message: 'the checkout session is not the one this order was paid with' });
      }
      return this.actionResult(this.s.amount, this.s.charges.slice(0, 1).map((c) => c.chargeId));
    }
    const sessionId = (args.checkoutSessionId ?? this.s.checkoutSessionId) as string;
    // The completion refuses a session of another order; only then is it the order's session.
    const owned = patched(CHECKOUT_SESSION_OWNERSHIP);
    if (!owned) this.s.checkoutSessionId = sessionId;
    const amount = this.s.amount;
    let session;
    try {
      // A failed completion (e.g. AmountMismatch) may be tried again by the buyer: a new request, a new key.
      const requestId = `${sessionId}/${this.completeAttempts}`;
      session = await this.withDeclineRetry('authorize', amount, (declineRetry) =>
        amazon.completeCheckoutSession({
          orderId: this.orderId,
          checkoutSessionId: sessionId,
          amount,
          currency: this.currency,
          key: { workflowId: this.workflowId, action: 'complete', requestId, declineRetry },
        }),
      );
    } catch (err) {
      this.completeAttempts += 1;
      if (err instanceof ActionFailed && DECLINE_CODES.has(err.info.code)) this.setStatus('Declined');
      throw err;
    }
    if (owned) this.s.checkoutSessionId = sessionId;
    this.s.chargePermissionId = session.chargePermissionId;
    if (session.buyer && this.s.buyer === undefined) this.s.buyer = session.buyer;
    if (session.chargeId === undefined) {
      throw new ActionFailed({ code: 'InvalidCheckoutSessionStatus', message: `checkout session ${sessionId} completed without a charge (state ${session.state})` });
    }
    const charge = await this.readCharge(session.chargeId, amazon);
    const record: ChargeRecord = { chargeId: charge.chargeId, state: 'AuthorizationInitiated', authorized: amount, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 };
    this.s.charges.push(record);
    if (charge.state === 'AuthorizationInitiated') {
      this.setStatus('AuthorizationPending');
      this.schedulePoll(true);
    } else {
      this.applyCharge(record, charge);
    }
    await this.startSubscription();
    return this.actionResult(amount, [charge.chargeId]);
  }

  // ---------------------------------------------------------------- recurring charges (継続課金)

  private recurringProjection(): { subscriptionId?: string; recurringPeriod?: number } {
    if (this.input.recurringCharge) return { subscriptionId: this.input.recurringCharge.subscriptionId, recurringPeriod: this.input.recurringCharge.period };
    if (this.input.recurringPlan) return { subscriptionId: this.orderId, recurringPeriod: 1 };
    return {};
  }

  /** A paid recurring checkout hands the permission to its subscription workflow, which charges the later periods. */
  private async startSubscription(): Promise<void> {
    const plan = this.input.recurringPlan;
    if (!plan || this.s.chargePermissionId === undefined || this.s.paymentStatus === 'Declined') return;
    try {
      await this.startSubscriptionChild(plan);
    } catch (err) {
      // Only an operator's own workflow of that id can be in the way; the order's payment stands either way.
      this.s.lastError = { code: 'SubscriptionNotStarted', message: `the subscription could not be started: ${err instanceof Error ? err.message : String(err)}` };
      log.error('subscription not started', { orderId: this.orderId, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async startSubscriptionChild(plan: NonNullable<OrderPaymentInput['recurringPlan']>): Promise<void> {
    await startChild(WORKFLOW_TYPES.subscription, {
      workflowId: subscriptionWorkflowId(this.orderId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          subscriptionId: this.orderId,
          chargePermissionId: this.s.chargePermissionId,
          amount: { amount: plan.amount, currency: this.currency },
          frequency: plan.frequency,
          paymentIntent: this.settings.paymentIntent,
          startedAt: new Date(Date.now()).toISOString(),
          orderSettings: { reauthorizeOnExpiry: this.settings.reauthorizeOnExpiry, expiryWarningLeadMs: this.settings.expiryWarningLeadMs },
          ...(this.input.timings ? { orderTimings: this.input.timings } : {}),
          ...(this.input.merchantStoreName ? { merchantStoreName: this.input.merchantStoreName } : {}),
          ...(this.input.softDescriptor ? { softDescriptor: this.input.softDescriptor } : {}),
          ...(this.s.buyer ? { buyer: this.s.buyer } : {}),
        },
      ],
    });
  }

  /** A period's order: one charge on the subscription's permission, soft declines retried with fresh keys; the outcome goes to the subscription. */
  private async recurringCharge(): Promise<void> {
    const ref = this.input.recurringCharge as NonNullable<OrderPaymentInput['recurringCharge']>;
    const amount = this.s.amount;
    const captureNow = this.settings.paymentIntent === 'AuthorizeWithCapture';
    const charge = (declineRetry: number) =>
      this.withDeclineRetry('authorize', amount, (retry) =>
        amazon.createCharge({
          orderId: this.orderId,
          chargePermissionId: ref.chargePermissionId,
          permissionOwner: ref.subscriptionId,
          amount,
          currency: this.currency,
          captureNow,
          canHandlePendingAuthorization: false,
          ...(captureNow && this.input.softDescriptor ? { softDescriptor: this.input.softDescriptor } : {}),
          key: { workflowId: this.workflowId, action: 'recurring', requestId: `period-${ref.period}`, declineRetry: declineRetry + retry },
        }),
      );
    try {
      let c: ChargeSummary | undefined;
      let declineRetries = 0;
      for (let unknown = 0; c === undefined; unknown++) {
        try {
          c = await charge(declineRetries);
        } catch (err) {
          // No answer from Amazon (network, 5xx, 429 past the activity's retries): the charge may have been made.
          // Never call that a decline: wait durably and ask again with the same key until Amazon answers.
          if (!(err instanceof ActionFailed) || !isUnknownOutcome(err.info)) throw err;
          const wait = UNKNOWN_OUTCOME_BACKOFF_MS[Math.min(unknown, UNKNOWN_OUTCOME_BACKOFF_MS.length - 1)];
          log.warn('recurring charge outcome unknown; asking Amazon again with the same key', { orderId: this.orderId, code: err.info.code, waitMs: wait });
          await this.flush();
          await sleep(wait);
          declineRetries = this.declineRetriesUsed;
        }
      }
      const record: ChargeRecord = { chargeId: c.chargeId, state: 'AuthorizationInitiated', authorized: amount, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 };
      this.s.charges.push(record);
      this.applyCharge(record, c);
      this.periodToReport = ref;
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      this.setStatus('Declined');
      this.periodToReport = ref;
      this.periodFailure = { code: err.info.code, message: err.info.details?.adminMessage.ja ?? err.info.message };
    }
    await this.flush();
    await this.reportPeriodOutcome();
  }

  /** Tells the subscription how its period's charge ended, once it has (a pending capture is reported when it settles). */
  private async reportPeriodOutcome(): Promise<void> {
    const ref = this.periodToReport;
    if (ref === undefined || this.s.paymentStatus === 'CapturePending' || this.s.paymentStatus === 'AuthorizationPending') return;
    this.periodToReport = undefined;
    const failure = this.periodFailure ?? (this.s.paymentStatus === 'Declined' ? this.s.lastError : undefined);
    const outcome: PeriodOutcome = {
      period: ref.period,
      orderId: this.orderId,
      ok: failure === undefined,
      paymentStatus: this.s.paymentStatus,
      ...(this.s.charges[0] ? { chargeId: this.s.charges[0].chargeId } : {}),
      ...(failure ? { code: failure.code, message: failure.message } : {}),
    };
    try {
      await getExternalWorkflowHandle(ref.subscriptionWorkflowId).signal(periodOutcome, outcome);
    } catch (err) {
      log.warn('the subscription could not be told the outcome of its charge', { orderId: this.orderId, subscription: ref.subscriptionWorkflowId, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async readCharge(chargeId: string, via: typeof amazon): Promise<ChargeSummary> {
    try {
      return await via.getCharge({ chargeId });
    } catch (err) {
      throw new ActionFailed(failureOf(err));
    }
  }

  /** Applies Amazon's view of a charge to its record: the single place charge states move. */
  private applyCharge(record: ChargeRecord, c: ChargeSummary): void {
    const prev: ChargeState = record.state;
    const next = c.state as ChargeState;
    if (prev === next) return;
    record.state = next;
    switch (next) {
      case 'AuthorizationInitiated':
        this.setStatus('AuthorizationPending');
        this.schedulePoll(true);
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
        this.schedulePoll(true);
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

  /** The order that owns the charge permission: a period order charges its subscription's (the checkout order's). */
  private permissionOwner(): string {
    return this.input.recurringCharge?.subscriptionId ?? this.orderId;
  }

  private markAuthorized(amount: number): void {
    if (this.s.authorizedAt !== undefined) return;
    this.s.amount = Math.max(this.s.amount, amount);
    this.s.authorizedAt = Date.now();
    this.s.authorizationExpiresAt = this.s.authorizedAt + this.timings.authorizationValidityMs;
    this.s.expiryWarned = false;
  }

  // ---------------------------------------------------------------- admin actions

  private async capture(amount: number, requestId: string): Promise<PaymentActionResult> {
    if (amount > this.capturable()) {
      const f = { code: 'TransactionAmountExceeded', message: `capture of ${amount} exceeds the ${this.capturable()} ${this.currency} still authorized` };
      this.s.lastError = { code: f.code, message: LOCAL_LIMIT_FAILURES.capture.message };
      this.record('capture', f.code, { amount, amazonObjectId: this.openCharge()?.chargeId ?? this.s.chargePermissionId, message: LOCAL_LIMIT_FAILURES.capture.message, debugDetail: LOCAL_LIMIT_FAILURES.capture.debug });
      throw new ActionFailed(f);
    }
    let usedOpen: ChargeRecord | undefined;
    let charge: ChargeSummary;
    try {
      charge = await this.withDeclineRetry(
        'capture',
        amount,
        (declineRetry) => {
          usedOpen = this.openCharge();
          if (usedOpen && usedOpen.state === 'Authorized') {
            return amazon.captureCharge({ orderId: this.orderId, chargeId: usedOpen.chargeId, amount, currency: this.currency, softDescriptor: this.input.softDescriptor, key: { workflowId: this.workflowId, action: 'capture', requestId, declineRetry } });
          }
          usedOpen = undefined;
          // Amazon captures a charge once: a further (split-shipment) capture is a new charge on the permission.
          return amazon.createCharge({
            orderId: this.orderId,
            chargePermissionId: this.s.chargePermissionId as string,
            permissionOwner: this.permissionOwner(),
            amount,
            currency: this.currency,
            captureNow: true,
            canHandlePendingAuthorization: false,
            softDescriptor: this.input.softDescriptor,
            key: { workflowId: this.workflowId, action: 'createCharge', requestId, declineRetry },
          });
        },
        (f) => {
          // A declined capture leaves that charge Declined: the next try creates a new charge.
          if (usedOpen && DECLINE_CODES.has(f.code)) usedOpen.state = 'Declined';
        },
      );
    } catch (err) {
      if (err instanceof ActionFailed && DECLINE_CODES.has(err.info.code) && this.captured() === 0 && this.openCharge() === undefined) this.setStatus('Declined');
      throw err;
    }
    let record = this.s.charges.find((c) => c.chargeId === charge.chargeId);
    if (!record) {
      record = { chargeId: charge.chargeId, state: 'Authorized', authorized: amount, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 };
      this.s.charges.push(record);
    }
    if (charge.state === 'Captured' && charge.captured === 0) charge = { ...charge, captured: amount };
    if (charge.state === 'CaptureInitiated') charge = { ...charge, amount };
    this.applyCharge(record, charge);
    return this.actionResult(amount, [charge.chargeId]);
  }

  private async cancel(reason: string | undefined, requestId: string): Promise<PaymentActionResult> {
    const open = this.openCharge();
    const ids: string[] = [];
    const released = this.capturable();
    try {
      if (open) {
        const c = await amazon.cancelCharge({ orderId: this.orderId, chargeId: open.chargeId, reason, amount: open.authorized, currency: this.currency, key: { workflowId: this.workflowId, action: 'cancel', requestId } });
        ids.push(c.chargeId);
        open.state = 'Canceled';
      }
      // A recurring permission is shared by every period of its subscription: never closed from one order.
      if (this.captured() > 0 && this.s.chargePermissionId !== undefined && !this.settings.recurring) {
        // Part was shipped and captured: close the permission so the rest of the authorization is released.
        await amazon.closeChargePermission({ orderId: this.orderId, chargePermissionId: this.s.chargePermissionId, reason, cancelPendingCharges: false });
        ids.push(this.s.chargePermissionId);
      }
    } catch (err) {
      const f = failureOf(err);
      this.recordFailure('cancel', f, { amount: released, amazonObjectId: open?.chargeId });
      throw new ActionFailed(f);
    }
    this.s.permissionClosed = true;
    this.record('cancel', 'OK', { amount: released, amazonObjectId: ids[0], message: reason ?? 'MerchantCanceled' });
    if (this.captured() === 0) this.setStatus('Canceled');
    return this.actionResult(released, ids);
  }

  private async refund(amount: number, requestId: string): Promise<PaymentActionResult> {
    if (amount > this.refundable()) {
      const f = { code: 'TransactionAmountExceeded', message: `refund of ${amount} exceeds the ${this.refundable()} ${this.currency} still refundable` };
      this.s.lastError = { code: f.code, message: LOCAL_LIMIT_FAILURES.refund.message };
      this.record('refund_started', f.code, { amount, amazonObjectId: this.s.charges[0]?.chargeId, message: LOCAL_LIMIT_FAILURES.refund.message, debugDetail: LOCAL_LIMIT_FAILURES.refund.debug });
      throw new ActionFailed(f);
    }
    // Amazon refunds per charge: spread the amount over the captured charges, each within its own cap.
    const pieces: Array<{ charge: ChargeRecord; amount: number }> = [];
    let left = amount;
    for (const c of this.s.charges) {
      if (left === 0) break;
      const room = refundLimit(c.captured, this.currency) - c.refunded - c.refundPending;
      if (room <= 0) continue;
      const take = Math.min(room, left);
      pieces.push({ charge: c, amount: take });
      left -= take;
    }
    const ids: string[] = [];
    for (const [i, piece] of pieces.entries()) {
      const pieceRequest = pieces.length === 1 ? requestId : `${requestId}#${i}`;
      const r = await this.withDeclineRetry('refund_started', piece.amount, (declineRetry) =>
        amazon.createRefund({ orderId: this.orderId, chargeId: piece.charge.chargeId, amount: piece.amount, currency: this.currency, softDescriptor: this.input.softDescriptor, key: { workflowId: this.workflowId, action: 'refund', requestId: pieceRequest, declineRetry } }),
      );
      const record: RefundRecord = { refundId: r.refundId, chargeId: piece.charge.chargeId, amount: piece.amount, state: 'RefundInitiated', requestId };
      this.s.refunds.push(record);
      piece.charge.refundPending += piece.amount;
      ids.push(r.refundId);
      this.record('refund_started', 'OK', { amount: piece.amount, amazonObjectId: r.refundId });
      this.setStatus('RefundPending');
      this.schedulePoll(true);
      this.applyRefund(record, r);
    }
    return this.actionResult(amount, ids);
  }

  /** Applies Amazon's view of a refund: the single place refund states move. */
  private applyRefund(record: RefundRecord, r: RefundSummary): void {
    if (record.state !== 'RefundInitiated' || r.state === 'RefundInitiated') return;
    const charge = this.s.charges.find((c) => c.chargeId === record.chargeId);
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

  private async orderStatus(args: SetOrderStatusArgs): Promise<SetOrderStatusResult> {
    let action = linkedPaymentAction({
      linkOrderStatus: this.settings.linkOrderStatus,
      intent: this.settings.paymentIntent,
      recurring: this.settings.recurring,
      alreadyFinalOrderStatus: this.s.linkageDone,
      newStatus: args.status,
    });
    this.s.orderStatus = args.status;
    if (args.status === 'Shipped' || args.status === 'Cancelled') this.s.linkageDone = true;
    if (action === 'capture' && (this.s.paymentStatus !== 'Authorized' || this.capturable() === 0)) action = 'none';
    if (action === 'cancel' && this.s.paymentStatus !== 'Authorized' && this.s.paymentStatus !== 'AuthorizationPending') action = 'none';
    const base = { orderStatus: args.status, paymentAction: action };
    try {
      if (action === 'capture') await this.capture(this.capturable(), `order-status-${args.status}`);
      if (action === 'cancel') await this.cancel('OrderCancelled', `order-status-${args.status}`);
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      return { ...base, paymentStatus: this.s.paymentStatus, error: { code: err.info.code, message: err.info.message } };
    }
    return { ...base, paymentStatus: this.s.paymentStatus };
  }

  /** The object is in a state Amazon never leaves: a notification about it has nothing new to tell. */
  private finalHere(args: AmazonNotificationArgs): boolean {
    if (args.objectType === 'CHARGE') {
      const state = this.s.charges.find((c) => c.chargeId === args.objectId)?.state;
      return state === 'Captured' || state === 'Declined';
    }
    if (args.objectType === 'REFUND') {
      const state = this.s.refunds.find((r) => r.refundId === args.objectId)?.state;
      return state === 'Refunded' || state === 'Declined';
    }
    return args.objectType === 'CHARGE_PERMISSION' && this.s.permissionClosed;
  }

  /**
   * The webhook's re-read found the object in the state this workflow already holds (typically the state the
   * workflow's own call returned, e.g. Authorized after completion, RefundInitiated after createRefund): a further
   * read would tell nothing new. A permission matters here only once Closed.
   */
  private stateKnown(args: AmazonNotificationArgs): boolean {
    if (args.state === undefined) return false;
    if (args.objectType === 'CHARGE') return this.s.charges.find((c) => c.chargeId === args.objectId)?.state === args.state;
    if (args.objectType === 'REFUND') return this.s.refunds.find((r) => r.refundId === args.objectId)?.state === args.state;
    return args.objectType === 'CHARGE_PERMISSION' && this.s.chargePermissionId === args.objectId && args.state !== 'Closed';
  }

  private async refresh(args: AmazonNotificationArgs): Promise<{ refreshed: boolean }> {
    // Only Amazon's notifications are skipped this way; a reconcile nudge always re-reads.
    if (args.source === 'ipn' && this.finalHere(args) && patched(NOTIFICATION_REFRESH)) return { refreshed: false };
    if (args.source === 'ipn' && this.stateKnown(args) && patched(NOTIFIED_STATE_KNOWN)) return { refreshed: false };
    try {
      if (args.objectType === 'CHARGE') {
        const record = this.s.charges.find((c) => c.chargeId === args.objectId);
        if (record) this.applyCharge(record, await poller.getCharge({ chargeId: args.objectId }));
      } else if (args.objectType === 'REFUND') {
        const record = this.s.refunds.find((r) => r.refundId === args.objectId);
        if (record) this.applyRefund(record, await poller.getRefund({ refundId: args.objectId }));
      } else if (args.objectType === 'CHARGE_PERMISSION' && this.s.chargePermissionId !== undefined) {
        const p = await poller.getChargePermission({ chargePermissionId: this.s.chargePermissionId });
        if (p.state === 'Closed' && !this.s.permissionClosed) {
          this.s.permissionClosed = true;
          this.record('notification', 'Closed', { amazonObjectId: p.chargePermissionId, message: p.reasons.join(',') || undefined });
        }
      }
    } catch (err) {
      // A failed re-read is not the caller's problem: polling goes on.
      const f = failureOf(err);
      log.warn('re-reading an Amazon object after a notification failed', { orderId: this.orderId, code: f.code, objectId: args.objectId });
    }
    if (this.pendingCount() === 0) this.pollAt = undefined;
    return { refreshed: true };
  }

  // ---------------------------------------------------------------- timers

  private schedulePoll(reset: boolean): void {
    if (reset) this.pollAttempt = 0;
    const b = this.timings.pollBackoffMs;
    this.pollAt = Date.now() + b[Math.min(this.pollAttempt, b.length - 1)];
    this.pollAttempt += 1;
  }

  private async fireDueTimers(): Promise<void> {
    const now = Date.now();
    if (this.s.paymentStatus === 'CheckoutPending' && now >= this.s.checkoutDeadline) {
      this.setStatus('Abandoned');
      this.record('expire', 'Abandoned', { amazonObjectId: this.s.checkoutSessionId, message: 'checkout session not completed within its lifetime' });
    }
    const warn = this.warnAt();
    if (warn !== undefined && now >= warn) await this.warnExpiry();
    if (this.s.authorizationExpiresAt !== undefined && this.capturable() > 0 && now >= this.s.authorizationExpiresAt) await this.expireAuthorization();
    if (this.pollAt !== undefined && now >= this.pollAt) await this.pollPending();
    await this.flush();
  }

  private async warnExpiry(): Promise<void> {
    this.s.expiryWarned = true;
    const expiresAt = new Date(this.s.authorizationExpiresAt as number).toISOString();
    await db.warnAuthorizationExpiry({ orderId: this.orderId, chargeId: this.openCharge()?.chargeId, expiresAt, uncaptured: this.capturable(), currency: this.currency });
    if (patched(EXPIRY_WARNING_HISTORY_ROW)) {
      this.record('expire', 'ExpiryWarning', { amount: this.capturable(), amazonObjectId: this.openCharge()?.chargeId, message: `authorization expires at ${expiresAt}` });
    }
  }

  private async expireAuthorization(): Promise<void> {
    const open = this.openCharge();
    const remaining = this.capturable();
    if (this.settings.reauthorizeOnExpiry && this.s.chargePermissionId !== undefined) {
      this.s.reauthorizations += 1;
      try {
        const c = await amazon.createCharge({
          orderId: this.orderId,
          chargePermissionId: this.s.chargePermissionId,
          permissionOwner: this.permissionOwner(),
          amount: remaining,
          currency: this.currency,
          captureNow: false,
          canHandlePendingAuthorization: false,
          key: { workflowId: this.workflowId, action: 'reauthorize', requestId: String(this.s.reauthorizations) },
        });
        if (open) open.state = 'Canceled';
        this.s.charges.push({ chargeId: c.chargeId, state: 'Authorized', authorized: remaining, captured: 0, capturePending: 0, refunded: 0, refundPending: 0 });
        this.s.authorizedAt = Date.now();
        this.s.authorizationExpiresAt = this.s.authorizedAt + this.timings.authorizationValidityMs;
        this.s.expiryWarned = false;
        this.record('authorize', 'OK', { amount: remaining, amazonObjectId: c.chargeId, message: 're-authorized on the charge permission before expiry' });
        if (this.captured() === 0) this.setStatus('Authorized');
        return;
      } catch (err) {
        this.recordFailure('authorize', failureOf(err), { amount: remaining, amazonObjectId: this.s.chargePermissionId });
      }
    }
    if (open) open.state = 'Canceled';
    this.s.permissionClosed = true;
    this.record('expire', 'ExpiredUnused', { amount: remaining, amazonObjectId: open?.chargeId, message: 'authorization expired before capture' });
    if (this.captured() === 0) this.setStatus('AuthorizationExpired');
  }

  private async pollPending(): Promise<void> {
    for (const c of this.s.charges.filter((x) => x.state === 'AuthorizationInitiated' || x.state === 'CaptureInitiated')) {
      try {
        this.applyCharge(c, await poller.getCharge({ chargeId: c.chargeId }));
      } catch (err) {
        log.warn('polling a charge failed', { orderId: this.orderId, chargeId: c.chargeId, code: failureOf(err).code });
      }
    }
    for (const r of this.s.refunds.filter((x) => x.state === 'RefundInitiated')) {
      try {
        this.applyRefund(r, await poller.getRefund({ refundId: r.refundId }));
      } catch (err) {
        log.warn('polling a refund failed', { orderId: this.orderId, refundId: r.refundId, code: failureOf(err).code });
      }
    }
    if (this.pendingCount() > 0) this.schedulePoll(false);
    else this.pollAt = undefined;
  }
}

// The order's payment: one command at a time from the queue, durable deadlines, polling of pending objects. This class
// runs the loop and wires the parts, each in a file of its own: ledger (the money and its history rows), projection
// (order row and search attributes), checkout, money actions, recurring charges, notifications, timers.
import { allHandlersFinished, condition, continueAsNew, log, patched, workflowInfo } from '@temporalio/workflow';
import { CommandQueue } from '../command-queue';
import { failureOf } from '../failures';
import { DEFAULT_ORDER_SETTINGS, DEFAULT_TIMINGS } from '../defaults';
import { REJECTION_TYPES } from '../messages';
import type { AmazonNotificationArgs, AmazonNotificationResult, SetOrderStatusArgs } from '../messages';
import { DECIDE_AT_EXECUTION, LEAN_ORDER, LOCAL_AMAZON_CALLS, ORDER_V14, ORDER_V15, SETTLED_BY_LEAN_ORDER } from '../patches';
import type { Actor, CarriedState, OrderPaymentInput, OrderPaymentResult, OrderPaymentSettings, OrderPaymentState, OrderPaymentTimings, StoredResult } from '../types';
import { allowedActions, approvalKey, approvalRefusal, cancelRefusal, captureRefusal, refundRefusal, requestFingerprint, requestKey, type ValidationView } from '../validators';
import { RefundApprovals } from './approvals';
import type { RecoverableCommand, RefundPiece } from '../../activities/pre-payment-log';
import { ActionFailed, amazon, durableAmazon, localAmazon, recoveryDb } from './calls';
import { Checkout } from './checkout';
import { DeclineRetry } from './declines';
import { Ledger } from './ledger';
import { MoneyActions } from './money-actions';
import { Notifications } from './notifications';
import { Projection } from './projection';
import { RecurringCharges } from './recurring';
import { Timers } from './timers';
import type { Command, OrderContext } from './types';

/** Kept across continue-as-new; older entries are only in the database. */
const MAX_CARRIED_HISTORY = 500;
const MAX_CARRIED_RESULTS = 1000;

export class OrderPaymentMachine {
  readonly workflowId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly settings: OrderPaymentSettings;
  readonly timings: OrderPaymentTimings;
  private readonly s: CarriedState;
  private readonly o: OrderContext;
  private readonly queue: CommandQueue<Command>;
  private readonly ledger: Ledger;
  private readonly projection: Projection;
  private readonly timers: Timers;
  private readonly declines: DeclineRetry;
  private readonly recurring: RecurringCharges;
  private readonly checkout: Checkout;
  private readonly money: MoneyActions;
  private readonly notifications: Notifications;
  private readonly approvals: RefundApprovals;
  private completed = false;
  /** A command is being executed (its Amazon call may still be in flight). */
  private executing = false;

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
    // Decided here, in the run's first workflow task, so that the marker sits at the same place on every replay.
    // A v14 run records one marker and takes LEAN_ORDER without its own; an older run replays with the markers it
    // recorded (patched(ORDER_V14) is false there, so the older checks run as they did).
    // A v15 run records its one marker and takes ORDER_V14 without asking for it (so without its marker).
    const v15 = patched(ORDER_V15);
    const v14 = v15 || patched(ORDER_V14);
    const lean = v14 || patched(LEAN_ORDER);
    const uses = (patchId: string) => (lean && SETTLED_BY_LEAN_ORDER.has(patchId)) || patched(patchId);
    const calls = v15 ? localAmazon : v14 ? durableAmazon : lean && patched(LOCAL_AMAZON_CALLS) ? localAmazon : amazon;
    const o: OrderContext = { input, workflowId: this.workflowId, orderId: this.orderId, currency: this.currency, settings: this.settings, timings: this.timings, s: this.s, lean, v14, v15, uses, amazon: calls };
    this.o = o;
    // Only money actions (keyed by the caller's requestId) keep their result for a repeated request.
    this.queue = new CommandQueue<Command>(this.s.results, { unanswered: ['refresh', 'recurringCharge'], kept: ['capture', 'cancel', 'refund', 'approveRefund', 'rejectRefund'] });
    this.ledger = new Ledger(this.s, o, {
      pending: () => this.timers.schedulePoll(true),
      unlistedTransition: (from, to) => log.error('transition not in the state table', { orderId: this.orderId, from, to }),
    });
    this.projection = new Projection(o, this.ledger);
    this.approvals = new RefundApprovals(o, this.ledger);
    this.timers = new Timers(o, this.ledger, this.projection, this.approvals);
    this.declines = new DeclineRetry(o, this.ledger, this.projection, this.timers);
    this.recurring = new RecurringCharges(o, this.ledger, this.declines, this.projection);
    this.checkout = new Checkout(o, this.ledger, this.declines, this.timers, this.recurring);
    this.money = new MoneyActions(o, this.ledger, this.declines, this.timers);
    this.notifications = new Notifications(o, this.ledger, this.queue, this.timers, () => this.executing, () => this.recoverLost());
    this.timers.beforeAbandon = () => this.recoverLost();
    if (this.ledger.pendingCount() > 0) this.timers.schedulePoll(true);
    // A subscription's period order has no checkout: it charges the permission as its first step.
    if (input.recurringCharge && input.carried === undefined) {
      this.s.chargePermissionId = input.recurringCharge.chargePermissionId;
      if (input.buyer) this.s.buyer = input.buyer;
      this.queue.enqueue({ kind: 'recurringCharge', key: 'recurringCharge' });
    }
  }

  // ---------------------------------------------------------------- what handlers see

  /** What the update validators look at. */
  view(): ValidationView {
    const { ledger } = this;
    return {
      paymentStatus: this.s.paymentStatus,
      currency: this.currency,
      checkoutSessionId: this.s.checkoutSessionId,
      capturable: ledger.capturable(),
      captured: ledger.captured(),
      hasOpenCharge: ledger.openCharge() !== undefined,
      finished: ledger.finished(),
      // Only a lean run refuses a notification that changes nothing: older runs accepted every one into history.
      notificationRefusal: (args) => (this.o.lean ? this.notifications.noNews(args) : undefined),
      approval: (approvalId) => this.approvals.find(approvalId),
      known: (key) => this.queue.known(key),
      state: () => ledger.stateDetails(),
      requestSeen: (key, fingerprint) => {
        if (!this.queue.known(key)) return 'new';
        const first = this.queue.fingerprintOf(key);
        // A result carried from a run before fingerprints were kept: taken as the same request, as it always was.
        return first === undefined || first === fingerprint ? 'same' : 'reused';
      },
    };
  }

  snapshot(): OrderPaymentState {
    const { ledger, s } = this;
    return {
      orderId: this.orderId,
      workflowId: this.workflowId,
      paymentStatus: s.paymentStatus,
      orderStatus: s.orderStatus,
      paymentIntent: this.settings.paymentIntent,
      currency: this.currency,
      orderAmount: s.amount,
      amounts: {
        authorized: ledger.authorized(),
        captured: ledger.captured(),
        refunded: ledger.refunded(),
        capturePending: ledger.capturePending(),
        refundPending: ledger.refundPending(),
        capturable: ledger.capturable(),
        refundable: ledger.refundable(),
      },
      checkoutSessionId: s.checkoutSessionId,
      chargePermissionId: s.chargePermissionId,
      chargeIds: s.charges.map((c) => c.chargeId),
      charges: s.charges.map((c) => ({ ...c })),
      refunds: s.refunds.map((r) => ({ ...r })),
      authorizedAt: s.authorizedAt === undefined ? undefined : new Date(s.authorizedAt).toISOString(),
      authorizationExpiresAt: s.authorizationExpiresAt === undefined ? undefined : new Date(s.authorizationExpiresAt).toISOString(),
      expiryWarned: s.expiryWarned,
      buyer: s.buyer,
      history: s.history.map((h) => ({ ...h })),
      pendingTimers: this.timers.deadlines(),
      pendingApprovals: this.approvals.pending().map((a) => this.approvals.view(a)),
      allowedActions: allowedActions(this.view(), ledger.refundable()),
      lastError: s.lastError,
      completed: this.completed,
    };
  }

  /** Queues a command (once per key) and waits for its stored result: a repeated key never acts twice. */
  request<T>(cmd: Command): Promise<T> {
    return this.queue.request<T>(cmd);
  }

  nextKey(kind: string): string {
    return this.queue.nextKey(kind);
  }

  notify(args: AmazonNotificationArgs): AmazonNotificationResult {
    return this.notifications.notify(args);
  }

  // ---------------------------------------------------------------- main loop

  async run(): Promise<OrderPaymentResult> {
    // ORDER_V15: when a checkout's run starts with a command (the review, sent with the start), that command's write is
    // the first: the API wrote the order's row before the start. A period's order writes its row before its charge.
    if (!this.o.v15 || this.queue.isEmpty() || this.input.recurringCharge !== undefined) await this.projection.flush();
    for (;;) {
      const cmd = this.queue.next();
      if (cmd) {
        await this.execute(cmd);
        await this.recurring.reportPeriodOutcome();
        continue;
      }
      // An order never ends with its projection unwritten (a failed write is retried first), nor with a refund waiting
      // for approval (it is decided or expires first).
      if (this.ledger.finished() && this.projection.retryAt === undefined && this.approvals.pending().length === 0) break;
      if (this.shouldContinueAsNew() && this.projection.retryAt === undefined) {
        if (await this.queue.handlersFinished()) await this.continueAsNew();
        continue;
      }
      await this.queue.waitForCommand(this.timers.nextWake(), this.o.v14 ? 'keepLater' : this.o.lean ? 'steady' : 'each');
      if (this.queue.isEmpty()) {
        this.executing = true;
        await this.timers.fireDue();
        this.executing = false;
      }
      await this.recurring.reportPeriodOutcome();
    }
    this.completed = true;
    await condition(allHandlersFinished);
    return { orderId: this.orderId, paymentStatus: this.s.paymentStatus, captured: this.ledger.captured(), refunded: this.ledger.refunded(), currency: this.currency };
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= this.timings.continueAsNewAfterEvents;
  }

  private async continueAsNew(): Promise<never> {
    const carried: CarriedState = { ...this.s, history: this.s.history.slice(-MAX_CARRIED_HISTORY), results: this.queue.carried(MAX_CARRIED_RESULTS) };
    log.info('continuing as new', { orderId: this.orderId, historyLength: workflowInfo().historyLength });
    return continueAsNew<(input: OrderPaymentInput) => Promise<OrderPaymentResult>>({ ...this.input, carried });
  }

  private async execute(cmd: Command): Promise<void> {
    this.executing = true;
    const result = await this.outcome(cmd);
    await this.projection.flush();
    this.executing = false;
    // Nobody waits for a refresh or a period's charge; the other results are read (and, unless kept for dedupe, dropped) by request().
    this.queue.settle(cmd, result);
  }

  /** Runs a command and gives what its caller is answered; its history rows name who asked for it (docs/audit.md). */
  private async outcome(cmd: Command, approver?: Actor, run: () => Promise<unknown> = () => this.dispatch(cmd)): Promise<StoredResult> {
    this.ledger.actor = actorOf(cmd);
    this.ledger.approver = approver;
    try {
      return { ok: true, value: await run() };
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      return { ok: false, code: err.info.code, message: err.info.message, details: err.info.details ?? err.info.state };
    } finally {
      this.ledger.actor = undefined;
      this.ledger.approver = undefined;
    }
  }

  /**
   * ORDER_V15's recovery (docs/recovery.md): Amazon told of a change no command here explains, so a money call may have
   * been made by a workflow task that was lost after Amazon acted (the order never learned its answer). The order's
   * pre-payment rows name the command behind each call. One this order has not answered is run again now, before the
   * change is applied: with the same requestId it sends the same idempotency keys, and Amazon answers with what it did
   * then. Its result is kept under its requestId, so the caller's retry is answered with it. False when the rows could
   * not be read: the change is then not applied either (the next notification, retry or nudge looks again).
   */
  private async recoverLost(): Promise<boolean> {
    let commands: RecoverableCommand[];
    try {
      commands = await recoveryDb.moneyCommandsOfOrder({ orderId: this.orderId });
    } catch (err) {
      log.warn('reading the pre-payment rows for a lost call failed; the notified change waits', { orderId: this.orderId, error: String(err) });
      return false;
    }
    for (const c of commands) await this.recoverOne(c);
    return true;
  }

  private async recoverOne(c: RecoverableCommand): Promise<void> {
    const { queue } = this;
    switch (c.kind) {
      case 'complete':
        // Only the attempt still current here: a completion that failed and was answered is not made again.
        if (this.s.paymentStatus !== 'CheckoutPending' || (c.requestId !== undefined && c.requestId !== this.checkout.completeRequestId(c.checkoutSessionId))) return;
        log.warn('recovering a lost checkout completion', { orderId: this.orderId, checkoutSessionId: c.checkoutSessionId });
        await this.outcome({ kind: 'complete', key: queue.nextKey('complete'), args: { checkoutSessionId: c.checkoutSessionId } });
        return;
      case 'orderStatus':
        // Its linked capture or cancel made the call. Already here, or decided since (the linkage ends at Shipped or Cancelled).
        if (this.s.linkageDone || this.s.orderStatus === c.status) return;
        log.warn('recovering a lost order-status change', { orderId: this.orderId, status: c.status });
        await this.outcome({ kind: 'orderStatus', key: queue.nextKey('orderStatus'), args: { status: c.status as SetOrderStatusArgs['status'], actor: c.actor } });
        return;
      case 'capture':
      case 'cancel':
      case 'refund':
        break;
      default:
        return;
    }
    const cmd = recoverableCommand(c);
    // A refund that waited for an approval was answered "waiting" then: it is done only once the order holds it. Its
    // approval was taken by the lost task (still pending here, or since rejected or expired: Amazon refunded anyway).
    const approved = c.kind === 'refund' && c.approvalId !== undefined;
    if (approved ? this.s.refunds.some((r) => r.requestId === c.requestId) : queue.answered(cmd.key)) return;
    log.warn('recovering a money call whose answer was lost', { orderId: this.orderId, kind: c.kind, requestId: c.requestId });
    // Taken as a request is: a retry of it (queued already, or arriving while this runs) is answered with this run's result.
    queue.take(cmd);
    const pending = approved ? this.approvals.find(c.approvalId as string) : undefined;
    if (pending) this.approvals.take(pending.approvalId);
    // Sent again as it was decided, without the rules for a new request: Amazon may already have acted on it.
    const result = await this.outcome(cmd, c.kind === 'refund' ? c.approver : undefined, () =>
      c.kind === 'capture' ? this.money.capture(c.amount, c.requestId) : c.kind === 'cancel' ? this.money.cancel(c.reason, c.requestId) : this.money.refund(c.amount, c.requestId, c.pieces, c.approvalId),
    );
    queue.settle(cmd, result);
    if (approved) {
      const approve = { kind: 'approveRefund', key: approvalKey('approve', c.approvalId as string) } as Command;
      queue.take(approve);
      queue.settle(approve, result);
    }
  }

  /**
   * ORDER_V15: a refund's pieces over several captured charges, as a lost task may already have sent them (its row
   * names them): a retry then sends the same pieces under the same keys, not pieces decided on the room there is now.
   * Undefined when the order has one captured charge (one piece, one key) or no row names this refund.
   */
  private async refundPlan(requestId: string): Promise<RefundPiece[] | undefined> {
    if (!this.o.v15 || this.s.charges.filter((c) => c.captured > 0).length < 2) return undefined;
    let commands: RecoverableCommand[];
    try {
      commands = await recoveryDb.moneyCommandsOfOrder({ orderId: this.orderId });
    } catch (err) {
      // Not sent without it: a refund already sent in other pieces would be sent again under new keys.
      throw new ActionFailed(failureOf(err));
    }
    const named = commands.find((c): c is Extract<RecoverableCommand, { kind: 'refund' }> => c.kind === 'refund' && c.requestId === requestId);
    return named?.pieces;
  }

  private dispatch(cmd: Command): Promise<unknown> {
    switch (cmd.kind) {
      case 'review':
        return this.checkout.review(cmd.args);
      case 'confirm':
        return this.checkout.confirm(cmd.args);
      case 'complete':
        return this.checkout.complete(cmd.args);
      case 'capture':
        this.refuseNow(captureRefusal);
        return this.money.capture(cmd.args.amount, cmd.args.requestId);
      case 'cancel':
        this.refuseNow(cancelRefusal);
        return this.money.cancel(cmd.args.reason, cmd.args.requestId);
      case 'refund':
        this.refuseNow(refundRefusal);
        // Above the shop's threshold: it waits for a second editor (one over the refundable amount is refused now).
        if (cmd.args.approval && cmd.args.actor && cmd.args.amount <= this.ledger.refundable()) return Promise.resolve(this.approvals.request({ ...cmd.args, approval: cmd.args.approval }, cmd.args.actor));
        return this.refundAsPlanned(cmd.args.amount, cmd.args.requestId);
      case 'approveRefund':
        return this.approve(cmd.args.approvalId, cmd.args.actor);
      case 'rejectRefund':
        return this.reject(cmd.args.approvalId, cmd.args.actor, cmd.args.reason);
      case 'orderStatus':
        return this.money.orderStatus(cmd.args);
      case 'refresh':
        return this.notifications.refresh(cmd.args);
      case 'recurringCharge':
        return this.recurring.charge();
    }
  }

  private async refundAsPlanned(amount: number, requestId: string, approvalId?: string): Promise<unknown> {
    return this.money.refund(amount, requestId, await this.refundPlan(requestId), approvalId);
  }

  /** Runs a refund a second editor approved, as asked by the first (its rows name both); its requestId's answer becomes the refund's. */
  private async approve(approvalId: string, by: Actor): Promise<unknown> {
    const refusal = approvalRefusal(this.approvals.find(approvalId), by, Date.now());
    if (refusal) throw new ActionFailed({ code: refusal.type, message: refusal.message });
    const a = this.approvals.take(approvalId) as NonNullable<ReturnType<RefundApprovals['take']>>;
    this.ledger.actor = a.requestedBy;
    this.ledger.approver = by;
    const key = requestKey('refund', a.requestId);
    const fingerprint = this.queue.fingerprintOf(key);
    try {
      this.refuseNow(refundRefusal);
      const value = await this.refundAsPlanned(a.amount, a.requestId, a.approvalId);
      this.queue.settle({ kind: 'refund', key, fingerprint } as Command, { ok: true, value });
      return value;
    } catch (err) {
      if (err instanceof ActionFailed) this.queue.settle({ kind: 'refund', key, fingerprint } as Command, { ok: false, code: err.info.code, message: err.info.message, details: err.info.details ?? err.info.state });
      throw err;
    }
  }

  private async reject(approvalId: string, by: Actor, reason: string | undefined): Promise<unknown> {
    const refusal = approvalRefusal(this.approvals.find(approvalId), by, Date.now());
    if (refusal) throw new ActionFailed({ code: refusal.type, message: refusal.message });
    this.approvals.reject(approvalId, reason);
    return { approvalId, status: 'rejected' };
  }

  /**
   * Decides when the command runs, not when it was accepted: a capture queued behind a cancel (or a cancel behind a full
   * capture) finds the order changed and is refused with its current state, by the same rule the validator applied.
   */
  private refuseNow(rule: (view: ValidationView) => string | undefined): void {
    if (!this.o.uses(DECIDE_AT_EXECUTION)) return;
    const reason = rule(this.view());
    if (reason === undefined) return;
    throw new ActionFailed({ code: REJECTION_TYPES.invalidState, message: reason, state: this.ledger.stateDetails() });
  }
}

/** A command as its pre-payment row names it, keyed and fingerprinted as its caller's request was. */
function recoverableCommand(c: Extract<RecoverableCommand, { kind: 'capture' | 'cancel' | 'refund' }>): Extract<Command, { kind: 'capture' | 'cancel' | 'refund' }> {
  const key = requestKey(c.kind, c.requestId);
  if (c.kind === 'cancel') {
    const args = { requestId: c.requestId, reason: c.reason, actor: c.actor };
    return { kind: 'cancel', key, args, fingerprint: requestFingerprint('cancel', args) };
  }
  const args = { requestId: c.requestId, amount: c.amount, actor: c.actor };
  if (c.kind === 'capture') return { kind: 'capture', key, args, fingerprint: requestFingerprint('capture', args) };
  return { kind: 'refund', key, args, fingerprint: requestFingerprint('refund', args) };
}

/** Who asked for a command: the caller's key for an admin's request, none for the engine's own work. */
function actorOf(cmd: Command): Actor | undefined {
  switch (cmd.kind) {
    case 'capture':
    case 'cancel':
    case 'refund':
    case 'orderStatus':
    case 'approveRefund':
    case 'rejectRefund':
      return cmd.args.actor;
    default:
      return undefined;
  }
}

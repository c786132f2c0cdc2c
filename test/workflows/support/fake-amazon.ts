// An in-memory Amazon Pay that behaves like the real one for the engine's calls: states, limits, idempotency replay, a money ledger and injectable faults.
import { refundLimit, toAmazonAmount, fromAmazonAmount } from '../../../lib/money';
import type {
  AmazonHeaders,
  AmazonPayApi,
  AmazonResponse,
  Charge,
  ChargePermission,
  CheckoutSession,
  CreateChargePayload,
  Price,
  Refund,
  UpdateCheckoutSessionPayload,
} from '../../../activities/amazon-pay-api';
import { IDEMPOTENCY_HEADER } from '../../../activities/amazon-pay-api';

type Op = keyof AmazonPayApi;
export type Fault = { kind: 'error'; status: number; reasonCode: string } | { kind: 'network' } | { kind: 'commitThenDrop' };

interface Session {
  id: string;
  state: 'Open' | 'Completed' | 'Canceled';
  amount?: Price;
  intent?: string;
  pending?: boolean;
  permissionId?: string;
  chargeId?: string;
  /** The order the session was started for (the button payload's merchantReferenceId). */
  merchantReferenceId?: string;
  /** chargePermissionType Recurring: no amount limit. */
  recurring?: boolean;
}

export class AmazonError extends Error {
  constructor(readonly response: { status: number; data: { reasonCode: string; message: string } }) {
    super(`Request failed with status code ${response.status}`);
  }
}

function fail(status: number, reasonCode: string, message = reasonCode): never {
  throw new AmazonError({ status, data: { reasonCode, message } });
}

export class FakeAmazon implements AmazonPayApi {
  private seq = 0;
  readonly sessions = new Map<string, Session>();
  readonly permissions = new Map<string, ChargePermission & { captured: number }>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  /** Money that moved: one entry per capture or refund Amazon performed. */
  readonly ledger: Array<{ kind: 'capture' | 'refund'; objectId: string; amount: number }> = [];
  readonly calls: Array<{ op: Op; key?: string }> = [];
  private readonly faults = new Map<Op, Fault[]>();
  private readonly stored = new Map<string, { body: string; outcome: { ok: true; value: unknown } | { ok: false; error: unknown } }>();
  /** Next charges answer AuthorizationInitiated / CaptureInitiated; refunds settle at once when true. */
  pendingAuthorization = false;
  pendingCapture = false;
  refundsSettleImmediately = false;
  /** Awaited after a successful call, before its response is returned. */
  beforeResponse?: (op: Op, value: unknown) => Promise<void> | void;

  /** A session as the buyer's click on the button made it, for `orderId` (its merchantReferenceId). */
  addSession(id = `session-${++this.seq}`, opts: { recurring?: boolean; orderId?: string } = {}): string {
    this.sessions.set(id, { id, state: 'Open', recurring: opts.recurring, merchantReferenceId: opts.orderId });
    return id;
  }

  /** What Amazon does on its own to a permission (payment method expired, buyer closed it...). */
  setPermissionState(id: string, state: 'Chargeable' | 'NonChargeable' | 'Closed', reasonCode?: string): void {
    const p = this.permissions.get(id) as ChargePermission;
    p.statusDetails = { state, ...(reasonCode ? { reasons: [{ reasonCode }] } : {}) };
  }

  /** Queue faults for the next calls of `op`, in order. */
  inject(op: Op, ...faults: Fault[]): void {
    this.faults.set(op, [...(this.faults.get(op) ?? []), ...faults]);
  }

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  /** Ends a pending charge (as Amazon's own processing would). */
  resolveCharge(chargeId: string, state: 'Authorized' | 'Captured' | 'Declined', reasonCode?: string): void {
    const c = this.charges.get(chargeId) as Charge;
    if (state === 'Captured') {
      const amount = c.captureAmount ?? c.chargeAmount;
      c.captureAmount = amount;
      this.ledger.push({ kind: 'capture', objectId: chargeId, amount: fromAmazonAmount(amount.amount, amount.currencyCode) });
    }
    c.statusDetails = { state, reasonCode: reasonCode ?? null };
  }

  resolveRefund(refundId: string, state: 'Refunded' | 'Declined', reasonCode?: string): void {
    const r = this.refunds.get(refundId) as Refund;
    r.statusDetails = { state, reasonCode: reasonCode ?? null };
    if (state === 'Refunded') this.ledger.push({ kind: 'refund', objectId: refundId, amount: fromAmazonAmount(r.refundAmount.amount, r.refundAmount.currencyCode) });
  }

  settleAllRefunds(): void {
    for (const r of this.refunds.values()) if (r.statusDetails.state === 'RefundInitiated') this.resolveRefund(r.refundId, 'Refunded');
  }

  captures(): number {
    return this.ledger.filter((l) => l.kind === 'capture').length;
  }

  // ------------------------------------------------------------ plumbing

  private async run<T>(op: Op, headers: AmazonHeaders | undefined, body: unknown, fn: () => T, status = 200): Promise<AmazonResponse<T>> {
    const key = headers?.[IDEMPOTENCY_HEADER];
    this.calls.push({ op, key });
    if (key !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(key)) fail(400, 'InvalidHeaderValue', 'bad idempotency key');
    const fault = this.faults.get(op)?.shift();
    if (fault?.kind === 'error') fail(fault.status, fault.reasonCode);
    if (fault?.kind === 'network') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const bodyText = JSON.stringify(body ?? null);
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    const saved = key === undefined ? undefined : this.stored.get(key);
    if (saved) {
      if (saved.body !== bodyText) fail(400, 'DuplicateIdempotencyKey');
      outcome = saved.outcome;
    } else {
      try {
        outcome = { ok: true, value: fn() };
      } catch (error) {
        if (error instanceof AmazonError && error.response.status >= 500) throw error;
        outcome = { ok: false, error };
      }
      if (key !== undefined) this.stored.set(key, { body: bodyText, outcome });
    }
    if (fault?.kind === 'commitThenDrop') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    if (!outcome.ok) throw outcome.error;
    // Runs after Amazon acted but before its response reaches the caller (e.g. a notification that outruns it).
    if (this.beforeResponse) await this.beforeResponse(op, outcome.value);
    return { status, data: structuredClone(outcome.value) as T, headers: {} };
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${String(this.seq).padStart(7, '0')}`;
  }

  private newCharge(permissionId: string, amount: Price, state: string): Charge {
    const c: Charge = { chargeId: this.id('S01-C'), chargePermissionId: permissionId, chargeAmount: amount, statusDetails: { state } };
    if (state === 'Captured' || state === 'CaptureInitiated') c.captureAmount = amount;
    this.charges.set(c.chargeId, c);
    if (state === 'Captured') this.ledger.push({ kind: 'capture', objectId: c.chargeId, amount: fromAmazonAmount(amount.amount, amount.currencyCode) });
    return c;
  }

  private balance(p: ChargePermission & { captured: number }): number {
    if (!p.limits) return Number.POSITIVE_INFINITY;
    const limit = p.limits.amountLimit as Price;
    return fromAmazonAmount(limit.amount, limit.currencyCode) - p.captured;
  }

  private setBalance(p: ChargePermission & { captured: number }): void {
    if (!p.limits) return;
    const limit = p.limits?.amountLimit as Price;
    p.limits = { amountLimit: limit, amountBalance: { amount: toAmazonAmount(this.balance(p), limit.currencyCode), currencyCode: limit.currencyCode } };
    if (this.balance(p) === 0) p.statusDetails = { state: 'Closed', reasons: [{ reasonCode: 'MerchantClosed' }] };
  }

  // ------------------------------------------------------------ API

  getCheckoutSession(id: string, headers?: AmazonHeaders) {
    return this.run('getCheckoutSession', headers, undefined, () => {
      const s = this.sessions.get(id) ?? fail(404, 'ResourceNotFound');
      return this.sessionView(s);
    });
  }

  updateCheckoutSession(id: string, payload: UpdateCheckoutSessionPayload, headers?: AmazonHeaders) {
    return this.run('updateCheckoutSession', headers, payload, () => {
      const s = this.sessions.get(id) ?? fail(404, 'ResourceNotFound');
      if (s.state !== 'Open') fail(422, 'InvalidCheckoutSessionStatus');
      s.amount = payload.paymentDetails?.chargeAmount;
      s.intent = payload.paymentDetails?.paymentIntent;
      s.pending = payload.paymentDetails?.canHandlePendingAuthorization;
      if (payload.merchantMetadata?.merchantReferenceId) s.merchantReferenceId = payload.merchantMetadata.merchantReferenceId;
      return { ...this.sessionView(s), webCheckoutDetails: { amazonPayRedirectUrl: `https://pay.example/redirect/${id}` } };
    });
  }

  completeCheckoutSession(id: string, payload: { chargeAmount: Price }, headers?: AmazonHeaders) {
    return this.run('completeCheckoutSession', headers, payload, () => {
      const s = this.sessions.get(id) ?? fail(404, 'ResourceNotFound');
      if (s.state !== 'Open') fail(422, 'InvalidCheckoutSessionStatus');
      if (!s.amount || s.amount.amount !== payload.chargeAmount.amount || s.amount.currencyCode !== payload.chargeAmount.currencyCode) fail(422, 'AmountMismatch');
      const permissionId = this.id('S01-P');
      const permission = { chargePermissionId: permissionId, presentmentCurrency: s.amount.currencyCode, ...(s.recurring ? {} : { limits: { amountLimit: s.amount } }), statusDetails: { state: 'Chargeable' }, captured: 0 };
      this.permissions.set(permissionId, permission);
      const capture = s.intent === 'AuthorizeWithCapture';
      const state = capture ? 'Captured' : s.pending && this.pendingAuthorization ? 'AuthorizationInitiated' : 'Authorized';
      const charge = this.newCharge(permissionId, s.amount, state);
      if (capture) {
        permission.captured += fromAmazonAmount(s.amount.amount, s.amount.currencyCode);
        this.setBalance(permission);
      }
      s.state = 'Completed';
      s.permissionId = permissionId;
      s.chargeId = charge.chargeId;
      return this.sessionView(s);
    }, 202);
  }

  private sessionView(s: Session): CheckoutSession {
    return {
      checkoutSessionId: s.id,
      statusDetails: { state: s.state },
      chargePermissionId: s.permissionId ?? null,
      chargeId: s.chargeId ?? null,
      buyer: { buyerId: 'buyer-1', name: 'Taro Yamada', email: 'taro@example.com' },
      merchantMetadata: { merchantReferenceId: s.merchantReferenceId ?? null },
    };
  }

  getChargePermission(id: string, headers?: AmazonHeaders) {
    return this.run('getChargePermission', headers, undefined, () => {
      const p = this.permissions.get(id) ?? fail(404, 'ResourceNotFound');
      return { ...p };
    });
  }

  closeChargePermission(id: string, payload: { closureReason?: string; cancelPendingCharges?: boolean }, headers?: AmazonHeaders) {
    return this.run('closeChargePermission', headers, payload, () => {
      const p = this.permissions.get(id) ?? fail(404, 'ResourceNotFound');
      p.statusDetails = { state: 'Closed', reasons: [{ reasonCode: 'MerchantClosed' }] };
      return { ...p };
    });
  }

  createCharge(payload: CreateChargePayload, headers: AmazonHeaders) {
    return this.run('createCharge', headers, payload, () => {
      const p = this.permissions.get(payload.chargePermissionId) ?? fail(404, 'ResourceNotFound');
      if (p.statusDetails.state !== 'Chargeable') fail(422, 'InvalidChargePermissionStatus');
      const amount = fromAmazonAmount(payload.chargeAmount.amount, payload.chargeAmount.currencyCode);
      if (amount > this.balance(p)) fail(422, 'TransactionAmountExceeded');
      const state = payload.captureNow ? (this.pendingCapture ? 'CaptureInitiated' : 'Captured') : 'Authorized';
      const c = this.newCharge(p.chargePermissionId, payload.chargeAmount, state);
      if (payload.captureNow) {
        p.captured += amount;
        this.setBalance(p);
      }
      return c;
    }, 201);
  }

  getCharge(id: string, headers?: AmazonHeaders) {
    return this.run('getCharge', headers, undefined, () => structuredClone(this.charges.get(id) ?? fail(404, 'ResourceNotFound')));
  }

  captureCharge(id: string, payload: { captureAmount: Price }, headers?: AmazonHeaders) {
    return this.run('captureCharge', headers, payload, () => {
      const c = this.charges.get(id) ?? fail(404, 'ResourceNotFound');
      if (c.statusDetails.state !== 'Authorized') fail(422, 'InvalidChargeStatus');
      const amount = fromAmazonAmount(payload.captureAmount.amount, payload.captureAmount.currencyCode);
      if (amount > fromAmazonAmount(c.chargeAmount.amount, c.chargeAmount.currencyCode)) fail(422, 'TransactionAmountExceeded');
      const p = this.permissions.get(c.chargePermissionId) as ChargePermission & { captured: number };
      c.captureAmount = payload.captureAmount;
      if (this.pendingCapture) c.statusDetails = { state: 'CaptureInitiated' };
      else {
        c.statusDetails = { state: 'Captured' };
        this.ledger.push({ kind: 'capture', objectId: id, amount });
      }
      p.captured += amount;
      this.setBalance(p);
      return structuredClone(c);
    });
  }

  cancelCharge(id: string, payload: { cancellationReason?: string }, headers?: AmazonHeaders) {
    return this.run('cancelCharge', headers, payload, () => {
      const c = this.charges.get(id) ?? fail(404, 'ResourceNotFound');
      if (c.statusDetails.state !== 'Authorized' && c.statusDetails.state !== 'AuthorizationInitiated') fail(422, 'InvalidChargeStatus');
      c.statusDetails = { state: 'Canceled', reasonCode: 'MerchantCanceled' };
      return structuredClone(c);
    });
  }

  createRefund(payload: { chargeId: string; refundAmount: Price }, headers: AmazonHeaders) {
    return this.run('createRefund', headers, payload, () => {
      const c = this.charges.get(payload.chargeId) ?? fail(404, 'ResourceNotFound');
      if (c.statusDetails.state !== 'Captured') fail(422, 'InvalidChargeStatus');
      const currency = payload.refundAmount.currencyCode;
      const captured = fromAmazonAmount((c.captureAmount as Price).amount, currency);
      const already = [...this.refunds.values()].filter((r) => r.chargeId === c.chargeId && r.statusDetails.state !== 'Declined').reduce((n, r) => n + fromAmazonAmount(r.refundAmount.amount, currency), 0);
      const amount = fromAmazonAmount(payload.refundAmount.amount, currency);
      if (already + amount > refundLimit(captured, currency)) fail(422, 'TransactionAmountExceeded');
      const r: Refund = { refundId: this.id('S01-R'), chargeId: c.chargeId, refundAmount: payload.refundAmount, statusDetails: { state: 'RefundInitiated' } };
      this.refunds.set(r.refundId, r);
      if (this.refundsSettleImmediately) this.resolveRefund(r.refundId, 'Refunded');
      return structuredClone(r);
    }, 201);
  }

  getRefund(id: string, headers?: AmazonHeaders) {
    return this.run('getRefund', headers, undefined, () => structuredClone(this.refunds.get(id) ?? fail(404, 'ResourceNotFound')));
  }
}

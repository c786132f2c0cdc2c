// The simulator's state (every record in memory), its ledger, its delays and the hook that queues IPNs.
import { randomUUID } from 'node:crypto';
import { SimClock } from './clock';
import { formatMinor } from './money';
import type {
  BuyerTokenRecord,
  ChargeRecord,
  DeliveryTrackerRecord,
  DisputeRecord,
  IdempotencyRecord,
  LedgerEntry,
  MerchantRecord,
  PermissionRecord,
  RefundRecord,
  ReleaseEnvironment,
  SessionRecord,
} from './model';

/** Appends to the list kept under `key`, starting it when there is none. */
function appendTo<T>(index: Map<string, T[]>, key: string, value: T): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

export interface Delays {
  /** AuthorizationInitiated → Authorized/Declined. */
  pendingAuthorizationMs: number;
  /** CaptureInitiated → Captured/Declined. */
  pendingCaptureMs: number;
  /** RefundInitiated → Refunded/Declined. */
  refundMs: number;
}

/** A few seconds for pending states, two minutes for refunds (sandbox settles in ~30 s, production in hours). */
export const DEFAULT_DELAYS: Delays = { pendingAuthorizationMs: 5_000, pendingCaptureMs: 5_000, refundMs: 120_000 };
export const ZERO_DELAYS: Delays = { pendingAuthorizationMs: 0, pendingCaptureMs: 0, refundMs: 0 };

export type ObjectType = 'CHARGE_PERMISSION' | 'CHARGE' | 'REFUND' | 'CHARGEBACK';

export interface StateChange {
  merchantId: string;
  objectType: ObjectType;
  objectId: string;
  chargePermissionId: string;
  env: ReleaseEnvironment;
}

export interface SnapshotData {
  version: 1;
  clockOffsetMs: number;
  merchants: MerchantRecord[];
  sessions: SessionRecord[];
  permissions: PermissionRecord[];
  charges: ChargeRecord[];
  refunds: RefundRecord[];
  ledger: LedgerEntry[];
  idempotency: [string, IdempotencyRecord][];
  buyerTokens: [string, BuyerTokenRecord][];
  /** Absent in snapshots written before disputes existed. */
  disputes?: DisputeRecord[];
  deliveryTrackers?: DeliveryTrackerRecord[];
}

/** A call the simulator took: the merchant and key that signed it, the operation and the object's id (if any). */
export interface SignedCall {
  at: string;
  merchantId: string;
  publicKeyId: string;
  operation: string;
  objectId: string | null;
}

export const MAX_SIGNED_CALLS = 5_000;

export class SimCore {
  readonly merchants = new Map<string, MerchantRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly permissions = new Map<string, PermissionRecord>();
  readonly charges = new Map<string, ChargeRecord>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly ledger: LedgerEntry[] = [];
  readonly ledgerById = new Map<string, LedgerEntry>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly buyerTokens = new Map<string, BuyerTokenRecord>();
  readonly disputes = new Map<string, DisputeRecord>();
  readonly deliveryTrackers: DeliveryTrackerRecord[] = [];
  /**
   * Every signed API call, newest last (at most MAX_SIGNED_CALLS): which merchant's key signed it, for which operation
   * and object. Tests read it to confirm a shop's calls were signed as its own merchant (GET /__sim/calls).
   */
  readonly calls: SignedCall[] = [];
  private readonly chargesByPermission = new Map<string, ChargeRecord[]>();
  private readonly refundsByCharge = new Map<string, RefundRecord[]>();
  /** Set whenever state changes, so the snapshot writer knows to save. */
  dirty = false;
  private readonly listeners: ((change: StateChange) => void)[] = [];

  constructor(
    readonly clock: SimClock,
    public delays: Delays,
  ) {}

  now(): number {
    return this.clock.now();
  }

  onStateChange(listener: (change: StateChange) => void): void {
    this.listeners.push(listener);
  }

  notify(change: StateChange): void {
    this.dirty = true;
    for (const l of this.listeners) l(change);
  }

  addCharge(c: ChargeRecord): void {
    this.charges.set(c.id, c);
    appendTo(this.chargesByPermission, c.permissionId, c);
    this.dirty = true;
  }

  addRefund(r: RefundRecord): void {
    this.refunds.set(r.id, r);
    appendTo(this.refundsByCharge, r.chargeId, r);
    this.dirty = true;
  }

  /** The charges of a permission, without scanning every charge. */
  chargesOf(permissionId: string): readonly ChargeRecord[] {
    return this.chargesByPermission.get(permissionId) ?? [];
  }

  refundsOf(chargeId: string): readonly RefundRecord[] {
    return this.refundsByCharge.get(chargeId) ?? [];
  }

  merchantById(merchantId: string): MerchantRecord | undefined {
    for (const m of this.merchants.values()) if (m.merchantId === merchantId) return m;
    return undefined;
  }

  /** Records a money movement of a charge (in the charge's currency, merchant and environment) in the ledger. */
  addLedger(
    charge: ChargeRecord,
    entry: Pick<LedgerEntry, 'type' | 'status' | 'amount'> & { idempotencyKey: string | undefined; refundId?: string; reasonCode?: string },
    at: number,
  ): LedgerEntry {
    const iso = new Date(at).toISOString();
    const currency = charge.amount.currency;
    const full: LedgerEntry = {
      id: randomUUID(), type: entry.type, status: entry.status, amount: entry.amount, amountDecimal: formatMinor(entry.amount, currency), currency,
      merchantId: charge.merchantId, chargePermissionId: charge.permissionId, chargeId: charge.id, releaseEnvironment: charge.env,
      refundId: entry.refundId ?? null, idempotencyKey: entry.idempotencyKey ?? null, reasonCode: entry.reasonCode ?? null,
      at: iso, time: iso, updatedAt: iso,
    };
    this.ledger.push(full);
    this.ledgerById.set(full.id, full);
    this.dirty = true;
    return full;
  }

  settleLedger(id: string | undefined, status: LedgerEntry['status'], at: number, reasonCode?: string): void {
    const entry = id === undefined ? undefined : this.ledgerById.get(id);
    if (!entry) return;
    entry.status = status;
    entry.updatedAt = new Date(at).toISOString();
    if (reasonCode !== undefined) entry.reasonCode = reasonCode;
    this.dirty = true;
  }

  /** Records a call whose signature verified (the oldest dropped beyond MAX_SIGNED_CALLS). */
  recordCall(call: SignedCall): void {
    this.calls.push(call);
    if (this.calls.length > MAX_SIGNED_CALLS) this.calls.splice(0, this.calls.length - MAX_SIGNED_CALLS);
  }

  /** Forgets every object, key and ledger entry; merchants stay unless `merchants` is true. */
  reset(merchants: boolean): void {
    if (merchants) this.merchants.clear();
    this.calls.length = 0;
    for (const m of [this.sessions, this.permissions, this.charges, this.refunds, this.ledgerById, this.idempotency, this.buyerTokens, this.chargesByPermission, this.refundsByCharge, this.disputes]) m.clear();
    this.ledger.length = 0;
    this.deliveryTrackers.length = 0;
    this.dirty = true;
  }

  snapshot(): SnapshotData {
    return {
      version: 1,
      clockOffsetMs: this.clock.offset,
      merchants: [...this.merchants.values()],
      sessions: [...this.sessions.values()],
      permissions: [...this.permissions.values()],
      charges: [...this.charges.values()],
      refunds: [...this.refunds.values()],
      ledger: this.ledger,
      idempotency: [...this.idempotency.entries()],
      buyerTokens: [...this.buyerTokens.entries()],
      disputes: [...this.disputes.values()],
      deliveryTrackers: this.deliveryTrackers,
    };
  }

  restore(data: SnapshotData): void {
    this.reset(true);
    this.clock.restoreOffset(data.clockOffsetMs);
    for (const m of data.merchants) this.merchants.set(m.publicKeyId, m);
    for (const s of data.sessions) this.sessions.set(s.id, s);
    for (const p of data.permissions) this.permissions.set(p.id, p);
    for (const c of data.charges) this.addCharge(c);
    for (const r of data.refunds) this.addRefund(r);
    for (const e of data.ledger) {
      e.time ??= e.at;
      this.ledger.push(e);
      this.ledgerById.set(e.id, e);
    }
    for (const [k, v] of data.idempotency) this.idempotency.set(k, v);
    for (const [k, v] of data.buyerTokens) this.buyerTokens.set(k, v);
    for (const d of data.disputes ?? []) this.disputes.set(d.id, d);
    this.deliveryTrackers.push(...(data.deliveryTrackers ?? []));
    this.dirty = false;
  }
}

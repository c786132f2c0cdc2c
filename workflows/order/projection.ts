// What the rest of the engine reads of an order without asking the workflow: the order row with its new history rows
// (written by one local activity, never blocking the order) and the search attributes Temporal UI filters on.
import type { TypedSearchAttributes } from '@temporalio/common';
import { log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { AuthorizationExpiresAtKey, CurrencyKey, OrderAmountKey, OrderIdKey, OrderStatusKey, PaymentStatusKey } from '../../lib/names';
import { PROJECTION_RETRY_BACKOFF_MS } from '../activity-options';
import { AUTHORIZATION_EXPIRY_CLEARED, LOCAL_PROJECTION_WRITE, PROJECTION_NEVER_BLOCKS, SINGLE_PROJECTION_WRITE } from '../patches';
import type { ApprovalView } from '../messages';
import type { OrderPaymentInput, PendingApproval } from '../types';
import { db, localDb, projectionDb } from './calls';
import type { Ledger } from './ledger';
import type { OrderContext } from './types';

/** A recurring order's row names its subscription and period (the checkout order is period 1). */
function recurringFields(input: OrderPaymentInput): { subscriptionId?: string; recurringPeriod?: number } {
  if (input.recurringCharge) return { subscriptionId: input.recurringCharge.subscriptionId, recurringPeriod: input.recurringCharge.period };
  if (input.recurringPlan) return { subscriptionId: input.orderId, recurringPeriod: 1 };
  return {};
}

/** The search attributes as compared between writes: [name, value] pairs, in the order they are built. */
function attributesFingerprint(attrs: ReadonlyArray<{ key: { name: string }; value: unknown }>): string {
  return JSON.stringify(attrs.map((a) => [a.key.name, a.value instanceof Date ? a.value.toISOString() : a.value]));
}

/** What the run already has of the attributes `flush` writes (the API's start, or what a continued run carried). */
function attributesAtStart(): string {
  const have = workflowInfo().typedSearchAttributes;
  const get = (key: { name: string; type: string }) => have.get(key as Parameters<TypedSearchAttributes['get']>[0]);
  const attrs = [OrderIdKey, PaymentStatusKey, OrderStatusKey, OrderAmountKey, CurrencyKey].map((key) => ({ key, value: get(key) }));
  if (attrs.some((a) => a.value === undefined)) return '';
  const expiresAt = get(AuthorizationExpiresAtKey);
  return attributesFingerprint(expiresAt === undefined ? attrs : [...attrs, { key: AuthorizationExpiresAtKey, value: expiresAt }]);
}

export function approvalView(a: PendingApproval, currency: string): ApprovalView {
  return { approvalId: a.approvalId, status: 'pending', amount: a.amount, currency, requestId: a.requestId, requestedBy: { keyId: a.requestedBy.keyId, name: a.requestedBy.name }, requestedAt: new Date(a.requestedAt).toISOString(), expiresAt: new Date(a.expiresAt).toISOString() };
}

export class Projection {
  private lastSearchAttributes = '';
  private lastProjection = '';
  /** A projection write failed: when to write it again (a deadline of the order's loop). */
  retryAt?: number;
  /** Retries scheduled since the last successful write. */
  private retries = 0;

  constructor(
    private readonly o: OrderContext,
    private readonly ledger: Ledger,
  ) {
    // ORDER_V14: the first write upserts only what differs from the attributes the run started with.
    if (o.v14) this.lastSearchAttributes = attributesAtStart();
  }

  /** Writes the projection (order row + new history rows) and the search attributes. */
  async flush(): Promise<void> {
    const { o, ledger } = this;
    const s = o.s;
    const rows = ledger.takeUnsaved();
    // null: the authorization has nothing left to capture, its expiry is removed (undefined: never set).
    const expiresAt = s.authorizationExpiresAt === undefined ? undefined : ledger.capturable() === 0 && o.uses(AUTHORIZATION_EXPIRY_CLEARED) ? null : new Date(s.authorizationExpiresAt);
    const attrs = [
      { key: OrderIdKey, value: o.orderId },
      { key: PaymentStatusKey, value: s.paymentStatus },
      { key: OrderStatusKey, value: s.orderStatus },
      { key: OrderAmountKey, value: s.amount },
      { key: CurrencyKey, value: o.currency },
      ...(expiresAt === undefined ? [] : [{ key: AuthorizationExpiresAtKey, value: expiresAt }]),
    ];
    const fingerprint = attributesFingerprint(attrs);
    if (fingerprint !== this.lastSearchAttributes) {
      this.lastSearchAttributes = fingerprint;
      upsertSearchAttributes(attrs as Parameters<typeof upsertSearchAttributes>[0]);
    }
    const last = s.charges[s.charges.length - 1];
    const order = {
      orderId: o.orderId,
      workflowId: o.workflowId,
      currency: o.currency,
      amount: s.amount,
      paymentIntent: o.settings.paymentIntent,
      paymentStatus: s.paymentStatus,
      orderStatus: s.orderStatus,
      recurring: o.settings.recurring,
      authorizedAmount: ledger.authorized(),
      capturedAmount: ledger.captured(),
      refundedAmount: ledger.refunded(),
      checkoutSessionId: s.checkoutSessionId,
      chargePermissionId: s.chargePermissionId,
      chargeId: last?.chargeId,
      buyerId: s.buyer?.buyerId,
      buyerName: s.buyer?.name,
      buyerEmail: s.buyer?.email,
      authorizationExpiresAt: expiresAt ? expiresAt.toISOString() : undefined,
      ...recurringFields(o.input),
      // Only a run that met a refund needing approval has this list (the others write the row as before).
      ...(s.approvals !== undefined ? { pendingApprovals: s.approvals.map((a) => approvalView(a, o.currency)) } : {}),
    };
    if (o.uses(SINGLE_PROJECTION_WRITE)) {
      // One round trip per state change, none when nothing a reader sees has changed. The change's events ride with it
      // (every event comes with a history row or a change of the row; one that did not would wait for the next write).
      const projection = JSON.stringify(order);
      const events = ledger.takeUnsavedEvents();
      if (rows.length === 0 && projection === this.lastProjection) {
        ledger.keepUnsavedEvents(events);
        return;
      }
      if (o.uses(PROJECTION_NEVER_BLOCKS)) {
        try {
          await projectionDb.saveProjection({ order, rows, events });
        } catch (err) {
          // The command's answer and the next commands do not wait for the database: the rows and events are kept and
          // written with the next change or when the retry is due (docs/invariants.md).
          ledger.keepUnsaved(rows);
          ledger.keepUnsavedEvents(events);
          // The retry backs off per retry that failed; a failed write of a later change keeps the retry already due.
          if (this.retryAt === undefined || Date.now() >= this.retryAt) {
            this.retryAt = Date.now() + PROJECTION_RETRY_BACKOFF_MS[Math.min(this.retries, PROJECTION_RETRY_BACKOFF_MS.length - 1)];
            this.retries += 1;
          }
          log.error('the order projection could not be written; the order goes on and writes it again later', { orderId: o.orderId, retries: this.retries, error: err instanceof Error ? err.message : String(err) });
          return;
        }
        this.retryAt = undefined;
        this.retries = 0;
      } else if (o.uses(LOCAL_PROJECTION_WRITE)) await localDb.saveProjection({ order, rows, events });
      else await db.saveProjection({ order, rows, events });
      this.lastProjection = projection;
      return;
    }
    await db.upsertOrder(order);
    if (rows.length > 0) await db.appendHistory({ orderId: o.orderId, rows });
  }
}

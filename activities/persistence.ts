// Persistence activities: the order row and its payment history, the database's projection of the workflow's state.
import type { HistoryRow, OrderStatus, PaymentIntent, PaymentStatus } from '../workflows/types';
import type { ApprovalView } from '../workflows/messages';
import { Prisma } from '../prisma/generated/client';
import type { ActivityDeps } from './deps';
import { messagesFor, reasonCodesText } from '../lib/amazon-errors';
import { projectionWrites } from '../lib/metrics';
import type { PendingEvent } from '../lib/event-types';
import { appendEvents, fromPending } from '../lib/events';

export interface OrderProjection {
  orderId: string;
  workflowId: string;
  currency: string;
  amount: number;
  paymentIntent: PaymentIntent;
  paymentStatus: PaymentStatus;
  orderStatus: OrderStatus;
  recurring: boolean;
  authorizedAmount: number;
  capturedAmount: number;
  refundedAmount: number;
  checkoutSessionId?: string;
  chargePermissionId?: string;
  chargeId?: string;
  buyerId?: string;
  buyerName?: string;
  buyerEmail?: string;
  authorizationExpiresAt?: string;
  /** 継続課金: the subscription this order charged for, and its period (absent on other orders). */
  subscriptionId?: string;
  recurringPeriod?: number;
  /** Refunds waiting for approval; absent in a run that never had one (the column keeps its value). */
  pendingApprovals?: ApprovalView[];
}

/** The Amazon ids an order row and a pre-payment log row carry, null where not known (yet). */
export function amazonIdColumns(ids: { checkoutSessionId?: string; chargePermissionId?: string; chargeId?: string }) {
  return { checkoutSessionId: ids.checkoutSessionId ?? null, chargePermissionId: ids.chargePermissionId ?? null, chargeId: ids.chargeId ?? null };
}

function orderData(p: OrderProjection) {
  return {
    workflowId: p.workflowId,
    currency: p.currency,
    amount: p.amount,
    paymentIntent: p.paymentIntent,
    paymentStatus: p.paymentStatus,
    orderStatus: p.orderStatus,
    recurring: p.recurring,
    authorizedAmount: p.authorizedAmount,
    capturedAmount: p.capturedAmount,
    refundedAmount: p.refundedAmount,
    ...amazonIdColumns(p),
    buyerId: p.buyerId ?? null,
    buyerName: p.buyerName ?? null,
    buyerEmail: p.buyerEmail ?? null,
    authorizationExpiresAt: p.authorizationExpiresAt ? new Date(p.authorizationExpiresAt) : null,
    ...(p.subscriptionId !== undefined ? { subscriptionId: p.subscriptionId, recurringPeriod: p.recurringPeriod ?? null } : {}),
    ...(p.pendingApprovals !== undefined ? { pendingApprovals: p.pendingApprovals as unknown as Prisma.InputJsonValue } : {}),
    // The workflow runs: the API's start request has served its purpose.
    startRequest: Prisma.DbNull,
  };
}

/**
 * A row's message for the admin: the workflow's own text; a reason code given as the message (a cancel's reason, a
 * closed permission's reasons) becomes the catalog's text, the code itself kept as the row's debug detail; no message:
 * the catalog's text for the result's reason code.
 */
function historyMessage(r: HistoryRow): { message: string | null; debugDetail?: string } {
  if (r.message === undefined) return { message: r.result === 'OK' ? null : messagesFor(r.result).admin.ja, debugDetail: r.debugDetail };
  const text = reasonCodesText(r.message);
  return text === undefined ? { message: r.message, debugDetail: r.debugDetail } : { message: text, debugDetail: r.debugDetail ?? r.message };
}

function historyData(shopId: string, orderId: string, rows: HistoryRow[]) {
  return rows.map((r) => {
    const { message, debugDetail } = historyMessage(r);
    return {
      shopId,
      orderId,
      occurredAt: new Date(r.at),
      amazonObjectId: r.amazonObjectId ?? null,
      kind: r.kind,
      amount: r.amount ?? null,
      currency: r.currency,
      result: r.result,
      message,
      debugDetail: debugDetail === undefined ? undefined : { detail: debugDetail },
      dedupeKey: r.dedupeKey,
      requestedByKeyId: r.requestedBy?.keyId ?? null,
      requestedByName: r.requestedBy?.name ?? null,
      approvedByKeyId: r.approvedBy?.keyId ?? null,
      approvedByName: r.approvedBy?.name ?? null,
    };
  });
}

export function createPersistenceActivities(deps: ActivityDeps) {
  type Db = Pick<Prisma.TransactionClient, 'order' | 'paymentHistory'>;
  const upsert = (p: OrderProjection, db: Db = deps.prisma) => {
    const data = orderData(p);
    const key = { shopId: deps.shopId, orderId: p.orderId };
    return db.order.upsert({ where: { shopId_orderId: key }, create: { ...key, ...data }, update: data });
  };
  // A row already written (same dedupe key) by an earlier attempt is skipped.
  const append = (orderId: string, rows: HistoryRow[], db: Db = deps.prisma) => db.paymentHistory.createMany({ data: historyData(deps.shopId, orderId, rows), skipDuplicates: true });

  return {
    /**
     * The order row, its new history rows and its new events (docs/events.md) in one transaction; idempotent: upsert,
     * dedupe keys, event keys.
     */
    async saveProjection(input: { order: OrderProjection; rows: HistoryRow[]; events?: PendingEvent[] }): Promise<void> {
      const events = input.events ?? [];
      try {
        if (input.rows.length === 0 && events.length === 0) await upsert(input.order);
        else if (events.length === 0) await deps.prisma.$transaction([upsert(input.order), append(input.order.orderId, input.rows)]);
        else {
          await deps.prisma.$transaction(async (tx) => {
            await upsert(input.order, tx);
            if (input.rows.length > 0) await append(input.order.orderId, input.rows, tx);
            await appendEvents(tx, { shopId: deps.shopId, orderId: input.order.orderId }, events.map(fromPending));
          });
        }
      } catch (err) {
        // The workflow goes on without it and writes again later; ops see it here and in order_projection_writes_total.
        projectionWrites.inc({ outcome: 'failed' });
        deps.log.error({ orderId: input.order.orderId, rows: input.rows.length, events: events.length, err: err instanceof Error ? err.message : String(err) }, 'writing the order projection failed; the workflow retries it later');
        throw err;
      }
      projectionWrites.inc({ outcome: 'ok' });
    },

    /** Creates or overwrites the order row (kept for histories recorded before saveProjection). */
    async upsertOrder(p: OrderProjection): Promise<void> {
      await upsert(p);
    },

    /** Appends history rows (kept for histories recorded before saveProjection). */
    async appendHistory(input: { orderId: string; rows: HistoryRow[] }): Promise<number> {
      if (input.rows.length === 0) return 0;
      return (await append(input.orderId, input.rows)).count;
    },

    /** Tells the admin an authorization is about to expire (a structured warning ops alert on). */
    async warnAuthorizationExpiry(input: { orderId: string; chargeId?: string; expiresAt: string; uncaptured: number; currency: string }): Promise<void> {
      deps.log.warn({ ...input, shopId: deps.shopId, event: 'authorization_expiry_warning' }, `authorization of order ${input.orderId} expires at ${input.expiresAt}; capture or cancel it before then`);
    },
  };
}

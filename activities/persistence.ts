// Persistence activities: the order row and its payment history, the database's projection of the workflow's state.
import type { HistoryRow, OrderStatus, PaymentIntent, PaymentStatus } from '../workflows/types';
import type { ApprovalView } from '../workflows/messages';
import { Prisma } from '../prisma/generated/client';
import type { ActivityDeps } from './deps';
import { messagesFor, reasonCodesText } from '../lib/amazon-errors';
import { projectionWrites } from '../lib/metrics';
import type { PendingEvent } from '../lib/event-types';
import { appendEvents, endpointsOfShop, fromPending, lockedStream, streamLockCte, type LockedStream } from '../lib/events';
import { jsonParam } from '../lib/storable-text';

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

/**
 * The order row and its new history rows in one statement, built from the same mappings as the ORM's writes
 * (orderData, historyData) and passed as two JSON parameters (their text made storable, lib/storable-text.ts): a
 * projection write is the worker's most frequent database call, and through the ORM its upsert and insert cost four
 * times the CPU and a round trip more (docs/benchmark.md). A history row already written (same dedupe key) by an earlier attempt is skipped; a field
 * orderData leaves out (the subscription fields, the approvals) keeps the row's value, as the ORM's upsert does.
 * `lockEvents`: the statement also takes the order's event stream lock and reads the shop's endpoints, and answers
 * them for appendEvents (inside the caller's transaction).
 */
async function writeOrderAndHistory(db: Pick<Prisma.TransactionClient, '$queryRaw'>, shopId: string, p: OrderProjection, rows: HistoryRow[], opts: { lockEvents: boolean }): Promise<LockedStream | undefined> {
  const { startRequest: _cleared, ...data } = orderData(p);
  const setsRecurring = 'subscriptionId' in data;
  const setsApprovals = 'pendingApprovals' in data;
  // With events to write, the same statement takes the order's event stream lock and reads the endpoints
  // (lib/events.ts appendEvents then needs one statement more).
  const ref = { shopId, orderId: p.orderId };
  const tail = opts.lockEvents
    ? Prisma.sql`, ${streamLockCte(ref)} SELECT (SELECT last_seq FROM stream_lock) AS last_seq, ${endpointsOfShop(shopId)} AS endpoints`
    : Prisma.sql` SELECT NULL::int AS last_seq, NULL::json AS endpoints`;
  const [row] = await db.$queryRaw<Array<{ last_seq: number | null; endpoints: LockedStream['endpoints'] | null }>>`
    WITH o AS (
      SELECT * FROM jsonb_to_record(${jsonParam(data)}::jsonb) AS o(
        "workflowId" text, currency text, amount bigint, "paymentIntent" text, "paymentStatus" text, "orderStatus" text,
        recurring boolean, "authorizedAmount" bigint, "capturedAmount" bigint, "refundedAmount" bigint,
        "checkoutSessionId" text, "chargePermissionId" text, "chargeId" text, "buyerId" text, "buyerName" text,
        "buyerEmail" text, "authorizationExpiresAt" timestamptz, "subscriptionId" text, "recurringPeriod" int,
        "pendingApprovals" jsonb)
    ), saved AS (
      INSERT INTO orders (shop_id, order_id, workflow_id, currency, amount, payment_intent, payment_status, order_status,
        recurring, authorized_amount, captured_amount, refunded_amount, checkout_session_id, charge_permission_id,
        charge_id, buyer_id, buyer_name, buyer_email, authorization_expires_at, subscription_id, recurring_period,
        pending_approvals, start_request, updated_at)
      SELECT ${shopId}, ${p.orderId}, o."workflowId", o.currency, o.amount, o."paymentIntent"::"PaymentIntent",
        o."paymentStatus"::"PaymentStatus", o."orderStatus"::"OrderStatus", o.recurring, o."authorizedAmount",
        o."capturedAmount", o."refundedAmount", o."checkoutSessionId", o."chargePermissionId", o."chargeId",
        o."buyerId", o."buyerName", o."buyerEmail", o."authorizationExpiresAt", o."subscriptionId",
        o."recurringPeriod", COALESCE(o."pendingApprovals", '[]'::jsonb), NULL, now()
      FROM o
      ON CONFLICT (shop_id, order_id) DO UPDATE SET
        workflow_id = EXCLUDED.workflow_id, currency = EXCLUDED.currency, amount = EXCLUDED.amount,
        payment_intent = EXCLUDED.payment_intent, payment_status = EXCLUDED.payment_status,
        order_status = EXCLUDED.order_status, recurring = EXCLUDED.recurring,
        authorized_amount = EXCLUDED.authorized_amount, captured_amount = EXCLUDED.captured_amount,
        refunded_amount = EXCLUDED.refunded_amount, checkout_session_id = EXCLUDED.checkout_session_id,
        charge_permission_id = EXCLUDED.charge_permission_id, charge_id = EXCLUDED.charge_id,
        buyer_id = EXCLUDED.buyer_id, buyer_name = EXCLUDED.buyer_name, buyer_email = EXCLUDED.buyer_email,
        authorization_expires_at = EXCLUDED.authorization_expires_at,
        subscription_id = CASE WHEN ${setsRecurring} THEN EXCLUDED.subscription_id ELSE orders.subscription_id END,
        recurring_period = CASE WHEN ${setsRecurring} THEN EXCLUDED.recurring_period ELSE orders.recurring_period END,
        pending_approvals = CASE WHEN ${setsApprovals} THEN EXCLUDED.pending_approvals ELSE orders.pending_approvals END,
        start_request = NULL, updated_at = now()
    ), history AS (
      INSERT INTO payment_history (shop_id, order_id, occurred_at, amazon_object_id, kind, amount, currency, result,
        message, debug_detail, dedupe_key, requested_by_key_id, requested_by_name, approved_by_key_id, approved_by_name)
      SELECT h."shopId", h."orderId", h."occurredAt", h."amazonObjectId", h.kind::"HistoryKind", h.amount, h.currency,
        h.result, h.message, h."debugDetail", h."dedupeKey", h."requestedByKeyId", h."requestedByName",
        h."approvedByKeyId", h."approvedByName"
      FROM jsonb_to_recordset(${jsonParam(historyData(shopId, p.orderId, rows))}::jsonb) AS h(
        "shopId" text, "orderId" text, "occurredAt" timestamptz, "amazonObjectId" text, kind text, amount bigint,
        currency text, result text, message text, "debugDetail" jsonb, "dedupeKey" text, "requestedByKeyId" text,
        "requestedByName" text, "approvedByKeyId" text, "approvedByName" text)
      ON CONFLICT (dedupe_key) DO NOTHING
    )${tail}`;
  return opts.lockEvents ? lockedStream(row) : undefined;
}

export function createPersistenceActivities(deps: ActivityDeps) {
  // A row already written (same dedupe key) by an earlier attempt is skipped.
  const append = (orderId: string, rows: HistoryRow[]) => deps.prisma.paymentHistory.createMany({ data: historyData(deps.shopId, orderId, rows), skipDuplicates: true });

  return {
    /**
     * The order row, its new history rows and its new events (docs/events.md) in one transaction; idempotent: upsert,
     * dedupe keys, event keys.
     */
    async saveProjection(input: { order: OrderProjection; rows: HistoryRow[]; events?: PendingEvent[] }): Promise<void> {
      const events = input.events ?? [];
      try {
        if (events.length === 0) await writeOrderAndHistory(deps.prisma, deps.shopId, input.order, input.rows, { lockEvents: false });
        else {
          await deps.prisma.$transaction(async (tx) => {
            const locked = await writeOrderAndHistory(tx, deps.shopId, input.order, input.rows, { lockEvents: true });
            await appendEvents(tx, { shopId: deps.shopId, orderId: input.order.orderId }, events.map(fromPending), locked);
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
      await writeOrderAndHistory(deps.prisma, deps.shopId, p, [], { lockEvents: false });
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

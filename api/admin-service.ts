/**
 * The admin use-cases, called in-process by the JSON admin API (api/admin.ts, api/subscriptions.ts) and by the console
 * (api/console): the order list and detail, capture / cancel / refund / order status, the pre-payment recovery log, the
 * shop settings, and the subscriptions (継続課金) with their actions. Callers authenticate their own way (an API key, the
 * console's session) and pass the request's parts; bad input throws ZodError (400) or ApiError, and every answer is in
 * its JSON form, so the API and the console show the same thing.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { z, ZodError } from 'zod';
import type { AmazonPayConfig } from '../lib/config';
import { assertMerchantOfNoOtherShop, type ShopMerchants } from '../lib/amazon-pay-engine';
import type { SecretBox } from '../lib/secret-box';
import { readSettings, refundApprovalFor, refundContext, settingsWarnings, updateSettings } from '../lib/settings';
import type { Prisma, PrismaClient, Subscription } from '../prisma/generated/client';
import { amazonNotification, approveRefund, cancel, capture, refund, rejectRefund, setOrderStatus, type Actor, type ApprovalView } from '../workflows/messages';
import { DEFAULT_SHOP_ID, subscriptionWorkflowId } from '../lib/names';
import { cancelSubscription, chargeNow, pauseSubscription, resumeSubscription, subscriptionState } from '../workflows/subscription-messages';
import type { OrderPaymentState, SubscriptionState } from '../workflows/types';
import { requestFingerprint } from '../workflows/validators';
import { deliveryTrackerView, type DeliveryTrackingStarter } from './delivery-tracking';
import { disputeView, NO_PROTECTION_WARNING } from './disputes';
import { ApiError, currencyMismatchError, knownErrorAnswer } from './errors';
import { eventsWithDeliveries } from './events';
import { apiErrorFor, fingerprintedUpdateId, sendUpdate, type ActionOutcome, type OrdersGateway } from './orders';
import {
  amountOf,
  cancelSchema,
  cancelSubscriptionSchema,
  captureSchema,
  chargeNowSchema,
  listOrdersQuerySchema,
  listSubscriptionsQuerySchema,
  orderIdSchema,
  orderStatusSchema,
  refundSchema,
  subscriptionActionSchema,
  subscriptionIdSchema,
} from './schemas';

export interface AdminServiceDeps {
  prisma: PrismaClient;
  orders: OrdersGateway;
  /** Reaches the subscription workflows. */
  client: Client;
  /** Each shop's merchant (the one its settings show and change). */
  merchants: ShopMerchants;
  /** Seals a shop's private key when its credentials are entered. */
  secretBox: SecretBox;
  /** The AMAZON_PAY_* variables hold the default shop's credentials (then its settings screen cannot change them). */
  credentialsFromEnvironment?: boolean;
  /** Sends carrier and tracking number to Amazon when an order is shipped (absent: not sent). */
  deliveryTracking?: DeliveryTrackingStarter;
}

/** An action's answer: 200 with the result, or 202 while it goes on; `headers` for the caller to send (a deprecation). */
export interface ActionReply {
  status: 200 | 202;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export type OrderAction = 'capture' | 'cancel' | 'refund';

const approvalIdSchema = z.string().regex(/^apr_[A-Za-z0-9._:-]{1,100}$/, 'expected the id of a refund waiting for approval (apr_…)');
export const approvalDecisionSchema = z.strictObject({ reason: z.string().trim().min(1).max(255).optional().describe('Why it was rejected (kept in the history)') });
export type SubscriptionAction = 'pause' | 'resume' | 'cancel' | 'charge';

/** The path segment of each action (POST …/orders/:id/<segment>), for the JSON API and the console alike. */
export const ORDER_ACTION_PATHS: Readonly<Record<string, OrderAction | 'status'>> = { capture: 'capture', cancel: 'cancel', refunds: 'refund', status: 'status' };
export const SUBSCRIPTION_ACTION_PATHS: Readonly<Record<string, SubscriptionAction>> = { pause: 'pause', resume: 'resume', cancel: 'cancel', charges: 'charge' };

/** Even with waitMs=0 an action that is already finished (a repeated requestId) answers 200. */
const MIN_WAIT_MS = 150;
/** How long a subscription action waits by default; charging waits for the period's order to report, longer. */
const SUBSCRIPTION_WAIT_MS = 5_000;
export const CHARGE_WAIT_MS = 20_000;
/** How long a redrive waits for the workflow to re-read Amazon's object. */
const REDRIVE_WAIT_MS = 10_000;

/**
 * The deprecated bare-integer amount (RFC 9745 Deprecation: since this date; Link: where the money shape is described).
 * No Sunset yet: the integer is accepted for one more release, whose date is not set.
 */
export const AMOUNT_DEPRECATION_HEADERS: Readonly<Record<string, string>> = {
  deprecation: '@1796169600',
  link: '</docs#money>; rel="deprecation"; type="text/html"',
};

/** Amounts are BIGINT in the database (bounded far below 2^53 by Amazon's maximum): JSON carries them as numbers. */
export const money = (amount: number | bigint, currency: string) => ({ amount: Number(amount), currency });

/** The JSON form of an answer (dates as ISO strings): what the API sends and the console renders. */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function reply(requestId: string | undefined, outcome: ActionOutcome<unknown>, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): ActionReply {
  if (outcome.done) return { status: 200, headers, body: wire({ status: 'completed', ...(requestId ? { requestId } : {}), result: outcome.result, ...extra }) };
  return { status: 202, headers, body: wire({ status: 'accepted', ...(requestId ? { requestId } : {}), ...extra, message: 'The action was accepted; repeat the request with the same requestId (or ?waitMs=) to get its result' }) };
}

const waitOf = (waitMs: number | undefined, fallback = 0) => Math.max(MIN_WAIT_MS, waitMs ?? fallback);

/**
 * The update id of a money request: its requestId and the workflow's fingerprint of its parameters, plus the currency
 * the caller named. The workflow's fingerprint leaves the currency out (the validator admits only the order's), so a
 * request sent again with the money object after a bare integer is a repeat there; keeping the currency in the update
 * id makes Temporal hand each shape to the validator instead of answering a wrong currency with the first result.
 */
function moneyUpdateId(action: OrderAction, args: { requestId: string; amount?: number; currency?: string; reason?: string }): string {
  return fingerprintedUpdateId(action, args.requestId, `${requestFingerprint(action, args as Parameters<typeof requestFingerprint>[1])}${args.currency ? `:${args.currency}` : ''}`);
}

function encodeCursor(createdAt: Date, orderId: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), orderId])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; orderId: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, orderId: id };
  } catch {
    throw new ApiError(400, 'invalid_cursor', 'cursor is not a nextCursor returned by this endpoint');
  }
}

function detailFromState(s: OrderPaymentState) {
  const c = s.currency;
  return {
    orderId: s.orderId,
    workflowId: s.workflowId,
    paymentStatus: s.paymentStatus,
    orderStatus: s.orderStatus,
    paymentIntent: s.paymentIntent,
    amount: money(s.orderAmount, c),
    amounts: {
      authorized: money(s.amounts.authorized, c),
      captured: money(s.amounts.captured, c),
      refunded: money(s.amounts.refunded, c),
      refundPending: money(s.amounts.refundPending, c),
      capturePending: money(s.amounts.capturePending, c),
      capturable: money(s.amounts.capturable, c),
      refundable: money(s.amounts.refundable, c),
    },
    checkoutSessionId: s.checkoutSessionId ?? null,
    chargePermissionId: s.chargePermissionId ?? null,
    chargeId: s.chargeIds[0] ?? null,
    chargeIds: s.chargeIds,
    refunds: s.refunds.map((r) => ({ refundId: r.refundId, chargeId: r.chargeId, amount: money(r.amount, c), state: r.state })),
    authorizationExpiresAt: s.authorizationExpiresAt ?? null,
    buyer: s.buyer ?? null,
    pendingTimers: s.pendingTimers,
    allowedActions: {
      capture: { ...s.allowedActions.capture, maxAmount: money(s.allowedActions.capture.maxAmount, c) },
      cancel: { ...s.allowedActions.cancel, releases: money(s.allowedActions.cancel.releases, c) },
      refund: { ...s.allowedActions.refund, maxAmount: money(s.allowedActions.refund.maxAmount, c) },
    },
    lastError: s.lastError ?? null,
    completed: s.completed,
  };
}

/** What the admin sees of a subscription row. */
export function subscriptionView(row: Subscription) {
  return {
    subscriptionId: row.subscriptionId,
    status: row.status,
    chargePermissionId: row.chargePermissionId,
    amount: money(row.amount, row.currency),
    frequency: { unit: row.frequencyUnit, value: row.frequencyValue },
    paymentIntent: row.paymentIntent,
    periodsCharged: row.periodsCharged,
    nextChargeAt: row.nextChargeAt,
    lastError: row.lastErrorCode ? { code: row.lastErrorCode, message: row.lastErrorMessage } : null,
    workflowId: row.workflowId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function mapSubscriptionError(err: unknown, subscriptionId: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw apiErrorFor(err.cause);
  // An ended workflow answers "not found" with this message: the subscription exists, it has ended.
  const message = err instanceof Error ? err.message : String(err);
  if (/workflow execution already completed/i.test(message)) throw new ApiError(409, 'subscription_closed', `The subscription ${subscriptionId} has ended; nothing more can be done`);
  if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'subscription_not_found', `No subscription ${subscriptionId}`);
  throw err;
}

/**
 * The admin use-cases of every shop: `forShop(shopId)` is one shop's (docs/shops.md). Its every read and action
 * names that shop, so nothing of another shop is reachable through it: another shop's order is "not found".
 */
export function createAdminService(deps: AdminServiceDeps) {
  const shops = new Map<string, ShopAdminService>();
  return {
    forShop(shopId: string): ShopAdminService {
      let s = shops.get(shopId);
      if (!s) shops.set(shopId, (s = shopAdminService(deps, shopId)));
      return s;
    },
  };
}

function shopAdminService(deps: AdminServiceDeps, shopId: string) {
  const orders = deps.orders.forShop(shopId);
  const fromEnvironment = shopId === DEFAULT_SHOP_ID && deps.credentialsFromEnvironment === true;
  const subscriptionHandle = (id: string) => deps.client.workflow.getHandle(subscriptionWorkflowId(shopId, id));
  const actOnSubscription = <R, A>(id: string, def: UpdateDefinition<R, [A]>, args: A & { requestId: string }, waitMs: number) =>
    sendUpdate(deps.client, subscriptionHandle(id), def, args, { updateId: fingerprintedUpdateId(def.name, args.requestId, JSON.stringify(args)), waitMs }, (err) => mapSubscriptionError(err, id));

  /** The credentials the shop signs with (never the private key) and any entered on its settings screen. */
  async function credentialsAnswer() {
    const shop = await deps.prisma.shop.findUnique({ where: { shopId } });
    const active = await deps.merchants.forShop(shopId).then(
      (m) => credentialsView(m.config),
      () => undefined,
    );
    const stored = shop?.merchantId ? { merchantId: shop.merchantId, storeId: shop.storeId, publicKeyId: shop.publicKeyId, region: shop.region, sandbox: shop.sandbox, privateKey: 'configured', updatedAt: shop.credentialsUpdatedAt } : null;
    return {
      ...(active ?? { endpoint: null, region: null, sandbox: null, merchantId: null, storeId: null, publicKeyId: null, privateKey: 'not configured' }),
      source: fromEnvironment ? 'environment' : stored ? 'settings' : active ? 'simulator' : 'none',
      stored,
      // A change applies to the next Amazon call of every process (lib/amazon-pay-engine.ts MERCHANT_REVALIDATE_MS).
      restartRequired: false,
    };
  }

  return {
    /** Orders with their payment status, newest first; `query` as GET /api/admin/orders takes it. */
    async listOrders(query: unknown) {
      const q = listOrdersQuerySchema.parse(query);
      const and: Prisma.OrderWhereInput[] = [{ shopId }];
      // 継続課金 lists the orders of recurring permissions (a checkout not paid yet has none); their own status says what their charge did.
      if (q.paymentStatus === 'Recurring') and.push({ recurring: true, chargePermissionId: { not: null } });
      else if (q.paymentStatus) and.push({ paymentStatus: q.paymentStatus });
      if (q.orderStatus) and.push({ orderStatus: q.orderStatus });
      if (q.from) and.push({ createdAt: { gte: new Date(q.from) } });
      if (q.to) and.push({ createdAt: { lt: new Date(q.to) } });
      if (q.q) and.push({ OR: [{ orderId: { contains: q.q, mode: 'insensitive' } }, { buyerEmail: { contains: q.q, mode: 'insensitive' } }] });
      if (q.cursor) {
        const c = decodeCursor(q.cursor);
        and.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, orderId: { lt: c.orderId } }] });
      }
      const rows = await deps.prisma.order.findMany({ where: { AND: and }, orderBy: [{ createdAt: 'desc' }, { orderId: 'desc' }], take: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return wire({
        orders: page.map((o) => ({
          orderId: o.orderId,
          paymentStatus: o.paymentStatus,
          orderStatus: o.orderStatus,
          paymentIntent: o.paymentIntent,
          amount: money(o.amount, o.currency),
          authorized: money(o.authorizedAmount, o.currency),
          captured: money(o.capturedAmount, o.currency),
          refunded: money(o.refundedAmount, o.currency),
          buyerName: o.buyerName,
          buyerEmail: o.buyerEmail,
          chargePermissionId: o.chargePermissionId,
          chargeId: o.chargeId,
          authorizationExpiresAt: o.authorizationExpiresAt,
          // 継続課金: the subscription this order charged for and its period (1 = the checkout that opened it).
          recurring: o.recurring,
          subscriptionId: o.subscriptionId,
          recurringPeriod: o.recurringPeriod,
          createdAt: o.createdAt,
          updatedAt: o.updatedAt,
        })),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.orderId) : null,
      });
    },

    /** An order's payment: the workflow's state (with its allowedActions), history, disputes, trackers, checkout facts. */
    async orderDetail(orderIdInput: unknown) {
      const orderId = orderIdSchema.parse(orderIdInput);
      const [state, rows, disputes, trackers, memo, row] = await Promise.all([
        orders.state(orderId),
        deps.prisma.paymentHistory.findMany({ where: { shopId, orderId }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] }),
        deps.prisma.dispute.findMany({ where: { shopId, orderId }, orderBy: { createdAt: 'asc' } }),
        deps.prisma.deliveryTracker.findMany({ where: { shopId, orderId }, orderBy: { id: 'asc' } }),
        orders.memo(orderId).catch(() => ({}) as Record<string, unknown>),
        deps.prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { subscriptionId: true, recurringPeriod: true } }),
      ]);
      const subscription = row?.subscriptionId ? await deps.prisma.subscription.findUnique({ where: { shopId_subscriptionId: { shopId, subscriptionId: row.subscriptionId } } }) : null;
      // The database holds every history row; the workflow's copy may be trimmed after continue-as-new.
      const history =
        rows.length >= state.history.length
          ? rows.map((r) => ({
              at: r.occurredAt.toISOString(),
              kind: r.kind,
              amazonObjectId: r.amazonObjectId,
              amount: r.amount === null ? null : money(r.amount, r.currency ?? state.currency),
              result: r.result,
              message: r.message,
              debugDetail: r.debugDetail,
              requestedBy: r.requestedByKeyId ? { keyId: r.requestedByKeyId, name: r.requestedByName } : null,
              approvedBy: r.approvedByKeyId ? { keyId: r.approvedByKeyId, name: r.approvedByName } : null,
            }))
          : state.history.map((h) => ({
              at: h.at,
              kind: h.kind,
              amazonObjectId: h.amazonObjectId ?? null,
              amount: h.amount === undefined ? null : money(h.amount, h.currency),
              result: h.result,
              message: h.message ?? null,
              debugDetail: h.debugDetail ?? null,
              requestedBy: h.requestedBy ? { keyId: h.requestedBy.keyId, name: h.requestedBy.name } : null,
              approvedBy: h.approvedBy ? { keyId: h.approvedBy.keyId, name: h.approvedBy.name } : null,
            }));
      const warnings = disputes.some((d) => d.addressSource !== 'amazon') ? [NO_PROTECTION_WARNING] : [];
      return wire({
        ...detailFromState(state),
        checkout: checkoutFromMemo(memo),
        recurring: row?.subscriptionId ? { subscriptionId: row.subscriptionId, period: row.recurringPeriod, subscription: subscription ? subscriptionView(subscription) : null } : null,
        history,
        pendingApprovals: (state.pendingApprovals ?? []).map((a) => ({ ...a, amount: money(a.amount, a.currency) })),
        disputes: disputes.map(disputeView),
        deliveryTrackers: trackers.map(deliveryTrackerView),
        warnings,
      });
    },

    /**
     * Capture, cancel or refund, sent to the order's workflow as an update keyed by the caller's requestId, so Temporal
     * and the workflow both recognise a repeat and answer it with the first result. An amount comes as {amount,
     * currency}; the bare integer is deprecated (the reply says so in its headers).
     */
    async act(orderIdInput: unknown, action: OrderAction, bodyInput: unknown, waitMs?: number, actor?: Actor): Promise<ActionReply> {
      const orderId = orderIdSchema.parse(orderIdInput);
      // A request in the deprecated shape (a bare number) is told so, also when it is refused, at the edge or later.
      const bare = action !== 'cancel' && typeof (bodyInput as { amount?: unknown } | null | undefined)?.amount === 'number';
      const headers: Record<string, string> = bare ? { ...AMOUNT_DEPRECATION_HEADERS } : {};
      try {
        let args: { requestId: string; amount?: number; currency?: string; reason?: string; actor?: Actor; approval?: { ttlMs: number } };
        if (action === 'cancel') {
          args = cancelSchema.parse(bodyInput ?? {});
        } else {
          const body = (action === 'capture' ? captureSchema : refundSchema).parse(bodyInput ?? {});
          const a = amountOf(body.amount);
          args = { requestId: body.requestId, amount: a.amount, ...(a.currency ? { currency: a.currency } : {}) };
        }
        const updateId = moneyUpdateId(action, args);
        if (actor) args.actor = actor;
        // A refund above the shop's threshold waits for a second editor (the settings as they are now, not cached).
        if (action === 'refund' && args.amount !== undefined) {
          const order = await refundContext(deps.prisma, shopId, orderId);
          const approval = order ? refundApprovalFor(order.settings, args.amount, order.currency) : undefined;
          if (approval) args.approval = approval;
        }
        const def = (action === 'capture' ? capture : action === 'cancel' ? cancel : refund) as UpdateDefinition<unknown, [typeof args]>;
        const outcome = await orders.act(orderId, def, args, { updateId, waitMs: waitOf(waitMs) });
        // Waiting for approval is an accepted request, not a finished one: 202 with the approval to decide.
        const waiting = outcome.done ? (outcome.result as { approval?: ApprovalView } | undefined)?.approval : undefined;
        if (waiting) return { status: 202, headers, body: wire({ status: 'approval_required', requestId: args.requestId, approval: { ...waiting, amount: money(waiting.amount, waiting.currency) }, message: 'The refund waits for another editor to approve it (POST …/refund-approvals/{approvalId}/approve)' }) };
        return reply(args.requestId, outcome, {}, headers);
      } catch (err) {
        const known = bare && err instanceof ZodError ? knownErrorAnswer(err) : undefined;
        const refusal = known ? new ApiError(known.status, known.body.error.code, known.body.error.message, known.body.error.details) : err;
        if (refusal instanceof ApiError) Object.assign(refusal.headers, headers);
        throw refusal;
      }
    },

    /** The order status (may capture or cancel when linked); Shipped with a tracking number also starts the delivery tracker. */
    /** A second editor approves or rejects a refund waiting for approval; the requester cannot (403). */
    async decideApproval(orderIdInput: unknown, approvalIdInput: unknown, decision: 'approve' | 'reject', bodyInput: unknown, actor: Actor, waitMs?: number): Promise<ActionReply> {
      const orderId = orderIdSchema.parse(orderIdInput);
      const approvalId = approvalIdSchema.parse(approvalIdInput);
      const body = approvalDecisionSchema.parse(bodyInput ?? {});
      const outcome =
        decision === 'approve'
          ? await orders.act(orderId, approveRefund, { approvalId, actor }, { updateId: `approve:${approvalId}`, waitMs: waitOf(waitMs) })
          : await orders.act(orderId, rejectRefund, { approvalId, actor, ...(body.reason ? { reason: body.reason } : {}) }, { updateId: `reject:${approvalId}`, waitMs: waitOf(waitMs) });
      return reply(undefined, outcome, { approvalId });
    },

    /** Refunds waiting for approval, across orders, oldest first (docs/product-rules.md, Refund approval). */
    async pendingApprovals() {
      const rows = await deps.prisma.order.findMany({ where: { shopId, NOT: { pendingApprovals: { equals: [] } } }, select: { orderId: true, pendingApprovals: true }, orderBy: { createdAt: 'asc' }, take: 500 });
      const approvals = rows.flatMap((r) => (r.pendingApprovals as unknown as ApprovalView[]).map((a) => ({ orderId: r.orderId, ...a, amount: money(a.amount, a.currency) })));
      return wire({ approvals: approvals.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)) });
    },

    async setOrderStatus(orderIdInput: unknown, bodyInput: unknown, waitMs?: number, actor?: Actor): Promise<ActionReply> {
      const orderId = orderIdSchema.parse(orderIdInput);
      const body = orderStatusSchema.parse(bodyInput);
      let chargePermissionId: string | undefined;
      if (body.carrierCode !== undefined && body.trackingNumber !== undefined) {
        if (!deps.deliveryTracking) throw new ApiError(501, 'delivery_tracking_unavailable', 'Delivery tracking is not configured on this engine');
        chargePermissionId = (await orders.state(orderId)).chargePermissionId;
        if (!chargePermissionId) throw new ApiError(409, 'invalid_state', 'The order has no Amazon payment yet; a tracking number can be sent once it is paid');
      }
      const outcome = await orders.act(orderId, setOrderStatus, { status: body.status, ...(actor ? { actor } : {}) }, { waitMs: waitOf(waitMs) });
      // The shipment goes to Amazon in its own workflow: retried there, never holding up the order's payment.
      const tracker =
        chargePermissionId && body.carrierCode && body.trackingNumber && deps.deliveryTracking
          ? await deps.deliveryTracking.start({ shopId, orderId, chargePermissionId, carrierCode: body.carrierCode, trackingNumber: body.trackingNumber })
          : undefined;
      return reply(undefined, outcome, tracker ? { deliveryTracker: deliveryTrackerView(tracker) } : {});
    },

    /**
     * The pre-payment log (docs/product-rules.md, Recovery and logs): calls whose outcome is unknown (still pending) or that
     * succeeded at Amazon for an order whose payment never got past checkout here.
     */
    async recovery() {
      const rows = await deps.prisma.prePaymentLog.findMany({
        where: { shopId, OR: [{ status: 'pending' }, { status: 'succeeded', order: { paymentStatus: { in: ['CheckoutPending', 'Abandoned', 'Declined'] } } }] },
        include: { order: { select: { paymentStatus: true, orderStatus: true } } },
        orderBy: { createdAt: 'desc' },
        take: 500,
      });
      return wire({
        entries: rows.map((r) => ({
          id: r.id.toString(),
          orderId: r.orderId,
          action: r.action,
          status: r.status,
          resultCode: r.resultCode,
          amount: money(r.amount, r.currency),
          checkoutSessionId: r.checkoutSessionId,
          chargePermissionId: r.chargePermissionId,
          chargeId: r.chargeId,
          createdAt: r.createdAt,
          orderPaymentStatus: r.order.paymentStatus,
          redrive: `/api/admin/recovery/${r.id.toString()}/redrive`,
        })),
      });
    },

    /** Makes the order's workflow re-read Amazon's object for a recovery entry and apply what it finds (never a direct DB write). */
    async redrive(idInput: unknown): Promise<ActionReply> {
      const id = z.string().regex(/^\d{1,18}$/, 'expected a recovery entry id').parse(idInput);
      const row = await deps.prisma.prePaymentLog.findFirst({ where: { id: BigInt(id), shopId } });
      if (!row) throw new ApiError(404, 'not_found', `No recovery entry ${id}`);
      const objectId = row.chargeId ?? row.chargePermissionId;
      if (!objectId) throw new ApiError(409, 'nothing_to_redrive', 'Amazon gave no object id for this call; the workflow retries it by itself');
      const outcome = await orders.act(row.orderId, amazonNotification, { objectType: row.chargeId ? 'CHARGE' : 'CHARGE_PERMISSION', objectId, notificationId: `redrive-${id}-${Date.now()}` }, { waitMs: REDRIVE_WAIT_MS });
      return reply(undefined, outcome);
    },

    async settings() {
      const settings = await readSettings(deps.prisma, shopId);
      return wire({ settings, warnings: settingsWarnings(settings), amazonPay: await credentialsAnswer() });
    },

    /** A partial settings change, with credentials as {amazonPay: {...}} or top-level fields; all validated before any is written. */
    async updateSettings(bodyInput: unknown) {
      const body = { ...((bodyInput ?? {}) as Record<string, unknown>) };
      const legacy = legacyMwsFields(body);
      if (legacy.length > 0) throw new ApiError(422, 'legacy_mws_keys', LEGACY_MWS_MESSAGE, { fields: legacy });
      const envOnly = ['region', 'sandbox', 'endpoint'].filter((k) => k in body);
      if (envOnly.length > 0) throw new ApiError(422, 'environment_setting', 'Region, environment and endpoint are set with AMAZON_PAY_REGION, AMAZON_PAY_SANDBOX and AMAZON_PAY_ENDPOINT', { fields: envOnly });
      // Credentials come as {amazonPay: {...}} or as top-level fields; the private key is write-only.
      const credentialKeys = ['merchantId', 'storeId', 'publicKeyId', 'privateKey'];
      const topLevel = Object.fromEntries(credentialKeys.filter((k) => k in body).map((k) => [k, body[k]]));
      for (const k of credentialKeys) delete body[k];
      const nested = body.amazonPay;
      delete body.amazonPay;
      const credentials = nested !== undefined ? nested : Object.keys(topLevel).length > 0 ? topLevel : undefined;
      if (credentials !== undefined && fromEnvironment) {
        throw new ApiError(409, 'credentials_from_environment', 'Amazon Pay credentials are set by the AMAZON_PAY_* variables on this server, which take precedence; change them there');
      }
      if (credentials !== undefined) await assertMerchantOfNoOtherShop(deps.merchants, shopId, credentials);
      // The whole body (settings and credentials) is validated before either is written, then both go in one transaction.
      const settings = await updateSettings(deps.prisma, deps.secretBox, shopId, body, credentials);
      if (credentials !== undefined) deps.merchants.forget(shopId);
      return wire({ settings, warnings: settingsWarnings(settings), amazonPay: await credentialsAnswer() });
    },

    /** 継続課金: the subscriptions, newest first; `query` as GET /api/admin/subscriptions takes it. */
    async listSubscriptions(query: unknown) {
      const q = listSubscriptionsQuerySchema.parse(query);
      const rows = await deps.prisma.subscription.findMany({ where: { shopId, ...(q.status ? { status: q.status } : {}) }, orderBy: [{ createdAt: 'desc' }, { subscriptionId: 'desc' }], take: q.limit });
      return wire({ subscriptions: rows.map(subscriptionView) });
    },

    /** A subscription with its per-period orders, failed periods and the events sent to the shop. */
    async subscriptionDetail(idInput: unknown) {
      const id = subscriptionIdSchema.parse(idInput);
      const [row, orders, events] = await Promise.all([
        deps.prisma.subscription.findUnique({ where: { shopId_subscriptionId: { shopId, subscriptionId: id } } }),
        deps.prisma.order.findMany({ where: { shopId, subscriptionId: id }, orderBy: { recurringPeriod: 'asc' } }),
        eventsWithDeliveries(deps.prisma, { shopId, subscriptionId: id }, { take: 50 }),
      ]);
      if (!row) throw new ApiError(404, 'subscription_not_found', `No subscription ${id}`);
      // The workflow's own view (the projection may lag by one write); an ended subscription answers from the database.
      const live: SubscriptionState | undefined = await subscriptionHandle(id)
        .query(subscriptionState)
        .catch(() => undefined);
      return wire({
        ...subscriptionView(row),
        ...(live ? { status: live.status, nextChargeAt: live.nextChargeAt ?? null, lastError: live.lastError ?? null } : {}),
        // 継続課金: the details per charge, one order each (period 1 is the checkout).
        charges: orders.map((o) => ({
          period: o.recurringPeriod,
          orderId: o.orderId,
          paymentStatus: o.paymentStatus,
          amount: money(o.amount, o.currency),
          captured: money(o.capturedAmount, o.currency),
          refunded: money(o.refundedAmount, o.currency),
          chargeId: o.chargeId,
          createdAt: o.createdAt,
        })),
        failures: (live?.periods ?? []).filter((p) => !orders.some((o) => o.recurringPeriod === p.period && o.paymentStatus !== 'Declined') && p.result !== 'Captured' && p.result !== 'Authorized'),
        events: events.map((e) => ({ eventId: e.id, type: e.type, seq: e.seq, status: e.delivery, attempts: e.deliveries.reduce((n, d) => n + d.attempts, 0), lastError: e.deliveries.find((d) => d.lastError)?.lastError ?? null, createdAt: e.createdAt, deliveredAt: e.deliveries.find((d) => d.deliveredAt)?.deliveredAt ?? null })),
      });
    },

    /** Pause, resume, cancel (closes the permission) or charge one period now, keyed by the caller's requestId. */
    async subscriptionAct(idInput: unknown, action: SubscriptionAction, bodyInput: unknown, waitMs?: number): Promise<ActionReply> {
      const id = subscriptionIdSchema.parse(idInput);
      if (action === 'charge') {
        const body = chargeNowSchema.parse(bodyInput ?? {});
        const row = await deps.prisma.subscription.findUnique({ where: { shopId_subscriptionId: { shopId, subscriptionId: id } } });
        if (!row) throw new ApiError(404, 'subscription_not_found', `No subscription ${id}`);
        const mismatch = body.amount && currencyMismatchError(body.amount.currency, row.currency);
        if (mismatch) throw mismatch;
        const args = { requestId: body.requestId, ...(body.amount ? { amount: body.amount.amount } : {}) };
        return reply(body.requestId, await actOnSubscription(id, chargeNow, args, waitOf(waitMs, CHARGE_WAIT_MS)));
      }
      const wait = waitOf(waitMs, SUBSCRIPTION_WAIT_MS);
      if (action === 'cancel') {
        const body = cancelSubscriptionSchema.parse(bodyInput ?? {});
        return reply(body.requestId, await actOnSubscription(id, cancelSubscription, body, wait));
      }
      const body = subscriptionActionSchema.parse(bodyInput ?? {});
      return reply(body.requestId, await actOnSubscription(id, action === 'pause' ? pauseSubscription : resumeSubscription, body, wait));
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
export type ShopAdminService = ReturnType<typeof shopAdminService>;

/** What an admin may see of the credentials: never the private key itself. */
function credentialsView(m: AmazonPayConfig) {
  return {
    endpoint: m.endpoint,
    region: m.region,
    sandbox: m.sandbox,
    merchantId: m.merchantId ?? null,
    storeId: m.storeId ?? null,
    publicKeyId: m.publicKeyId ?? null,
    privateKey: m.privateKey ? 'configured' : 'missing',
  };
}

/** Checkout facts the order's workflow carries in its memo: how it was paid for and what the quick checkout page said. */
function checkoutFromMemo(memo: Record<string, unknown>) {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const addressSource = str(memo.addressSource);
  return {
    mode: str(memo.checkoutMode) ?? 'standard',
    /** "amazon" (chargeback protection applies) or "buyer"; null for orders started before it was recorded. */
    addressSource,
    chargebackProtection: addressSource === null ? null : addressSource === 'amazon',
    placement: str(memo.placement),
    note: str(memo.note),
    customFields: typeof memo.customFields === 'object' && memo.customFields !== null ? memo.customFields : null,
  };
}

export const LEGACY_MWS_MESSAGE =
  'MWS keys (access key id, secret access key, auth token) belong to the retired Amazon Pay v1 API and are not accepted; use the API v2 credentials: amazonPay: {merchantId, storeId, publicKeyId, privateKey} (a key pair created in Seller Central)';

const LEGACY_NAMES = new Set(['accesskey', 'accesskeyid', 'secretkey', 'secretaccesskey', 'awsaccesskeyid', 'awssecretaccesskey', 'awssecretkey', 'authtoken']);

/**
 * Fields of a settings update that are v1 (MWS) credentials, at the top level or inside
 * `amazonPay`, however spelt (mwsAccessKey, mws_access_key_id, secretAccessKey, …), and a v1
 * access key (AKIA…) given as the public key id.
 */
export function legacyMwsFields(body: Record<string, unknown>): string[] {
  const isLegacy = (k: string) => {
    const n = k.toLowerCase().replace(/[^a-z]/g, '');
    return n.startsWith('mws') || LEGACY_NAMES.has(n);
  };
  const out = Object.keys(body).filter(isLegacy);
  const nested = body.amazonPay;
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
    const n = nested as Record<string, unknown>;
    out.push(...Object.keys(n).filter(isLegacy).map((k) => `amazonPay.${k}`));
    if (typeof n.publicKeyId === 'string' && /^AKIA[A-Z0-9]{12,}$/.test(n.publicKeyId)) out.push('amazonPay.publicKeyId');
  }
  if (typeof body.publicKeyId === 'string' && /^AKIA[A-Z0-9]{12,}$/.test(body.publicKeyId)) out.push('publicKeyId');
  return out;
}

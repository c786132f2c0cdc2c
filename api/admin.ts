/**
 * Admin endpoints: order list and detail (role `viewer`), capture / cancel / refund / order status
 * (role `editor`) sent to the order's workflow as updates keyed by the caller's requestId, the
 * pre-payment recovery log, and the shop settings. The detail includes the order's disputes and
 * delivery trackers; Shipped with a tracking number also starts the delivery tracker workflow.
 */
import { Router, type Request, type Response } from 'express';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import type { AmazonPayConfig } from '../lib/config';
import { readStoredCredentials } from '../lib/merchant-credentials';
import { readSettings, settingsWarnings, updateSettings } from '../lib/settings';
import type { Prisma, PrismaClient } from '../prisma/generated/client';
import { amazonNotification, cancel, capture, refund, setOrderStatus } from '../workflows/messages';
import type { OrderPaymentState } from '../workflows/types';
import { requestFingerprint } from '../workflows/validators';
import { requireRole } from './auth';
import { deliveryTrackerView, type DeliveryTrackingStarter } from './delivery-tracking';
import { disputeView, NO_PROTECTION_WARNING } from './disputes';
import { subscriptionView } from './subscriptions';
import { ApiError } from './errors';
import { fingerprintedUpdateId, type ActionOutcome, type OrdersGateway } from './orders';
import { cancelSchema, captureSchema, listOrdersQuerySchema, orderIdSchema, orderStatusSchema, refundSchema, waitQuerySchema } from './schemas';

export interface AdminDeps {
  prisma: PrismaClient;
  orders: OrdersGateway;
  merchant: AmazonPayConfig;
  /** The AMAZON_PAY_* variables hold the credentials (then the settings screen cannot change them). */
  credentialsFromEnvironment?: boolean;
  /** Sends carrier and tracking number to Amazon when an order is shipped (absent: not sent). */
  deliveryTracking?: DeliveryTrackingStarter;
}

/** Even with waitMs=0 an action that is already finished (a repeated requestId) answers 200. */
const MIN_WAIT_MS = 150;

/** Amounts are BIGINT in the database (bounded far below 2^53 by Amazon's maximum): JSON carries them as numbers. */
const money = (amount: number | bigint, currency: string) => ({ amount: Number(amount), currency });

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

/** The update id of a money request: its requestId and the workflow's fingerprint of its parameters. */
function moneyUpdateId(action: 'capture' | 'cancel' | 'refund', body: { requestId: string; amount?: number; reason?: string }): string {
  return fingerprintedUpdateId(action, body.requestId, requestFingerprint(action, body as Parameters<typeof requestFingerprint>[1]));
}

function answer<R>(res: Response, requestId: string | undefined, outcome: ActionOutcome<R>, extra: Record<string, unknown> = {}): void {
  if (outcome.done) res.status(200).json({ status: 'completed', ...(requestId ? { requestId } : {}), result: outcome.result, ...extra });
  else res.status(202).json({ status: 'accepted', ...(requestId ? { requestId } : {}), ...extra, message: 'The action was accepted; repeat the request with the same requestId (or ?waitMs=) to get its result' });
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

export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  const viewer = requireRole(deps.prisma, 'viewer');
  const editor = requireRole(deps.prisma, 'editor');
  const orderIdOf = (req: Request) => orderIdSchema.parse(req.params.orderId);
  const waitOf = (req: Request) => Math.max(MIN_WAIT_MS, waitQuerySchema.parse(req.query).waitMs ?? 0);

  router.get('/api/admin/orders', viewer, async (req: Request, res: Response) => {
    const q = listOrdersQuerySchema.parse(req.query);
    const and: Prisma.OrderWhereInput[] = [];
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
    res.json({
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
  });

  router.get('/api/admin/orders/:orderId', viewer, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const [state, rows, disputes, trackers, memo, row] = await Promise.all([
      deps.orders.state(orderId),
      deps.prisma.paymentHistory.findMany({ where: { orderId }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] }),
      deps.prisma.dispute.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } }),
      deps.prisma.deliveryTracker.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
      deps.orders.memo(orderId).catch(() => ({}) as Record<string, unknown>),
      deps.prisma.order.findUnique({ where: { orderId }, select: { subscriptionId: true, recurringPeriod: true } }),
    ]);
    const subscription = row?.subscriptionId ? await deps.prisma.subscription.findUnique({ where: { subscriptionId: row.subscriptionId } }) : null;
    // The database holds every history row; the workflow's copy may be trimmed after continue-as-new.
    const history =
      rows.length >= state.history.length
        ? rows.map((r) => ({ at: r.occurredAt.toISOString(), kind: r.kind, amazonObjectId: r.amazonObjectId, amount: r.amount === null ? null : money(r.amount, r.currency ?? state.currency), result: r.result, message: r.message, debugDetail: r.debugDetail }))
        : state.history.map((h) => ({ at: h.at, kind: h.kind, amazonObjectId: h.amazonObjectId ?? null, amount: h.amount === undefined ? null : money(h.amount, h.currency), result: h.result, message: h.message ?? null, debugDetail: h.debugDetail ?? null }));
    const warnings = disputes.some((d) => d.addressSource !== 'amazon') ? [NO_PROTECTION_WARNING] : [];
    res.json({
      ...detailFromState(state),
      checkout: checkoutFromMemo(memo),
      recurring: row?.subscriptionId ? { subscriptionId: row.subscriptionId, period: row.recurringPeriod, subscription: subscription ? subscriptionView(subscription) : null } : null,
      history, disputes: disputes.map(disputeView), deliveryTrackers: trackers.map(deliveryTrackerView), warnings });
  });

  // Money-moving actions: the update id is derived from the caller's requestId, so Temporal and the
  // workflow both recognise a repeat and answer it with the first result.
  const moneyActions = [
    { path: 'capture', key: 'capture', schema: captureSchema, def: capture },
    { path: 'cancel', key: 'cancel', schema: cancelSchema, def: cancel },
    { path: 'refunds', key: 'refund', schema: refundSchema, def: refund },
  ] as const;
  for (const action of moneyActions) {
    router.post(`/api/admin/orders/:orderId/${action.path}`, editor, async (req: Request, res: Response) => {
      const orderId = orderIdOf(req);
      const body = action.schema.parse(req.body ?? {});
      const update = action.def as UpdateDefinition<unknown, [typeof body]>;
      answer(res, body.requestId, await deps.orders.act(orderId, update, body, { updateId: moneyUpdateId(action.key, body), waitMs: waitOf(req) }));
    });
  }

  router.post('/api/admin/orders/:orderId/status', editor, async (req: Request, res: Response) => {
    const orderId = orderIdOf(req);
    const body = orderStatusSchema.parse(req.body);
    let chargePermissionId: string | undefined;
    if (body.carrierCode !== undefined && body.trackingNumber !== undefined) {
      if (!deps.deliveryTracking) throw new ApiError(501, 'delivery_tracking_unavailable', 'Delivery tracking is not configured on this engine');
      chargePermissionId = (await deps.orders.state(orderId)).chargePermissionId;
      if (!chargePermissionId) throw new ApiError(409, 'invalid_state', 'The order has no Amazon payment yet; a tracking number can be sent once it is paid');
    }
    const outcome = await deps.orders.act(orderId, setOrderStatus, { status: body.status }, { waitMs: waitOf(req) });
    // The shipment goes to Amazon in its own workflow: retried there, never holding up the order's payment.
    const tracker =
      chargePermissionId && body.carrierCode && body.trackingNumber && deps.deliveryTracking
        ? await deps.deliveryTracking.start({ orderId, chargePermissionId, carrierCode: body.carrierCode, trackingNumber: body.trackingNumber })
        : undefined;
    answer(res, undefined, outcome, tracker ? { deliveryTracker: deliveryTrackerView(tracker) } : {});
  });

  router.get('/api/admin/recovery', viewer, async (_req: Request, res: Response) => {
    // Calls whose outcome is unknown (still pending) or that succeeded at Amazon for an order whose
    // payment never got past checkout here: the cases SPEC §7's pre-payment log exists for.
    const rows = await deps.prisma.prePaymentLog.findMany({
      where: { OR: [{ status: 'pending' }, { status: 'succeeded', order: { paymentStatus: { in: ['CheckoutPending', 'Abandoned', 'Declined'] } } }] },
      include: { order: { select: { paymentStatus: true, orderStatus: true } } },
      orderBy: { createdAt: 'desc' },
      take: 500,
    });
    res.json({
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
  });

  router.post('/api/admin/recovery/:id/redrive', editor, async (req: Request, res: Response) => {
    const id = z.string().regex(/^\d{1,18}$/, 'expected a recovery entry id').parse(req.params.id);
    const row = await deps.prisma.prePaymentLog.findUnique({ where: { id: BigInt(id) } });
    if (!row) throw new ApiError(404, 'not_found', `No recovery entry ${id}`);
    const objectId = row.chargeId ?? row.chargePermissionId;
    if (!objectId) throw new ApiError(409, 'nothing_to_redrive', 'Amazon gave no object id for this call; the workflow retries it by itself');
    // The workflow re-reads the object from Amazon and applies what it finds (never a direct DB write).
    const outcome = await deps.orders.act(row.orderId, amazonNotification, { objectType: row.chargeId ? 'CHARGE' : 'CHARGE_PERMISSION', objectId, notificationId: `redrive-${id}-${Date.now()}` }, { waitMs: 10_000 });
    answer(res, undefined, outcome);
  });

  /** The active credentials (never the private key) and any entered on the settings screen. */
  async function credentialsAnswer() {
    const stored = await readStoredCredentials(deps.prisma);
    const active = credentialsView(deps.merchant);
    return {
      ...active,
      source: deps.credentialsFromEnvironment ? 'environment' : 'settings-or-simulator',
      stored: stored ? { merchantId: stored.merchantId, storeId: stored.storeId, publicKeyId: stored.publicKeyId, privateKey: 'configured', updatedAt: stored.updatedAt } : null,
      // Stored credentials are picked up when the worker and the API start.
      restartRequired: !deps.credentialsFromEnvironment && stored !== undefined && (stored.publicKeyId !== active.publicKeyId || stored.merchantId !== active.merchantId),
    };
  }

  router.get('/api/admin/settings', viewer, async (_req: Request, res: Response) => {
    const settings = await readSettings(deps.prisma);
    res.json({ settings, warnings: settingsWarnings(settings), amazonPay: await credentialsAnswer() });
  });

  router.put('/api/admin/settings', editor, async (req: Request, res: Response) => {
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    const legacy = legacyMwsFields(body);
    if (legacy.length > 0) {
      throw new ApiError(422, 'legacy_mws_keys', LEGACY_MWS_MESSAGE, { fields: legacy });
    }
    const envOnly = ['region', 'sandbox', 'endpoint'].filter((k) => k in body);
    if (envOnly.length > 0) throw new ApiError(422, 'environment_setting', 'Region, environment and endpoint are set with AMAZON_PAY_REGION, AMAZON_PAY_SANDBOX and AMAZON_PAY_ENDPOINT', { fields: envOnly });
    // Credentials come as {amazonPay: {...}} or as top-level fields; the private key is write-only.
    const credentialKeys = ['merchantId', 'storeId', 'publicKeyId', 'privateKey'];
    const topLevel = Object.fromEntries(credentialKeys.filter((k) => k in body).map((k) => [k, body[k]]));
    for (const k of credentialKeys) delete body[k];
    const nested = body.amazonPay;
    delete body.amazonPay;
    const credentials = nested !== undefined ? nested : Object.keys(topLevel).length > 0 ? topLevel : undefined;
    if (credentials !== undefined) {
      if (deps.credentialsFromEnvironment) {
        throw new ApiError(409, 'credentials_from_environment', 'Amazon Pay credentials are set by the AMAZON_PAY_* variables on this server, which take precedence; change them there');
      }
    }
    // The whole body (settings and credentials) is validated before either is written, then both go in one transaction.
    const settings = await updateSettings(deps.prisma, body, credentials);
    res.json({ settings, warnings: settingsWarnings(settings), amazonPay: await credentialsAnswer() });
  });

  return router;
}

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

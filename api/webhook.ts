/**
 * Amazon Pay instant notifications (`POST /api/webhooks/amazon-pay`), delivered by Amazon SNS.
 * A message is trusted only after its SNS signature and certificate origin are verified; even
 * then it is a hint: the object is re-read from Amazon, and it is Amazon's answer (not the
 * message) that names the order whose workflow is told. Duplicates and reordering are harmless:
 * notification ids are deduplicated here and in the workflow, which re-reads state anyway.
 * CHARGEBACK notifications are stored as disputes on the order (api/disputes.ts).
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { WebStoreClient } from '../lib/amazon-pay-client';
import type { ShopMerchants } from '../lib/amazon-pay-engine';
import type { Logger } from '../lib/logger';
import { SnsVerificationError, type SnsRefusal, type SnsVerifier } from '../lib/sns-verify';
import type { PrismaClient } from '../prisma/generated/client';
import { amazonNotification } from '../workflows/messages';
import type { ChargePermission, Refund } from '../activities/amazon-pay-api';
import { summarizePermission, summarizeRefund, type PermissionSummary, type RefundSummary } from '../activities/summaries';
import { recordDispute } from './disputes';
import { ApiError, errorBody, requestIdOf } from './errors';
import type { OrdersGateway } from './orders';
import type { SubscriptionNotifier } from './subscriptions';

export interface WebhookDeps {
  prisma: PrismaClient;
  orders: OrdersGateway;
  /** Routes a notification to its shop by the merchant id it names, and re-reads the object as that merchant. */
  merchants: ShopMerchants;
  verifier: SnsVerifier;
  log: Logger;
  /** Tells a subscription workflow its recurring permission changed (absent: permissions go to their orders only). */
  subscriptions?: SubscriptionNotifier;
}

const messageSchema = z.object({
  /** Routes the notification to its shop (docs/shops.md); a notification for no shop's merchant is refused. */
  MerchantID: z.string().min(1).max(100),
  ObjectType: z.enum(['CHARGE', 'REFUND', 'CHARGE_PERMISSION', 'CHARGEBACK']),
  ObjectId: z.string().min(1).max(200),
  ChargePermissionId: z.string().max(200).optional(),
  NotificationType: z.string().max(64).optional(),
  NotificationId: z.string().min(1).max(200),
  NotificationVersion: z.string().max(16).optional(),
});

interface AmazonObject {
  chargePermissionId?: string | null;
  chargeId?: string | null;
  merchantMetadata?: { merchantReferenceId?: string | null } | null;
  statusDetails?: { state?: string | null } | null;
}

/** What an unauthenticated sender is told for each refusal (the reason itself is logged). */
const REFUSALS: Record<SnsRefusal, { status: number; message: string }> = {
  malformed: { status: 400, message: 'The body is not a valid SNS message' },
  topic_not_allowed: { status: 403, message: 'Messages from this topic are not accepted' },
  stale_message: { status: 403, message: 'The message is too old, or dated in the future' },
  untrusted_certificate: { status: 403, message: 'The signing certificate is not trusted' },
  invalid_signature: { status: 403, message: 'The SNS signature does not verify' },
  certificate_unavailable: { status: 503, message: 'The signing certificate could not be read; deliver again later' },
};

/**
 * The notification is recorded once: INSERT … ON CONFLICT DO NOTHING (a concurrent delivery of the same notification
 * adds nothing).
 */
async function recordProcessed(
  prisma: PrismaClient,
  n: { notificationId: string; shopId: string; objectType: string; objectId: string; chargePermissionId: string | null; notificationType: string; orderId: string },
): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO processed_notifications (notification_id, shop_id, object_type, object_id, charge_permission_id, notification_type, order_id)
    VALUES (${n.notificationId}, ${n.shopId}, ${n.objectType}, ${n.objectId}, ${n.chargePermissionId}, ${n.notificationType}, ${n.orderId})
    ON CONFLICT (notification_id) DO NOTHING`;
}

export function webhookRoutes(deps: WebhookDeps): Router {
  const router = Router();
  const log = deps.log.child({ component: 'webhook' });

  /**
   * Where Amazon says the object belongs (re-read, never taken from the message): its charge
   * permission and the order id the engine gave Amazon as merchantReferenceId.
   */
  async function locate(amazonPay: WebStoreClient, objectType: string, objectId: string, owned: boolean): Promise<{ chargePermissionId?: string; orderId?: string; state?: string; refund?: RefundSummary; permission?: PermissionSummary }> {
    const reference = (o: AmazonObject) => o.merchantMetadata?.merchantReferenceId ?? undefined;
    const stateOf = (o: AmazonObject) => o.statusDetails?.state ?? undefined;
    if (objectType === 'CHARGE_PERMISSION') {
      const read = (await amazonPay.getChargePermission(objectId)).data;
      const permission = read as AmazonObject;
      // What was read goes to the order with the notification: a closed permission need not be read again there.
      return { chargePermissionId: objectId, orderId: reference(permission), state: stateOf(permission), permission: summarizePermission(read as ChargePermission) };
    }
    let chargeId = objectId;
    let state: string | undefined;
    let refundSummary: RefundSummary | undefined;
    if (objectType === 'REFUND') {
      const read = (await amazonPay.getRefund(objectId)).data;
      const refund = read as AmazonObject;
      if (!refund.chargeId) return {};
      chargeId = refund.chargeId;
      state = stateOf(refund);
      refundSummary = summarizeRefund(read as Refund);
      // A refund the engine made names its order in the owners table: its charge need not be read to find it.
      if (owned) return { state, refund: refundSummary };
    }
    const charge = (await amazonPay.getCharge(chargeId)).data as AmazonObject;
    return { chargePermissionId: charge.chargePermissionId ?? undefined, orderId: reference(charge), state: objectType === 'REFUND' ? state : stateOf(charge), ...(refundSummary ? { refund: refundSummary } : {}) };
  }

  router.post('/api/webhooks/amazon-pay', express.text({ type: () => true, limit: '64kb' }), async (req: Request, res: Response) => {
    let body: unknown = req.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        throw new ApiError(400, 'invalid_json', 'The notification body is not JSON');
      }
    }
    // This request's log lines carry its request id, the one the answers give the sender.
    const reqLog = (res.locals.log as Logger | undefined)?.child({ component: 'webhook' }) ?? log;
    let envelope;
    try {
      envelope = await deps.verifier.verify(body);
    } catch (err) {
      if (err instanceof SnsVerificationError) {
        // The caller is not authenticated yet: a fixed message per refusal, the reason (fetch errors included) in the log.
        const refusal = REFUSALS[err.code];
        reqLog.warn({ code: err.code, reason: err.message }, 'notification rejected');
        res.status(refusal.status).json(errorBody(`sns_${err.code}`, refusal.message, undefined, requestIdOf(res)));
        return;
      }
      throw err;
    }

    if (envelope.Type === 'SubscriptionConfirmation') {
      // Verified and from an accepted topic (the verifier's check): only then is the SubscribeURL visited.
      if (!envelope.SubscribeURL || !deps.verifier.isTrustedUrl(envelope.SubscribeURL)) throw new ApiError(400, 'sns_untrusted_subscribe_url', 'SubscribeURL is not on a trusted SNS host');
      const status = await deps.verifier.visit(envelope.SubscribeURL).catch((err: unknown) => {
        reqLog.warn({ topicArn: envelope.TopicArn, err: err instanceof Error ? err.message : String(err) }, 'SNS subscription confirmation failed');
        return undefined;
      });
      if (status !== 200) {
        if (status !== undefined) reqLog.warn({ topicArn: envelope.TopicArn, status }, 'SNS subscription confirmation failed');
        res.status(502).json(errorBody('sns_subscription_failed', 'The subscription could not be confirmed; send the confirmation again later', undefined, requestIdOf(res)));
        return;
      }
      reqLog.info({ topicArn: envelope.TopicArn, status }, 'SNS subscription confirmed');
      res.json({ status: 'subscribed' });
      return;
    }
    if (envelope.Type !== 'Notification') {
      res.json({ status: 'ignored' });
      return;
    }

    let parsed;
    try {
      parsed = messageSchema.safeParse(JSON.parse(envelope.Message));
    } catch {
      throw new ApiError(400, 'invalid_notification', 'The notification Message is not JSON');
    }
    if (!parsed.success) throw new ApiError(400, 'invalid_notification', 'The notification Message is not an Amazon Pay notification', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const m = parsed.data;
    const shopId = await deps.merchants.shopOfMerchant(m.MerchantID);
    if (shopId === undefined) throw new ApiError(400, 'wrong_merchant', 'The notification is for a merchant of no shop here');
    const orders = deps.orders.forShop(shopId);
    const { client: amazonPay } = await deps.merchants.forShop(shopId).catch(() => {
      throw new ApiError(503, 'amazon_unavailable', "The shop's Amazon Pay credentials cannot be used now; deliver again later");
    });

    // Raw statements on this path (here, the order and the record below): every notification of every order comes
    // through it, and a statement through the ORM costs the API several times the CPU (docs/benchmark.md).
    // One statement: whether it was handled before, and the order that claimed the charge or refund when the engine made
    // it (lib/amazon-object-owners.ts): that order is the one to tell, whatever else the object says.
    const ownedType = m.ObjectType === 'CHARGE' ? 'Charge' : m.ObjectType === 'REFUND' ? 'Refund' : null;
    const [first] = await deps.prisma.$queryRaw<Array<{ seen: boolean; owner: string | null }>>`
      SELECT EXISTS (SELECT 1 FROM processed_notifications WHERE notification_id = ${m.NotificationId}) AS seen,
        (SELECT order_id FROM amazon_object_owners WHERE object_id = ${m.ObjectId} AND shop_id = ${shopId} AND object_type = ${ownedType}) AS owner`;
    if (first.seen) {
      res.json({ status: 'duplicate' });
      return;
    }
    if (m.ObjectType === 'CHARGEBACK') {
      // The dispute is re-read from Amazon and stored on its order (docs/product-rules.md, Chargebacks); no money moves here.
      const { orderId, dispute } = await recordDispute({ prisma: deps.prisma, amazonPay, orders }, m.ObjectId);
      log.warn({ shopId, orderId, disputeId: dispute.disputeId, state: dispute.state, amount: dispute.amount, currency: dispute.currency, addressSource: dispute.addressSource }, 'chargeback recorded on the order');
      await recordProcessed(deps.prisma, { notificationId: m.NotificationId, shopId, objectType: m.ObjectType, objectId: m.ObjectId, chargePermissionId: m.ChargePermissionId ?? null, notificationType: m.NotificationType ?? 'STATE_CHANGE', orderId });
      res.json({ status: 'recorded', orderId, disputeId: dispute.disputeId });
      return;
    }

    const located = await locate(amazonPay, m.ObjectType, m.ObjectId, first.owner !== null).catch((err: unknown) => {
      const status = (err as { response?: { status?: number } }).response?.status;
      if (status === 404) throw new ApiError(404, 'unknown_object', 'Amazon does not know the notified object');
      throw new ApiError(503, 'amazon_unavailable', 'Could not re-read the object from Amazon Pay; deliver again later');
    });
    const chargePermissionId = located.chargePermissionId ?? null;
    // Who is told, in one statement. A permission: its first order, and its subscription too (継続課金: a recurring
    // permission belongs to it, and it re-reads it; closed or non-chargeable stops the charges); with no subscription
    // row yet but a paid opening checkout (milliseconds), SNS is asked to deliver again. A charge or refund: the order that claimed it, else the order Amazon
    // names (merchantReferenceId, the order id the engine gave it) if it holds the permission, else the permission's
    // first order. Several orders share a recurring permission; the projection knows the permission once the workflow
    // wrote it, until then Amazon's merchantReferenceId names the order.
    const isPermission = m.ObjectType === 'CHARGE_PERMISSION';
    const named = located.orderId && !isPermission ? located.orderId : null;
    const [holders] =
      first.owner !== null
        ? [{ subscription: null, opening: null, own: first.owner, first: null }]
        : chargePermissionId
          ? await deps.prisma.$queryRaw<Array<{ subscription: string | null; opening: string | null; own: string | null; first: string | null }>>`
          SELECT
            (SELECT workflow_id FROM subscriptions WHERE ${isPermission} AND shop_id = ${shopId} AND charge_permission_id = ${chargePermissionId} LIMIT 1) AS subscription,
            (SELECT order_id FROM orders WHERE ${isPermission} AND shop_id = ${shopId} AND charge_permission_id = ${chargePermissionId} AND recurring_period = 1
              AND payment_status IN ('Authorized', 'Captured', 'CapturePending', 'RefundPending', 'Refunded') LIMIT 1) AS opening,
            (SELECT order_id FROM orders WHERE shop_id = ${shopId} AND order_id = ${named} AND charge_permission_id = ${chargePermissionId}) AS own,
            (SELECT order_id FROM orders WHERE shop_id = ${shopId} AND charge_permission_id = ${chargePermissionId} ORDER BY created_at ASC LIMIT 1) AS first`
          : [];
    if (isPermission && holders?.subscription) {
      if (deps.subscriptions) await deps.subscriptions.permissionChanged(holders.subscription, m.NotificationId);
    } else if (isPermission && holders?.opening) {
      res.status(503).json(errorBody('subscription_not_yet_known', 'The subscription of this recurring permission is starting; deliver again later'));
      return;
    }
    const knownId = holders?.own ?? holders?.first ?? null;
    const order = knownId ? { orderId: knownId } : located.orderId ? { orderId: located.orderId } : null;
    if (!order) {
      res.status(503).json(errorBody('order_not_yet_known', 'No order for this charge permission yet; deliver again later'));
      return;
    }
    try {
      await orders.act(order.orderId, amazonNotification, { objectType: m.ObjectType, objectId: m.ObjectId, notificationId: m.NotificationId, source: 'ipn', ...(located.state ? { state: located.state } : {}), ...(located.refund ? { refund: located.refund } : {}), ...(located.permission ? { permission: located.permission } : {}) }, { updateId: `ipn:${m.NotificationId}`, waitMs: 0 });
    } catch (err) {
      // A finished order has nothing left to learn; anything else is retried by SNS.
      if (!(err instanceof ApiError && (err.code === 'order_closed' || err.code === 'invalid_state' || err.code === 'order_not_found'))) throw err;
    }
    await recordProcessed(deps.prisma, { notificationId: m.NotificationId, shopId, objectType: m.ObjectType, objectId: m.ObjectId, chargePermissionId, notificationType: m.NotificationType ?? 'STATE_CHANGE', orderId: order.orderId });
    log.info({ shopId, orderId: order.orderId, objectType: m.ObjectType, objectId: m.ObjectId, notificationId: m.NotificationId }, 'notification delivered to the order');
    res.json({ status: 'delivered', orderId: order.orderId });
  });
  return router;
}

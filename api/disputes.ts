/**
 * Chargebacks (docs/product-rules.md, Chargebacks): a CHARGEBACK notification names a dispute; the dispute and its charge are
 * re-read from Amazon, and the dispute is stored on the order with its state and amount. Protection
 * applies only when the order used the address Amazon selected (addressSource "amazon").
 */
import type { WebStoreClient } from '../lib/amazon-pay-client';
import { readSettings } from '../lib/settings';
import type { Dispute, PrismaClient } from '../prisma/generated/client';
import { appendEvents, lockEventStream } from '../lib/events';
import { fromAmazonAmount } from '../lib/money';
import { ApiError } from './errors';
import type { ShopOrders } from './orders';

interface AmazonDispute {
  disputeId: string;
  chargeId: string;
  filingReason?: string | null;
  disputeAmount: { amount: string; currencyCode: string };
  statusDetails: { state: string; reasonCode?: string | null };
}

interface AmazonCharge {
  chargePermissionId?: string | null;
  merchantMetadata?: { merchantReferenceId?: string | null } | null;
}

/** Amazon's dispute states after which nothing more happens to it. */
const DISPUTE_FINAL_STATES: ReadonlySet<string> = new Set(['Resolved', 'Closed']);

export const NO_PROTECTION_WARNING = 'This order used the buyer-entered address: Amazon Pay chargeback protection does not apply.';

export function disputeView(d: Dispute) {
  return {
    disputeId: d.disputeId,
    chargeId: d.chargeId,
    state: d.state,
    reasonCode: d.reasonCode,
    filingReason: d.filingReason,
    amount: { amount: Number(d.amount), currency: d.currency },
    addressSource: d.addressSource,
    protected: d.addressSource === 'amazon',
    warning: d.addressSource === 'amazon' ? null : NO_PROTECTION_WARNING,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

const unavailable = (err: unknown): never => {
  const status = (err as { response?: { status?: number } }).response?.status;
  if (status === 404) throw new ApiError(404, 'unknown_object', 'Amazon does not know the notified dispute');
  throw new ApiError(503, 'amazon_unavailable', 'Could not re-read the dispute from Amazon Pay; deliver again later');
};

/**
 * Re-reads the dispute and its charge from Amazon (as the shop's merchant: `amazonPay` signs as it) and stores it on
 * the shop's order; returns the order id. A dispute already stored for another shop's order is refused.
 */
export async function recordDispute(deps: { prisma: PrismaClient; amazonPay: WebStoreClient; orders: ShopOrders }, disputeId: string): Promise<{ orderId: string; dispute: Dispute }> {
  const shopId = deps.orders.shopId;
  const d = (await deps.amazonPay.getDispute<AmazonDispute>(disputeId).catch(unavailable)).data;
  const charge = (await deps.amazonPay.getCharge<AmazonCharge>(d.chargeId).catch(unavailable)).data;
  const byPermission = charge.chargePermissionId ? await deps.prisma.order.findFirst({ where: { shopId, chargePermissionId: charge.chargePermissionId }, select: { orderId: true } }) : null;
  const orderId = byPermission?.orderId ?? charge.merchantMetadata?.merchantReferenceId ?? undefined;
  const order = orderId ? await deps.prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { orderId: true } }) : null;
  if (!order) throw new ApiError(503, 'order_not_yet_known', 'No order for this dispute yet; deliver again later');
  const existing = await deps.prisma.dispute.findUnique({ where: { disputeId }, select: { addressSource: true, shopId: true } });
  if (existing && existing.shopId !== shopId) throw new ApiError(409, 'dispute_of_another_shop', 'The dispute belongs to another shop');
  let addressSource = existing?.addressSource;
  if (!addressSource) {
    const memo = await deps.orders.memo(order.orderId).catch(() => ({}) as Record<string, unknown>);
    addressSource = typeof memo.addressSource === 'string' ? memo.addressSource : (await readSettings(deps.prisma, shopId)).addressSource;
  }
  const currency = d.disputeAmount.currencyCode;
  const fields = {
    shopId,
    orderId: order.orderId,
    chargeId: d.chargeId,
    state: d.statusDetails.state,
    reasonCode: d.statusDetails.reasonCode ?? null,
    filingReason: d.filingReason ?? null,
    amount: fromAmazonAmount(d.disputeAmount.amount, currency),
    currency,
  };
  // The stored dispute and its event change together, under the order's event lock (two notifications for one
  // dispute never both count as its opening).
  const dispute = await deps.prisma.$transaction(async (tx) => {
    await lockEventStream(tx, { shopId, orderId: order.orderId });
    const before = await tx.dispute.findUnique({ where: { disputeId }, select: { state: true } });
    const row = await tx.dispute.upsert({ where: { disputeId }, create: { disputeId, addressSource: addressSource as string, ...fields }, update: fields });
    if (before?.state !== row.state) {
      const [{ paymentStatus }] = await tx.order.findMany({ where: { shopId, orderId: order.orderId }, select: { paymentStatus: true } });
      const changes = await tx.event.count({ where: { shopId, orderId: order.orderId, dedupeKey: { startsWith: `dispute:${disputeId}:` } } });
      await appendEvents(tx, { shopId, orderId: order.orderId }, [
        {
          dedupeKey: `dispute:${disputeId}:${changes + 1}`,
          type: before === null ? 'dispute.opened' : DISPUTE_FINAL_STATES.has(row.state) ? 'dispute.closed' : 'dispute.updated',
          paymentStatus,
          occurredAt: new Date(),
          data: {
            amount: { amount: Number(row.amount), currency: row.currency },
            amazon: { chargeId: row.chargeId, disputeId },
            disputeState: row.state,
            ...(before ? { previousDisputeState: before.state } : {}),
            ...(row.reasonCode ? { reasonCode: row.reasonCode } : {}),
            ...(row.filingReason ? { filingReason: row.filingReason } : {}),
            protected: row.addressSource === 'amazon',
          },
        },
      ]);
    }
    return row;
  });
  return { orderId: order.orderId, dispute };
}

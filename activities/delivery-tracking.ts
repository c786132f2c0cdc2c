// Sends a shipped order's carrier and tracking number to Amazon's deliveryTrackers API and records each attempt in delivery_trackers.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export interface DeliveryTrackerInput {
  /** delivery_trackers.id as a string (BigInt does not travel in payloads). */
  trackerId: string;
  orderId: string;
  chargePermissionId: string;
  carrierCode: string;
  trackingNumber: string;
}

interface DeliveryTrackersApi {
  deliveryTrackers(payload: object, headers?: Record<string, string> | null): Promise<{ status: number }>;
}

interface HttpFailure {
  response?: { status?: number; data?: { reasonCode?: string; message?: string } };
  message?: string;
}

export function createDeliveryTrackingActivities(deps: ActivityDeps) {
  const api = deps.amazonPay as Partial<DeliveryTrackersApi>;
  /** A row in the order's payment history (docs/product-rules.md, Payment history), once per attempt (its dedupe key), beside the tracker's own row. */
  const history = (input: DeliveryTrackerInput, attempt: string, result: string, message: string) =>
    deps.prisma.paymentHistory.createMany({
      data: [
        {
          shopId: deps.shopId,
          orderId: input.orderId,
          occurredAt: deps.clock(),
          kind: 'delivery_tracker',
          amazonObjectId: input.chargePermissionId,
          result,
          message: `${input.carrierCode} ${input.trackingNumber}: ${message}`.slice(0, 500),
          dedupeKey: `delivery-tracker:${input.trackerId}:${attempt}`,
        },
      ],
      skipDuplicates: true,
    });
  return {
    async sendDeliveryTracker(input: DeliveryTrackerInput): Promise<void> {
      const id = BigInt(input.trackerId);
      const { attempts } = await deps.prisma.deliveryTracker.update({ where: { id, shopId: deps.shopId }, data: { attempts: { increment: 1 } }, select: { attempts: true } });
      if (typeof api.deliveryTrackers !== 'function') throw ApplicationFailure.nonRetryable('The Amazon Pay client has no deliveryTrackers operation', 'Unsupported');
      try {
        await api.deliveryTrackers({ chargePermissionId: input.chargePermissionId, deliveryDetails: [{ trackingNumber: input.trackingNumber, carrierCode: input.carrierCode }] });
      } catch (err) {
        const e = err as HttpFailure;
        const status = e.response?.status;
        const reason = e.response?.data?.reasonCode ?? (status ? `HTTP ${status}` : 'NetworkError');
        const message = `${reason}: ${e.response?.data?.message ?? e.message ?? 'failed'}`;
        await deps.prisma.deliveryTracker.update({ where: { id, shopId: deps.shopId }, data: { lastError: message.slice(0, 500) } });
        await history(input, `attempt-${attempts}`, reason, `配送追跡の送信に失敗しました (attempt ${attempts}): ${message}`);
        deps.log.warn({ orderId: input.orderId, chargePermissionId: input.chargePermissionId, reason }, 'deliveryTrackers call failed');
        // A refused request (4xx other than 429) will not succeed on a retry.
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) throw ApplicationFailure.nonRetryable(message, reason);
        throw ApplicationFailure.retryable(message, reason);
      }
      await deps.prisma.deliveryTracker.update({ where: { id, shopId: deps.shopId }, data: { status: 'sent', sentAt: deps.clock(), lastError: null } });
      await history(input, 'sent', 'OK', '配送追跡をAmazonに送信しました');
      deps.log.info({ orderId: input.orderId, carrierCode: input.carrierCode }, 'delivery tracker sent to Amazon');
    },

    async markDeliveryTrackerFailed(input: DeliveryTrackerInput & { error: string }): Promise<void> {
      await deps.prisma.deliveryTracker.update({ where: { id: BigInt(input.trackerId), shopId: deps.shopId }, data: { status: 'failed', lastError: input.error.slice(0, 500) } });
      await history(input, 'failed', 'DeliveryTrackerFailed', `配送追跡を送信できませんでした(再試行を終了): ${input.error}`);
    },
  };
}

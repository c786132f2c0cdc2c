// Starts the deliveryTracking workflow for a shipped order's carrier and tracking number (one row in delivery_trackers per shipment).
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DeliveryTracker, PrismaClient } from '../prisma/generated/client';
import type { DeliveryTrackerInput } from '../activities/delivery-tracking';
import { deliveryTrackerWorkflowId, WORKFLOW_TYPES } from '../lib/names';

export interface DeliveryTrackingStarter {
  start(input: { shopId: string; orderId: string; chargePermissionId: string; carrierCode: string; trackingNumber: string }): Promise<DeliveryTracker>;
}

export function deliveryTrackerView(t: DeliveryTracker) {
  return { carrierCode: t.carrierCode, trackingNumber: t.trackingNumber, status: t.status, attempts: t.attempts, lastError: t.lastError, createdAt: t.createdAt.toISOString(), sentAt: t.sentAt?.toISOString() ?? null };
}

export function createDeliveryTrackingStarter(client: Client, taskQueue: string, prisma: PrismaClient): DeliveryTrackingStarter {
  return {
    async start({ shopId, orderId, chargePermissionId, carrierCode, trackingNumber }) {
      const row = await prisma.deliveryTracker.upsert({
        where: { shopId_orderId_carrierCode_trackingNumber: { shopId, orderId, carrierCode, trackingNumber } },
        create: { shopId, orderId, carrierCode, trackingNumber },
        update: {},
      });
      if (row.status === 'sent') return row;
      const input: DeliveryTrackerInput = { trackerId: row.id.toString(), orderId, chargePermissionId, carrierCode, trackingNumber };
      try {
        // A failed shipment may be sent again by repeating the request; a running one is left alone.
        await client.workflow.start(WORKFLOW_TYPES.deliveryTracking, { workflowId: deliveryTrackerWorkflowId(shopId, row.id.toString()), taskQueue, args: [input] });
        if (row.status === 'failed') return prisma.deliveryTracker.update({ where: { id: row.id }, data: { status: 'pending' } });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return row;
    },
  };
}

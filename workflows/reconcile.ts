// The scheduled reconciliation workflow (`npm run reconcile -- --schedule`, hourly by default): one activity compares open orders with Amazon and nudges drifted workflows.
import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileOptions, ReconcileReport } from '../activities/reconcile';

const { reconcileOrders } = proxyActivities<{ reconcileOrders(opts: ReconcileOptions): Promise<ReconcileReport> }>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 3 },
});

export async function reconcile(opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  return reconcileOrders(opts);
}

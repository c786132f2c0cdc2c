// Creates or updates the Temporal Schedule that starts the `reconcile` workflow every interval (default hourly) on the engine's task queue; the worker runs it at start unless RECONCILE_SCHEDULE=false.
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { ReconcileOptions } from '../activities/reconcile';
import { RECONCILE_SCHEDULE_ID, RECONCILE_SCHEDULE_WORKFLOW_ID, WORKFLOW_TYPES } from '../lib/names';

export { RECONCILE_SCHEDULE_ID };

export async function ensureReconcileSchedule(client: Client, taskQueue: string, every: Duration = '1h', opts: ReconcileOptions = {}): Promise<'created' | 'updated'> {
  const action = { type: 'startWorkflow' as const, workflowType: WORKFLOW_TYPES.reconcile, taskQueue, args: [opts], workflowId: RECONCILE_SCHEDULE_WORKFLOW_ID };
  const spec = { intervals: [{ every }] };
  try {
    await client.schedule.create({ scheduleId: RECONCILE_SCHEDULE_ID, spec, action, policies: { overlap: 'SKIP' } });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(RECONCILE_SCHEDULE_ID).update((prev) => ({ ...prev, spec, action }));
    return 'updated';
  }
}

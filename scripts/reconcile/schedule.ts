// The reconcile schedule lives with the worker, which installs it at start (worker/reconcile-schedule.ts); kept here for `npm run reconcile -- --schedule`.
export { ensureReconcileSchedule, RECONCILE_SCHEDULE_ID } from '../../worker/reconcile-schedule';

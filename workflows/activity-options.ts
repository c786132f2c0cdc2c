// Named activity option presets: each carries its timeouts and retry policy (the SDK never retries; these are the only retries).
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Amazon Pay calls. Transient failures (429, 5xx, network errors, a call that ran past its
 * start-to-close timeout) are retried here with the same idempotency key, backing off 1, 2, 4, 8,
 * 16, 30 s…, bounded by attempts and by the schedule-to-close timeout. Everything else is thrown
 * non-retryable by the activity (ApplicationFailure with type = Amazon's reason code).
 */
export const amazonCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/**
 * Amazon Pay calls as local activities (since LOCAL_AMAZON_CALLS, workflows/patches.ts): run by the worker that runs
 * the workflow task, inside that task (no activity task to schedule, dispatch and complete, no second workflow task for
 * the result), with the same timeouts, retries and idempotency keys as amazonCall. A backoff longer than
 * localRetryThreshold waits on a durable timer instead of holding the workflow task open, so a long Amazon outage
 * lets the order's other messages in between attempts.
 */
export const amazonCallLocal: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
  localRetryThreshold: '10 seconds',
};

/** Reads of Amazon objects while waiting on a pending state: the workflow's own poll loop spaces them. */
export const amazonPoll: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/** Database projection writes: idempotent, so retried for a long time (about half an hour: the database may be restarting). */
export const dbWrite: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
};

/**
 * The projection write as a local activity: run by the worker that runs the workflow task, without a round trip
 * through the Temporal server (no activity task to schedule, poll and complete, no extra workflow task). Same
 * idempotent write and the same long retry (backoffs past a minute wait on a durable timer).
 */
export const dbWriteLocal: LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
};

/**
 * The projection write since v9: a few quick attempts, then the workflow goes on and writes again later (on its next
 * change, or after PROJECTION_RETRY_BACKOFF_MS): a database that refuses the write never holds up the order's commands.
 */
export const projectionWriteLocal: LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3 },
};

/** Waits before the workflow writes a failed projection again (the last one repeats). */
export const PROJECTION_RETRY_BACKOFF_MS = [5_000, 15_000, 30_000, 60_000] as const;

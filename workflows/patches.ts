// Ids of workflow code changes guarded by patched(); remove one only after deprecatePatch has outlived every run that took the old path.

/** v2: the expiry warning is also written to the payment history (before, it was only logged). */
export const EXPIRY_WARNING_HISTORY_ROW = 'expiry-warning-history-row';

/** v3: the order row and new history rows are written by one activity, and not at all when unchanged. */
export const SINGLE_PROJECTION_WRITE = 'single-projection-write';

/**
 * v4: a notification about an object the order does not know yet (it outran the response of the money call still in
 * flight) is re-read once that call has finished instead of being dropped (it used to wait for the next poll, 30 s or
 * more); a second notification for an object whose re-read is already queued is folded into it; and an IPN about an
 * object already final here (charge Captured/Canceled/Declined, refund Refunded/Declined) is not re-read again.
 */
export const NOTIFICATION_REFRESH = 'notification-refresh';

/** v5: an IPN whose re-read state (passed by the webhook) the workflow already holds is not re-read again. */
export const NOTIFIED_STATE_KNOWN = 'notified-state-known';

/** v6: the projection write (saveProjection) runs as a local activity, in the worker, without a server round trip. */
export const LOCAL_PROJECTION_WRITE = 'local-projection-write';

/**
 * v7: a money command is checked against the order's state again when it runs, by the rule its validator applied
 * (a capture queued behind a cancel is refused with the current state instead of reaching Amazon or the history).
 */
export const DECIDE_AT_EXECUTION = 'decide-at-execution';

/**
 * v8: an order owns its checkout session: the review's read refuses a session started for another order, and a session
 * becomes the order's (state, projection) only once its review or completion passed that check.
 */
export const CHECKOUT_SESSION_OWNERSHIP = 'checkout-session-ownership';

/**
 * v9: the projection write gets a few quick attempts; when they fail the workflow keeps the rows, answers the command
 * and runs the next ones, and writes again later (before, its ~30 attempts held up every later command).
 */
export const PROJECTION_NEVER_BLOCKS = 'projection-never-blocks';

/**
 * v10: AuthorizationExpiresAt (search attribute) and the order row's authorization_expires_at name the expiry of an
 * authorization with something left to capture; once nothing is (captured in full, capture pending, canceled,
 * expired, permission closed) the attribute is removed and the column written as null.
 */
export const AUTHORIZATION_EXPIRY_CLEARED = 'authorization-expiry-cleared';

/**
 * v11, the lean order (docs/benchmark.md, Cost per order): a run started from here on records this one marker and takes
 * every change above without a marker of its own (each cost a marker and a TemporalChangeVersion upsert per run).
 * It also: refuses in the notification update's validator what would change nothing (seen before, not this order's,
 * a state the order holds), so such an update leaves no event in history; applies a refund's or a closed permission's
 * state as the webhook re-read it from Amazon instead of reading it again; completes the checkout and reads its charge
 * in one activity; and keeps one timer for the next deadline instead of one per wait.
 */
export const LEAN_ORDER = 'lean-order';

/**
 * v12: a refund the API marks as needing a second editor (the setting refundApprovalAbove) waits in the workflow for an
 * approval, a rejection or its expiry (a timer of its own). Only runs that meet such a refund record this marker.
 */
export const REFUND_APPROVAL = 'refund-approval';

/**
 * v13: the order's Amazon Pay calls (review read, session update, completion, captures, charges, cancels, refunds) run
 * as local activities, inside the workflow task that decided them (workflows/activity-options.ts, amazonCallLocal):
 * no activity task and no second workflow task per call (docs/benchmark.md, Cost per order). Same keys, timeouts and
 * retries. Decided in the run's first workflow task, like LEAN_ORDER; the poll reads stay regular activities.
 */
export const LOCAL_AMAZON_CALLS = 'local-amazon-calls';

/**
 * v14: one marker instead of LEAN_ORDER's and LOCAL_AMAZON_CALLS's (each patch marker also costs a TemporalChangeVersion
 * upsert, so a run started two of each). A v14 run takes LEAN_ORDER without its marker, and also:
 * - runs the Amazon calls that change a charge, refund or permission as regular activities again, and only the reads
 *   and the session update as local ones (workflows/order/calls.ts, STATE_CHANGING_AMAZON_CALLS): the command that
 *   moves money is in history before Amazon acts. Under LOCAL_AMAZON_CALLS a history-service restart could lose the
 *   task that had accepted a capture after Amazon had captured; the retry of its requestId was then refused;
 * - upserts its search attributes only when they differ from those it already has, starting with the ones the API
 *   started it with (the first projection write no longer repeats them);
 * - keeps a timer for a later deadline while it waits for an earlier one (a refund's poll while the authorization's
 *   expiry is pending) instead of cancelling it and starting it again after; a timer that would fire before its
 *   deadline is still cancelled, so no wake is ever early.
 * Decided in the run's first workflow task, like LEAN_ORDER.
 */
export const ORDER_V14 = 'order-v14';

/**
 * v15: one marker instead of ORDER_V14's, and every Amazon call of the order a local activity again, inside the workflow
 * task that decided it: no activity task and no second workflow task per money call (docs/benchmark.md). What made
 * LOCAL_AMAZON_CALLS unsafe is answered by recovery (docs/recovery.md): each money-moving call's pre-payment row names
 * the command it was made for, and a notification that tells of a change no command here explains (an object this order
 * does not hold, a charge captured or cancelled, the permission closed) makes the order read those rows first and run a
 * command whose answer it lost again, with the same requestId and so the same idempotency key: Amazon answers with what
 * it did, the order holds it, and the caller's retry of that requestId is answered with it. An expiring reviewed
 * checkout does the same before it is abandoned. A checkout run that starts with its review writes its projection once
 * for both. Decided in the run's first workflow task, like LEAN_ORDER; a v15 run takes ORDER_V14 too.
 */
export const ORDER_V15 = 'order-v15';

/** The changes a lean run takes without a marker (v2–v10): every later change gets a marker of its own again. */
export const SETTLED_BY_LEAN_ORDER: ReadonlySet<string> = new Set([
  EXPIRY_WARNING_HISTORY_ROW,
  SINGLE_PROJECTION_WRITE,
  NOTIFICATION_REFRESH,
  NOTIFIED_STATE_KNOWN,
  LOCAL_PROJECTION_WRITE,
  DECIDE_AT_EXECUTION,
  CHECKOUT_SESSION_OWNERSHIP,
  PROJECTION_NEVER_BLOCKS,
  AUTHORIZATION_EXPIRY_CLEARED,
]);

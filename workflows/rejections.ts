// How an update validator refuses a request: a non-retryable failure of a REJECTION_TYPES type, so the update is never
// accepted and nothing reaches the workflow's history. From @temporalio/common (the same class the workflow package
// re-exports), so the validators stay importable outside a workflow.
import { ApplicationFailure } from '@temporalio/common';
import { REJECTION_TYPES } from './messages';
import type { StateDetails } from './types';

/** The arguments are wrong (the API's 400/422). */
export function invalid(message: string): never {
  throw ApplicationFailure.create({ type: REJECTION_TYPES.invalidArgument, message, nonRetryable: true });
}

/**
 * The arguments are right but the workflow's state does not allow the request now (the API's 409, with that state:
 * the same answer as a command refused when it runs).
 */
export function wrongState(message: string, state?: StateDetails): never {
  throw ApplicationFailure.create({ type: REJECTION_TYPES.invalidState, message, nonRetryable: true, ...(state ? { details: [state] } : {}) });
}

/** A requestId seen before with other parameters: refused, as Stripe refuses a reused idempotency key. */
export function requestIdReused(message: string): never {
  throw ApplicationFailure.create({ type: REJECTION_TYPES.requestIdReused, message, nonRetryable: true });
}

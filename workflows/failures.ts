// How the workflow reads activity failures and builds its own: Amazon reason codes, decline classes, local amount checks.
// Which codes are declines, retryable or of unknown outcome is the catalog's (lib/amazon-errors.ts): these are its lists,
// under the names the workflows import.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { asFailureDetails, catalogEntry, DECLINE_CODES, type AmazonFailureDetails } from '../lib/amazon-errors';
import type { StateDetails } from './types';

export { DECLINE_CODES };

export interface FailureInfo {
  code: string;
  message: string;
  details?: AmazonFailureDetails;
  /** A refusal by the order's own rules: its state when the command ran (the caller's 409 shows it). */
  state?: StateDetails;
}

/** The reason code and catalog details of a failed activity; other errors are bugs and rethrown. */
export function failureOf(err: unknown): FailureInfo {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { code: cause.type ?? 'UnknownError', message: cause.message, details: asFailureDetails(cause.details?.[0]) };
  }
  if (cause instanceof TimeoutFailure) return { code: 'NetworkError', message: `Amazon Pay did not answer in time (${cause.message})` };
  throw err;
}

/** Amazon did not answer (network, 5xx, 429 past the activity's retries): the call may or may not have acted. */
export function isUnknownOutcome(f: FailureInfo): boolean {
  return catalogEntry(f.code).retry === 'transient';
}

/** Whether the workflow should try again with a fresh idempotency key. */
export function isRetryableDecline(f: FailureInfo): boolean {
  return catalogEntry(f.code).retry === 'decline';
}

/** The error an update fails with: type = reason code, details = what the API shows. */
export function toUpdateFailure(code: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

/** The manual's history texts for amounts over the limit, detected before calling Amazon. */
export const LOCAL_LIMIT_FAILURES = {
  capture: { message: '最高取引金額を超えています。', debug: 'The transaction amount exceeded the allowed limit on this transaction' },
  refund: { message: '取引の返金処理に最高金額を超えています。', debug: 'Refund amount exceeded the captured amount plus min(15%, 75 USD/GBP/EUR, 8400 JPY)' },
} as const;

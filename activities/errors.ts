// Turns whatever the SDK threw (axios error, network error, SDK exception) into a typed ApplicationFailure whose type is the reason code.
import { ApplicationFailure } from '@temporalio/common';
import { classifyAmazonError, failureDetails } from '../lib/amazon-errors';

/** The ApplicationFailure an activity throws for an SDK error: retryable only for transient codes. */
export function toApplicationFailure(err: unknown, operation: string): ApplicationFailure {
  const { code, httpStatus, amazonMessage } = classifyAmazonError(err);
  const details = failureDetails(code, operation, httpStatus, amazonMessage);
  return ApplicationFailure.create({
    type: code,
    message: `${operation}: ${code}${amazonMessage ? ` (${amazonMessage})` : ''}`,
    nonRetryable: details.retry !== 'transient',
    details: [details],
  });
}

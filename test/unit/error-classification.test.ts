/**
 * Issue 14 part 2: the error catalog (lib/amazon-errors.ts) is the only classifier. The workflow's decline lists, the
 * activity's failure and the API's answer are read from it, so a code is classified the same by all three; the API
 * shows the texts the failure carries (the operation really called) instead of looking them up again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/errors';
import { apiErrorFor, apiErrorForCode } from '../../api/orders';
import { catalogEntry, ERROR_CATALOG, KIND_HTTP_STATUS, messagesFor, type AmazonFailureDetails } from '../../lib/amazon-errors';
import { DECLINE_CODES, failureOf, isRetryableDecline, isUnknownOutcome } from '../../workflows/failures';

/** What the SDK throws for an HTTP error from Amazon. */
const amazonError = (status: number, reasonCode: string, message = 'from Amazon') => Object.assign(new Error(`Request failed with status code ${status}`), { response: { status, data: { reasonCode, message } } });

/** The failure an activity throws for `code`, as the workflow and then the API (through the update failure) see it. */
function throughTheStack(code: string, operation: string) {
  const activityFailure = toApplicationFailure(amazonError(422, code), operation);
  const seenByWorkflow = failureOf(activityFailure);
  const updateFailure = ApplicationFailure.create({ type: seenByWorkflow.code, message: seenByWorkflow.message, nonRetryable: true, details: [seenByWorkflow.details] });
  return { activityFailure, seenByWorkflow, api: apiErrorFor(updateFailure) };
}

describe('one classification per reason code', () => {
  it('BuyerNotAssociated is the checkout session\'s state, not a decline: the same for the workflow, the activity and the API', () => {
    const { activityFailure, seenByWorkflow, api } = throughTheStack('BuyerNotAssociated', 'updateCheckoutSession');
    expect(catalogEntry('BuyerNotAssociated').kind).toBe('state');
    // The activity: never retried (nothing to retry until the buyer acts).
    expect(activityFailure.nonRetryable).toBe(true);
    expect((activityFailure.details?.[0] as AmazonFailureDetails).retry).toBe('never');
    // The workflow: no decline (the order does not become Declined), no retry with a fresh key, a known outcome.
    expect(DECLINE_CODES.has('BuyerNotAssociated')).toBe(false);
    expect(isRetryableDecline(seenByWorkflow)).toBe(false);
    expect(isUnknownOutcome(seenByWorkflow)).toBe(false);
    // The API: 409 (a state), with the buyer's next step in the details.
    expect(api.status).toBe(409);
    expect(api.code).toBe('BuyerNotAssociated');
    expect(api.details).toMatchObject({ reasonCode: 'BuyerNotAssociated', buyerMessage: { ja: 'Amazonアカウントからお支払い方法を選択してからもう一度お試しください。' } });
    expect(apiErrorForCode('BuyerNotAssociated').status).toBe(409);
  });

  it.each(Object.keys(ERROR_CATALOG))('%s: the workflow, the activity and the API agree', (code) => {
    const entry = catalogEntry(code);
    const { activityFailure, seenByWorkflow, api } = throughTheStack(code, 'createCharge');
    expect(activityFailure.nonRetryable).toBe(entry.retry !== 'transient');
    expect(isUnknownOutcome(seenByWorkflow)).toBe(entry.retry === 'transient');
    expect(isRetryableDecline(seenByWorkflow)).toBe(entry.retry === 'decline');
    // A call's decline is a decline everywhere: the workflow marks the order Declined, the API answers 402.
    expect(DECLINE_CODES.has(code)).toBe(entry.kind === 'decline' && entry.origin === 'call');
    expect(api.status).toBe(entry.httpStatus ?? KIND_HTTP_STATUS[entry.kind]);
    if (entry.retry === 'decline') expect(DECLINE_CODES.has(code)).toBe(true);
  });

  it('keeps the decline codes the workflow has always used (its decisions are in recorded histories)', () => {
    expect([...DECLINE_CODES].sort()).toEqual(['AmazonRejected', 'CheckoutSessionCanceled', 'HardDeclined', 'MFANotCompleted', 'PaymentMethodNotAllowed', 'ProcessingFailure', 'SoftDeclined', 'TransactionTimedOut']);
  });

  it('the API shows the texts of the operation the workflow really called, whatever the admin action was', () => {
    // A capture of the rest of a split shipment is a createCharge; ResourceNotFound of a completion has its own texts.
    const { api } = throughTheStack('ResourceNotFound', 'completeCheckoutSession');
    expect(api.status).toBe(410);
    expect(api.details).toMatchObject({ buyerMessage: messagesFor('ResourceNotFound', 'completeCheckoutSession').buyer });
    expect((api.details as { buyerMessage: unknown }).buyerMessage).not.toEqual(catalogEntry('ResourceNotFound').buyer);
    // Never Amazon's own text in the answer (it is logged).
    expect(JSON.stringify({ message: api.message, details: api.details })).not.toContain('from Amazon');
  });
});

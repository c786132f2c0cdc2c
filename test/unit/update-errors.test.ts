// How the API answers what Temporal says of an update (api/orders.ts mapError).
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { mapError } from '../../api/orders';
import { ApiError } from '../../api/errors';

const answer = (err: unknown): ApiError => {
  try {
    mapError(err, 'o-1');
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('mapError returned');
};

test('an update a workflow task did not take up (a worker killed, history restarted) is "send it again", never an Amazon error', () => {
  const a = answer(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: 'UnprocessedUpdate', message: "Workflow Update is rejected because it wasn't processed by worker." })));
  expect(a).toBeInstanceOf(ApiError);
  expect([a.status, a.code]).toEqual([503, 'still_processing']);
});

test('a refusal of the workflow keeps its own answer', () => {
  const a = answer(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: 'InvalidState', message: 'cannot capture while the payment is Canceled', nonRetryable: true })));
  expect([a.status, a.code]).toEqual([409, 'invalid_state']);
});

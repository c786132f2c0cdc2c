/**
 * How the API reaches order workflows: start one per order (`order-<orderId>`, a second start is
 * refused by Temporal), send updates with an update id derived from the caller's requestId (so
 * a repeated request is deduplicated by Temporal as well as by the workflow), wait a bounded time
 * for results, query the state, and turn workflow failures into API errors.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { messagesFor } from '../activities/error-catalog';
import { workflowActions } from '../lib/metrics';
import { REJECTION_TYPES, state as stateQuery } from '../workflows/messages';
import { CurrencyKey, OrderAmountKey, OrderIdKey, OrderStatusKey, PaymentStatusKey } from '../workflows/search-attributes';
import type { OrderPaymentInput, OrderPaymentState } from '../workflows/types';
import { ApiError } from './errors';

export const workflowIdFor = (orderId: string): string => `order-${orderId}`;

/** Amazon codes about amounts (422) and about the state of Amazon's objects (409). */
const AMOUNT_CODES = new Set(['TransactionAmountExceeded', 'AmountMismatch', 'CurrencyMismatch', 'PeriodicAmountExceeded', 'TransactionCountExceeded']);
const STATE_CODES = new Set(['InvalidChargeStatus', 'InvalidCheckoutSessionStatus', 'InvalidChargePermissionStatus']);
const DECLINE_CODES = new Set(['SoftDeclined', 'HardDeclined', 'PaymentMethodNotAllowed', 'AmazonRejected', 'TransactionTimedOut', 'ProcessingFailure', 'MFANotCompleted', 'CheckoutSessionCanceled', 'BuyerNotAssociated']);
const UNAVAILABLE_CODES = new Set(['ServiceUnavailable', 'InternalServerError', 'TooManyRequests', 'NetworkError']);

/** The API error for a failed update: the reason code, the buyer's and admin's messages. */
export function apiErrorFor(failure: ApplicationFailure, operation?: string): ApiError {
  const code = failure.type ?? 'UnknownError';
  if (code === REJECTION_TYPES.invalidArgument) return new ApiError(422, 'invalid_argument', failure.message);
  if (code === REJECTION_TYPES.invalidState) return new ApiError(409, 'invalid_state', failure.message);
  const texts = messagesFor(code, operation);
  const details = { reasonCode: code, buyerMessage: texts.buyer, adminMessage: texts.admin };
  if (AMOUNT_CODES.has(code)) return new ApiError(422, code, texts.admin.en, details);
  if (STATE_CODES.has(code)) return new ApiError(409, code, texts.admin.en, details);
  if (DECLINE_CODES.has(code)) return new ApiError(402, code, texts.buyer.en, details);
  if (code === 'ResourceNotFound') return new ApiError(410, code, texts.buyer.en, details);
  if (UNAVAILABLE_CODES.has(code)) return new ApiError(503, code, texts.buyer.en, details);
  return new ApiError(502, code, failure.message || texts.admin.en, details);
}

export function mapError(err: unknown, orderId: string, operation?: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw apiErrorFor(err.cause, operation);
  if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'order_not_found', `No payment for order ${orderId}`);
  const message = err instanceof Error ? err.message : String(err);
  if (/workflow execution already completed/i.test(message)) throw new ApiError(409, 'order_closed', `The payment of order ${orderId} is finished; nothing more can be done`);
  throw err;
}

export type ActionOutcome<R> = { done: true; result: R } | { done: false };

export interface OrdersGateway {
  /** memo: what the order's workflow carries for readers (checkoutMode, addressSource, the quick checkout page's note and fields). */
  start(input: OrderPaymentInput, memo: Record<string, unknown>): Promise<void>;
  memo(orderId: string): Promise<Record<string, unknown>>;
  state(orderId: string): Promise<OrderPaymentState>;
  /** Sends an update; resolves with its result when done within `waitMs`, else `{done:false}`. */
  act<R, A>(orderId: string, def: UpdateDefinition<R, [A]>, args: A, opts: { updateId?: string; waitMs: number; operation?: string }): Promise<ActionOutcome<R>>;
}

/** Memos kept per API process: a memo is written once at the workflow's start and never changed, so a kept one is never stale. */
const MEMO_CACHE_SIZE = 10_000;

/** After an update outlived its wait: how long to let an outcome the server already holds arrive before answering 202. */
const OUTCOME_GRACE_MS = 50;

export function createOrdersGateway(client: Client, taskQueue: string): OrdersGateway {
  const handle = (orderId: string) => client.workflow.getHandle(workflowIdFor(orderId));
  const memos = new Map<string, Record<string, unknown>>();
  const keepMemo = (orderId: string, memo: Record<string, unknown>) => {
    memos.set(orderId, memo);
    if (memos.size > MEMO_CACHE_SIZE) memos.delete(memos.keys().next().value as string);
  };
  return {
    async start(input, memo) {
      try {
        await client.workflow.start('orderPayment', {
          workflowId: workflowIdFor(input.orderId),
          taskQueue,
          args: [input],
          memo,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: OrderIdKey, value: input.orderId },
            { key: PaymentStatusKey, value: 'CheckoutPending' },
            { key: OrderStatusKey, value: input.orderStatus ?? 'New' },
            { key: OrderAmountKey, value: input.amount.amount },
            { key: CurrencyKey, value: input.amount.currency },
          ],
        });
        keepMemo(input.orderId, { ...memo });
        workflowActions.inc({ action: 'start', outcome: 'ok' });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          workflowActions.inc({ action: 'start', outcome: 'duplicate' });
          throw new ApiError(409, 'order_exists', `A payment for order ${input.orderId} was already started`);
        }
        throw err;
      }
    },
    async memo(orderId) {
      const kept = memos.get(orderId);
      if (kept) return kept;
      try {
        const memo = (await handle(orderId).describe()).memo ?? {};
        keepMemo(orderId, memo);
        return memo;
      } catch (err) {
        return mapError(err, orderId);
      }
    },
    async state(orderId) {
      try {
        return await handle(orderId).query(stateQuery);
      } catch (err) {
        return mapError(err, orderId);
      }
    },
    act<R, A>(orderId: string, def: UpdateDefinition<R, [A]>, args: A, opts: { updateId?: string; waitMs: number; operation?: string }): Promise<ActionOutcome<R>> {
      return sendUpdate(client, handle(orderId), def, args, opts, (err) => mapError(err, orderId, opts.operation));
    },
  };
}

/**
 * Sends an update to a workflow and waits up to `waitMs` for its result (`{done:false}` after that: the update goes on).
 * Failures go through `onError`, which throws the API error to answer with.
 */
export async function sendUpdate<R, A>(
  client: Client,
  target: WorkflowHandle,
  def: UpdateDefinition<R, [A]>,
  args: A,
  opts: { updateId?: string; waitMs: number },
  onError: (err: unknown) => never,
): Promise<ActionOutcome<R>> {
  let outcome = 'accepted';
  try {
    if (opts.waitMs <= 0) {
      await target.startUpdate(def, { args: [args], updateId: opts.updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
      return { done: false };
    }
    // One RPC in the usual case: the server answers once the update has completed. An id is needed to find the
    // same update again if the wait runs out.
    const updateId = opts.updateId ?? randomUUID();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), opts.waitMs);
    try {
      const result = await client.withAbortSignal(abort.signal, () => target.executeUpdate(def, { args: [args], updateId }));
      outcome = 'ok';
      return { done: true, result };
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
    }
    // The wait ran out. Answer "accepted" only once Temporal holds the update: sending it again with the same id
    // returns the update already sent (or sends it, if the first request never arrived).
    const update = await target.startUpdate(def, { args: [args], updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
    let grace: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([update.result(), new Promise<'timeout'>((resolve) => (grace = setTimeout(() => resolve('timeout'), OUTCOME_GRACE_MS)))]);
      if (result === 'timeout') return { done: false };
      outcome = 'ok';
      return { done: true, result: result as R };
    } finally {
      clearTimeout(grace);
    }
  } catch (err) {
    outcome = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? (err.cause.type ?? 'failed') : 'error';
    return onError(err);
  } finally {
    workflowActions.inc({ action: def.name, outcome });
  }
}

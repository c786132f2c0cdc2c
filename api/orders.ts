/**
 * How the API reaches order workflows: start one per order of a shop (lib/names.ts orderWorkflowId; a second start
 * is refused by Temporal), send updates with an update id derived from the caller's requestId (so
 * a repeated request is deduplicated by Temporal as well as by the workflow), wait a bounded time
 * for results, query the state, and turn workflow failures into API errors.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { asFailureDetails, reasonAnswer, type Text } from '../lib/amazon-errors';
import { OWNERSHIP_CODES } from '../lib/amazon-object-owners';
import { workflowActions } from '../lib/metrics';
import { REJECTION_TYPES, state as stateQuery } from '../workflows/messages';
import { orderStartSearchAttributes, orderWorkflowId, WORKFLOW_TYPES } from '../lib/names';
import type { OrderPaymentInput, OrderPaymentState, PaymentStatus, StateDetails } from '../workflows/types';
import type { Logger } from '../lib/logger';
import type { PrismaClient } from '../prisma/generated/client';
import { ApiError } from './errors';


/** The API error for a failed update: the order's own refusals, else the reason code with the texts the failure carries. */
export function apiErrorFor(failure: ApplicationFailure): ApiError {
  const code = failure.type ?? 'UnknownError';
  if (code === REJECTION_TYPES.invalidArgument) return new ApiError(422, 'invalid_argument', failure.message);
  if (code === REJECTION_TYPES.currencyMismatch) return new ApiError(422, 'currency_mismatch', failure.message, failure.details?.[0]);
  // Refused by the order's own rules, at arrival or when the command ran: the caller sees the state that refused it.
  if (code === REJECTION_TYPES.invalidState) return new ApiError(409, 'invalid_state', failure.message, failure.details?.[0] ? { state: failure.details[0] } : undefined);
  if (code === REJECTION_TYPES.requestIdReused) return new ApiError(409, 'request_id_reused', failure.message);
  // Refund approvals (docs/product-rules.md, Refund approval): the key that asked may not decide; a decided or expired one is gone.
  if (code === REJECTION_TYPES.approverIsRequester) return new ApiError(403, 'approver_is_requester', failure.message);
  if (code === REJECTION_TYPES.approvalNotFound) return new ApiError(404, 'approval_not_found', failure.message);
  if (code === REJECTION_TYPES.approvalExpired) return new ApiError(409, 'approval_expired', failure.message);
  if (code === OWNERSHIP_CODES.sessionMismatch) return new ApiError(409, 'checkout_session_mismatch', failure.message);
  if (code === OWNERSHIP_CODES.ownedByAnotherOrder) return new ApiError(409, 'amazon_object_of_another_order', failure.message);
  // The activity that met the failure put the catalog's texts for the operation it really called on it: shown as they are.
  const carried = asFailureDetails(failure.details?.[0]);
  return apiErrorForCode(code, carried ? { buyer: carried.buyerMessage, admin: carried.adminMessage } : undefined);
}

/** The API error for an Amazon reason code (from a failure, or recorded on the order): the catalog's answer for it. */
export function apiErrorForCode(code: string, carried?: { buyer: Text; admin: Text }): ApiError {
  const a = reasonAnswer(code, carried);
  return new ApiError(a.status, code, a.message, a.details);
}

/** Temporal's "not found" answers for a workflow that has ended (so the order exists). */
const CLOSED_WORKFLOW = /workflow execution already completed|workflow update was aborted by closing workflow/i;

/**
 * Temporal's answer for an update a workflow task was given but did not take up (the task ended another way: a worker
 * killed or the history service restarted while it ran). Nothing was decided for it: the same request again is taken up
 * (a money action's requestId makes it act once; docs/recovery.md).
 */
const UNPROCESSED_UPDATE = 'UnprocessedUpdate';

export function mapError(err: unknown, orderId: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UNPROCESSED_UPDATE) {
    throw new ApiError(503, 'still_processing', 'The order could not take the request up just now; send the same request again shortly');
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw apiErrorFor(err.cause);
  // An ended workflow answers "not found" with one of these messages: the order exists, its payment is over. The second
  // is an update that reached the order as its workflow ended (a capture sent while the cancel that ends it ran).
  const message = err instanceof Error ? err.message : String(err);
  if (CLOSED_WORKFLOW.test(message)) throw new ApiError(409, 'order_closed', `The payment of order ${orderId} is finished; nothing more can be done`);
  if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'order_not_found', `No payment for order ${orderId}`);
  throw err;
}

/**
 * The update id of a request keyed by the caller's requestId: the requestId and a fingerprint of its parameters. The
 * same request again is the same update (Temporal answers it with the first result); the same requestId with other
 * parameters is another update, which the workflow's validator refuses as a reused requestId, where Temporal would
 * otherwise silently return the first result.
 */
export function fingerprintedUpdateId(name: string, requestId: string, fingerprint: string): string {
  return `${name}:${requestId}:${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}`;
}

export type ActionOutcome<R> = { done: true; result: R } | { done: false };

/** One shop's orders (docs/shops.md): every call reaches only that shop's order workflows and rows. */
export interface ShopOrders {
  readonly shopId: string;
  /** memo: what the order's workflow carries for readers (checkoutMode, addressSource, the quick checkout page's note and fields). */
  start(input: OrderPaymentInput, memo: Record<string, unknown>): Promise<void>;
  memo(orderId: string): Promise<Record<string, unknown>>;
  state(orderId: string): Promise<OrderPaymentState>;
  /** Sends an update; resolves with its result when done within `waitMs`, else `{done:false}`. */
  act<R, A>(orderId: string, def: UpdateDefinition<R, [A]>, args: A, opts: { updateId?: string; waitMs: number }): Promise<ActionOutcome<R>>;
}

export interface OrdersGateway {
  /** The orders of one shop: the caller's, from its key (never from the request's body). */
  forShop(shopId: string): ShopOrders;
  /** Starts the workflows of orders accepted more than `olderThanMs` ago whose start never happened, in every shop; returns how many. */
  sweep(olderThanMs?: number): Promise<number>;
}

/** Memos kept per API process: a memo is written once at the workflow's start and never changed, so a kept one is never stale. */
const MEMO_CACHE_SIZE = 10_000;

/** After an update outlived its wait: how long to let an outcome the server already holds arrive before answering 202. */
const OUTCOME_GRACE_MS = 50;

/** What the API keeps with an accepted order until its workflow has started (orders.start_request). */
interface StartRequest {
  /** Absent in requests accepted before shops: the default shop's. */
  shopId?: string;
  input: OrderPaymentInput;
  memo: Record<string, unknown>;
}

/** How old an accepted order must be before the sweeper starts its workflow (the request's own start is normally done in ms). */
export const START_SWEEP_AFTER_MS = 10_000;

/** Whether Temporal says the workflow does not exist (an ended one answers "already completed": it exists). */
function isMissingWorkflow(err: unknown): boolean {
  if (!(err instanceof WorkflowNotFoundError)) return false;
  return !CLOSED_WORKFLOW.test(err.message);
}

export function createOrdersGateway(client: Client, taskQueue: string, prisma: PrismaClient, log?: Logger): OrdersGateway {
  const memos = new Map<string, Record<string, unknown>>();
  const keepMemo = (workflowId: string, memo: Record<string, unknown>) => {
    memos.set(workflowId, memo);
    if (memos.size > MEMO_CACHE_SIZE) memos.delete(memos.keys().next().value as string);
  };

  /** Starts the order's workflow; one already started (by another request or the sweeper) is fine. */
  async function startWorkflow(shopId: string, { input, memo }: StartRequest): Promise<boolean> {
    try {
      await client.workflow.start(WORKFLOW_TYPES.orderPayment, {
        workflowId: orderWorkflowId(shopId, input.orderId),
        taskQueue,
        args: [input],
        memo,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: orderStartSearchAttributes(shopId, input),
      });
      workflowActions.inc({ action: 'start', outcome: 'ok' });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }

  /**
   * The workflow of an order the API accepted but has not started yet (a crash, Temporal away): started now.
   * 'started', or 'running' (started meanwhile: by another request or API process, whose workflow may already have
   * cleared the start request since Temporal answered "not found"); 'none' only when no such order was accepted.
   */
  async function startAccepted(shopId: string, orderId: string): Promise<'started' | 'running' | 'none'> {
    const row = await prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { startRequest: true } });
    if (!row) return 'none';
    const request = row.startRequest as StartRequest | null;
    if (!request) return 'running';
    return (await startWorkflow(shopId, request)) ? 'started' : 'running';
  }

  /**
   * A closed order's refusal shows its final state as a refusal by the running workflow does (workflows/types.ts,
   * StateDetails), read from its projection: nothing is left to capture or refund once the workflow has ended.
   */
  async function withFinalState(shopId: string, orderId: string, err: ApiError): Promise<ApiError> {
    const row = await prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { paymentStatus: true, currency: true, capturedAmount: true, refundedAmount: true } });
    if (!row) return err;
    const state: StateDetails = { paymentStatus: row.paymentStatus as PaymentStatus, currency: row.currency, capturable: 0, captured: Number(row.capturedAmount), refunded: Number(row.refundedAmount), refundable: 0 };
    return new ApiError(err.status, err.code, err.message, { state });
  }

  const shops = new Map<string, ShopOrders>();

  function shopOrders(shopId: string): ShopOrders {
    const handle = (orderId: string) => client.workflow.getHandle(orderWorkflowId(shopId, orderId));

    /** Runs `fn`; when the workflow is missing because its start is still to come, starts it and runs `fn` once more. */
    async function withStarted<T>(orderId: string, fn: () => Promise<T>): Promise<T> {
      try {
        return await fn();
      } catch (err) {
        if (!isMissingWorkflow(err) || (await startAccepted(shopId, orderId)) === 'none') throw err;
        return await fn();
      }
    }

    return {
      shopId,
      /**
       * Accepts the order durably (its row, with what starting its workflow needs; the primary key refuses a second
       * order with the same id in the shop) and starts its workflow without holding up the shop's page. A start that
       * fails here is made by the first later request for the order, or by the sweeper.
       */
      async start(input, memo) {
        const request: StartRequest = { shopId, input, memo: { ...memo } };
        const workflowId = orderWorkflowId(shopId, input.orderId);
        // One plain INSERT (the primary key refuses a duplicate: no row is written, nothing changes).
        const inserted = await prisma.$executeRaw`
          INSERT INTO orders (shop_id, order_id, workflow_id, currency, amount, payment_intent, order_status, recurring, start_request, updated_at)
          VALUES (${shopId}, ${input.orderId}, ${workflowId}, ${input.amount.currency}, ${input.amount.amount},
                  ${input.settings?.paymentIntent ?? 'AuthorizeWithCapture'}::"PaymentIntent", ${input.orderStatus ?? 'New'}::"OrderStatus",
                  ${input.settings?.recurring ?? false}, ${JSON.stringify(request)}::jsonb, now())
          ON CONFLICT (shop_id, order_id) DO NOTHING`;
        if (inserted === 0) {
          workflowActions.inc({ action: 'start', outcome: 'duplicate' });
          throw new ApiError(409, 'order_exists', `A payment for order ${input.orderId} was already started`);
        }
        keepMemo(workflowId, request.memo);
        // After the answer has been written: the start's own work (payload encoding, the RPC) stays off the page's time.
        setImmediate(() => {
          startWorkflow(shopId, request).catch((err: unknown) => {
            workflowActions.inc({ action: 'start', outcome: 'deferred' });
            log?.warn({ shopId, orderId: input.orderId, err: err instanceof Error ? err.message : String(err) }, 'order accepted; its workflow starts on the next request or sweep');
          });
        });
      },
      async memo(orderId) {
        const workflowId = orderWorkflowId(shopId, orderId);
        const kept = memos.get(workflowId);
        if (kept) return kept;
        try {
          const memo = (await withStarted(orderId, () => handle(orderId).describe())).memo ?? {};
          keepMemo(workflowId, memo);
          return memo;
        } catch (err) {
          return mapError(err, orderId);
        }
      },
      async state(orderId) {
        try {
          return await withStarted(orderId, () => handle(orderId).query(stateQuery));
        } catch (err) {
          return mapError(err, orderId);
        }
      },
      async act<R, A>(orderId: string, def: UpdateDefinition<R, [A]>, args: A, opts: { updateId?: string; waitMs: number }): Promise<ActionOutcome<R>> {
        try {
          return await sendUpdate(client, handle(orderId), def, args, opts, (err) => mapError(err, orderId), async () => (await startAccepted(shopId, orderId)) !== 'none');
        } catch (err) {
          if (err instanceof ApiError && err.code === 'order_closed') throw await withFinalState(shopId, orderId, err);
          throw err;
        }
      },
    };
  }

  return {
    forShop(shopId) {
      let s = shops.get(shopId);
      if (!s) shops.set(shopId, (s = shopOrders(shopId)));
      return s;
    },
    async sweep(olderThanMs = START_SWEEP_AFTER_MS) {
      const cutoff = new Date(Date.now() - olderThanMs);
      const rows = await prisma.$queryRaw<Array<{ shop_id: string; order_id: string }>>`SELECT shop_id, order_id FROM orders WHERE start_request IS NOT NULL AND created_at < ${cutoff} ORDER BY created_at LIMIT 100`;
      let started = 0;
      // One order that cannot be started (logged) never holds up the others.
      for (const r of rows) {
        try {
          if ((await startAccepted(r.shop_id, r.order_id)) === 'started') started += 1;
        } catch (err) {
          log?.warn({ shopId: r.shop_id, orderId: r.order_id, err: err instanceof Error ? err.message : String(err) }, 'could not start the workflow of an accepted order; trying again at the next sweep');
        }
      }
      if (started > 0) log?.info({ started }, 'started the workflows of accepted orders');
      return started;
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
  /** Called when the workflow does not exist: true when it was just started, and the update is sent again. */
  startMissing?: () => Promise<boolean>,
): Promise<ActionOutcome<R>> {
  try {
    return await sendUpdateOnce(client, target, def, args, opts);
  } catch (err) {
    if (startMissing && isMissingWorkflow(err)) {
      try {
        if (await startMissing()) return await sendUpdateOnce(client, target, def, args, opts);
      } catch (again) {
        return onError(again);
      }
    }
    return onError(err);
  }
}

/**
 * Runs a Temporal call for at most `ms`, and answers when the time is up whatever the call is doing. Every attempt
 * carries the deadline: the attempt running then ends with it, an attempt the SDK retries after it (from a back-off it
 * was waiting in) fails at once, and so does each further long poll of an update's outcome. (An abort signal did not
 * do this: it cancels only the attempt running when it fires.) `done: false` when the time ran out; a real failure
 * (the update refused, the workflow gone) is thrown.
 */
async function within<T>(client: Client, ms: number, call: () => Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  const running = client.connection.withDeadline(Date.now() + ms, call);
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'timeUp'>((resolve) => (timer = setTimeout(() => resolve('timeUp'), ms)));
  try {
    const value = await Promise.race([running, timeUp]);
    if (value === 'timeUp') {
      // Still waiting in a retry's back-off: it ends at its next attempt (the deadline has passed); nobody waits for it.
      running.catch(() => undefined);
      return { done: false };
    }
    return { done: true, value: value as T };
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { done: false };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function sendUpdateOnce<R, A>(client: Client, target: WorkflowHandle, def: UpdateDefinition<R, [A]>, args: A, opts: { updateId?: string; waitMs: number }): Promise<ActionOutcome<R>> {
  let outcome = 'accepted';
  try {
    if (opts.waitMs <= 0) {
      await target.startUpdate(def, { args: [args], updateId: opts.updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
      return { done: false };
    }
    // One RPC in the usual case: the server answers once the update has completed. An id is needed to find the
    // same update again if the wait runs out.
    const updateId = opts.updateId ?? randomUUID();
    const first = await within(client, opts.waitMs, () => target.executeUpdate(def, { args: [args], updateId }));
    if (first.done) {
      outcome = 'ok';
      return { done: true, result: first.value };
    }
    // The wait ran out. Answer "accepted" only once Temporal holds the update: sending it again with the same id
    // returns the update already sent (or sends it, if the first request never arrived).
    const update = await target.startUpdate(def, { args: [args], updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
    const settled = await within(client, OUTCOME_GRACE_MS, () => update.result());
    if (!settled.done) return { done: false };
    outcome = 'ok';
    return { done: true, result: settled.value };
  } catch (err) {
    outcome = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? (err.cause.type ?? 'failed') : 'error';
    throw err;
  } finally {
    workflowActions.inc({ action: def.name, outcome });
  }
}

/** Sweeps every `everyMs` for accepted orders whose workflow never started (the API process that accepted them died). */
export function startSweeper(orders: OrdersGateway, log: Logger, everyMs = START_SWEEP_AFTER_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    orders
      .sweep()
      .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweeping accepted orders failed; trying again'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

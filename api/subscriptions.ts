/**
 * 継続課金 (SPEC §8) admin endpoints: the subscriptions (one per recurring charge permission) with their per-period
 * orders, and pause / resume / cancel / charge-now sent to the subscription's workflow as updates keyed by requestId.
 * Each period's order is an ordinary order: captured, cancelled and refunded through /api/admin/orders.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { Router, type Request, type Response } from 'express';
import type { PrismaClient, Subscription } from '../prisma/generated/client';
import { subscriptionWorkflowId } from '../workflows/shared';
import { cancelSubscription, chargeNow, pauseSubscription, permissionChanged, resumeSubscription, subscriptionState } from '../workflows/subscription-messages';
import type { SubscriptionState } from '../workflows/types';
import { requireRole } from './auth';
import { ApiError } from './errors';
import { apiErrorFor, fingerprintedUpdateId, sendUpdate, type ActionOutcome } from './orders';
import { cancelSubscriptionSchema, chargeNowSchema, listSubscriptionsQuerySchema, subscriptionActionSchema, subscriptionIdSchema, waitQuerySchema } from './schemas';

/** Even with waitMs=0 an action already finished (a repeated requestId) answers 200. */
const MIN_WAIT_MS = 150;
/** Charging waits for the period's order to report: longer than the other actions. */
const CHARGE_WAIT_MS = 20_000;

/** Amounts are BIGINT in the database (bounded far below 2^53 by Amazon's maximum): JSON carries them as numbers. */
const money = (amount: number | bigint, currency: string) => ({ amount: Number(amount), currency });

function mapError(err: unknown, subscriptionId: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw apiErrorFor(err.cause);
  // An ended workflow answers "not found" with this message: the subscription exists, it has ended.
  const message = err instanceof Error ? err.message : String(err);
  if (/workflow execution already completed/i.test(message)) throw new ApiError(409, 'subscription_closed', `The subscription ${subscriptionId} has ended; nothing more can be done`);
  if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'subscription_not_found', `No subscription ${subscriptionId}`);
  throw err;
}

export function subscriptionView(row: Subscription) {
  return {
    subscriptionId: row.subscriptionId,
    status: row.status,
    chargePermissionId: row.chargePermissionId,
    amount: money(row.amount, row.currency),
    frequency: { unit: row.frequencyUnit, value: row.frequencyValue },
    paymentIntent: row.paymentIntent,
    periodsCharged: row.periodsCharged,
    nextChargeAt: row.nextChargeAt,
    lastError: row.lastErrorCode ? { code: row.lastErrorCode, message: row.lastErrorMessage } : null,
    workflowId: row.workflowId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface SubscriptionNotifier {
  permissionChanged(workflowId: string, notificationId: string): Promise<void>;
}

/** Signals the subscription; one that has ended has nothing to learn. */
export function createSubscriptionNotifier(client: Client): SubscriptionNotifier {
  return {
    async permissionChanged(workflowId, notificationId) {
      try {
        await client.workflow.getHandle(workflowId).signal(permissionChanged, { notificationId });
      } catch (err) {
        const ended = err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(err instanceof Error ? err.message : String(err));
        if (!ended) throw err;
      }
    },
  };
}

export interface SubscriptionDeps {
  prisma: PrismaClient;
  client: Client;
}

export function subscriptionRoutes(deps: SubscriptionDeps): Router {
  const router = Router();
  const viewer = requireRole(deps.prisma, 'viewer');
  const editor = requireRole(deps.prisma, 'editor');
  const idOf = (req: Request) => subscriptionIdSchema.parse(req.params.subscriptionId);
  const handle = (id: string) => deps.client.workflow.getHandle(subscriptionWorkflowId(id));
  const answer = <R>(res: Response, requestId: string, outcome: ActionOutcome<R>) => {
    if (outcome.done) res.status(200).json({ status: 'completed', requestId, result: outcome.result });
    else res.status(202).json({ status: 'accepted', requestId, message: 'The action was accepted; repeat the request with the same requestId (or ?waitMs=) to get its result' });
  };
  const act = <R, A>(id: string, def: UpdateDefinition<R, [A]>, args: A & { requestId: string }, waitMs: number) =>
    sendUpdate(deps.client, handle(id), def, args, { updateId: fingerprintedUpdateId(def.name, args.requestId, JSON.stringify(args)), waitMs }, (err) => mapError(err, id));

  router.get('/api/admin/subscriptions', viewer, async (req: Request, res: Response) => {
    const q = listSubscriptionsQuerySchema.parse(req.query);
    const rows = await deps.prisma.subscription.findMany({ where: q.status ? { status: q.status } : {}, orderBy: [{ createdAt: 'desc' }, { subscriptionId: 'desc' }], take: q.limit });
    res.json({ subscriptions: rows.map(subscriptionView) });
  });

  router.get('/api/admin/subscriptions/:subscriptionId', viewer, async (req: Request, res: Response) => {
    const id = idOf(req);
    const [row, orders, events] = await Promise.all([
      deps.prisma.subscription.findUnique({ where: { subscriptionId: id } }),
      deps.prisma.order.findMany({ where: { subscriptionId: id }, orderBy: { recurringPeriod: 'asc' } }),
      deps.prisma.shopEvent.findMany({ where: { subscriptionId: id }, orderBy: { id: 'desc' }, take: 50 }),
    ]);
    if (!row) throw new ApiError(404, 'subscription_not_found', `No subscription ${id}`);
    // The workflow's own view (the projection may lag by one write); an ended subscription answers from the database.
    const live: SubscriptionState | undefined = await handle(id)
      .query(subscriptionState)
      .catch(() => undefined);
    res.json({
      ...subscriptionView(row),
      ...(live ? { status: live.status, nextChargeAt: live.nextChargeAt ?? null, lastError: live.lastError ?? null } : {}),
      // 継続課金: the details per charge, one order each (period 1 is the checkout).
      charges: orders.map((o) => ({
        period: o.recurringPeriod,
        orderId: o.orderId,
        paymentStatus: o.paymentStatus,
        amount: money(o.amount, o.currency),
        captured: money(o.capturedAmount, o.currency),
        refunded: money(o.refundedAmount, o.currency),
        chargeId: o.chargeId,
        createdAt: o.createdAt,
      })),
      failures: (live?.periods ?? []).filter((p) => !orders.some((o) => o.recurringPeriod === p.period && o.paymentStatus !== 'Declined') && p.result !== 'Captured' && p.result !== 'Authorized'),
      events: events.map((e) => ({ eventId: e.eventId, type: e.type, status: e.status, attempts: e.attempts, lastError: e.lastError, createdAt: e.createdAt, deliveredAt: e.deliveredAt })),
    });
  });

  const actions = [
    { path: 'pause', def: pauseSubscription },
    { path: 'resume', def: resumeSubscription },
  ] as const;
  for (const a of actions) {
    router.post(`/api/admin/subscriptions/:subscriptionId/${a.path}`, editor, async (req: Request, res: Response) => {
      const id = idOf(req);
      const body = subscriptionActionSchema.parse(req.body ?? {});
      const waitMs = Math.max(MIN_WAIT_MS, waitQuerySchema.parse(req.query).waitMs ?? 5_000);
      answer(res, body.requestId, await act(id, a.def, body, waitMs));
    });
  }

  router.post('/api/admin/subscriptions/:subscriptionId/cancel', editor, async (req: Request, res: Response) => {
    const id = idOf(req);
    const body = cancelSubscriptionSchema.parse(req.body ?? {});
    const waitMs = Math.max(MIN_WAIT_MS, waitQuerySchema.parse(req.query).waitMs ?? 5_000);
    answer(res, body.requestId, await act(id, cancelSubscription, body, waitMs));
  });

  router.post('/api/admin/subscriptions/:subscriptionId/charges', editor, async (req: Request, res: Response) => {
    const id = idOf(req);
    const body = chargeNowSchema.parse(req.body ?? {});
    const row = await deps.prisma.subscription.findUnique({ where: { subscriptionId: id } });
    if (!row) throw new ApiError(404, 'subscription_not_found', `No subscription ${id}`);
    if (body.amount && body.amount.currency !== row.currency) throw new ApiError(422, 'CurrencyMismatch', `The subscription is in ${row.currency}`);
    const waitMs = Math.max(MIN_WAIT_MS, waitQuerySchema.parse(req.query).waitMs ?? CHARGE_WAIT_MS);
    answer(res, body.requestId, await act(id, chargeNow, { requestId: body.requestId, ...(body.amount ? { amount: body.amount.amount } : {}) }, waitMs));
  });

  return router;
}

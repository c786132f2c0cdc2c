// Reconciliation: compares each open order (workflow state and projection) with Amazon's objects, reports every drift with its cause and nudges the workflow through amazonNotification.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import type { PrismaClient } from '../prisma/generated/client';
import { amazonNotification, state as stateQuery } from '../workflows/messages';
import { fromAmazonAmount } from '../lib/money';
import type { OrderPaymentState } from '../workflows/types';
import type { AmazonPayApi } from './amazon-pay-api';
import type { ActivityDeps } from './deps';
import { DEFAULT_SHOP_ID } from '../lib/names';

export interface ReconcileOptions {
  /** Report only: send nothing to the workflows. */
  dryRun?: boolean;
  /** Only these orders (of `shopId`, the default shop unless named). */
  orderIds?: string[];
  /** Only this shop's orders (default: every shop's; with orderIds: the default shop). */
  shopId?: string;
  /** At most this many orders of each shop, most recently updated first (default 1000). */
  limit?: number;
  /** After nudging, re-check the drifted orders for up to this long (default 10 s). */
  verifyMs?: number;
}

export interface Drift {
  shopId?: string;
  orderId: string;
  objectType: 'CHARGE' | 'REFUND' | 'CHARGE_PERMISSION' | 'CHECKOUT_SESSION' | 'PROJECTION';
  objectId?: string;
  field: string;
  engine: string | number;
  amazon: string | number;
  cause: string;
  /** notified: the workflow was told to re-read the object; reported: needs a person (or nothing could be sent). */
  action: 'notified' | 'reported';
  resolved?: boolean;
}

export interface ReconcileReport {
  runId: string;
  checkedOrders: number;
  drifts: Drift[];
  errors: { shopId?: string; orderId: string; message: string }[];
  startedAt: string;
  finishedAt: string;
}

export interface ReconcileDeps {
  prisma: PrismaClient;
  /** A client signing as each shop's merchant: each order is read from Amazon as its own shop (docs/shops.md). */
  amazonPayFor: (shopId: string) => AmazonPayApi | Promise<AmazonPayApi>;
  client: Client;
  log: Logger;
  clock?: () => Date;
  heartbeat?: () => void;
}

/** Orders in these states have no Amazon object left to move. */
const NOTHING_AT_AMAZON = ['Abandoned'] as const;

function chargeCause(engine: string, amazon: string): string {
  if (engine === 'Canceled' && amazon === 'Captured') return 'cancelled here but captured at Amazon';
  if (engine === 'Authorized' && amazon === 'Captured') return 'captured at Amazon but the capture never reached the workflow (lost response or notification)';
  if (engine === 'Authorized' && (amazon === 'Canceled' || amazon === 'Declined')) return `authorized here but ${amazon.toLowerCase()} at Amazon (expired, closed or cancelled outside the engine)`;
  if (engine === 'AuthorizationInitiated' || engine === 'CaptureInitiated') return `still pending here but ${amazon} at Amazon: neither notification nor polling reached the workflow`;
  return `state ${engine} here, ${amazon} at Amazon`;
}

/** Everything that differs between one order and Amazon (no side effects). */
export async function findDrifts(amazonPay: AmazonPayApi, st: OrderPaymentState, row: { paymentStatus: string; capturedAmount: number | bigint; refundedAmount: number | bigint } | null): Promise<Drift[]> {
  const drifts: Drift[] = [];
  const orderId = st.orderId;
  const c = st.currency;
  let chargeableAtAmazon = false;
  for (const ch of st.charges) {
    const a = (await amazonPay.getCharge(ch.chargeId)).data;
    const amazonState = a.statusDetails.state;
    if (amazonState === 'Authorized') chargeableAtAmazon = true;
    if (amazonState !== ch.state) drifts.push({ orderId, objectType: 'CHARGE', objectId: ch.chargeId, field: 'state', engine: ch.state, amazon: amazonState, cause: chargeCause(ch.state, amazonState), action: 'reported' });
    const captured = a.captureAmount ? fromAmazonAmount(a.captureAmount.amount, c) : 0;
    if (amazonState === ch.state && amazonState === 'Captured' && captured !== ch.captured) drifts.push({ orderId, objectType: 'CHARGE', objectId: ch.chargeId, field: 'captured', engine: ch.captured, amazon: captured, cause: 'captured amount differs from Amazon', action: 'reported' });
    const refunded = a.refundedAmount ? fromAmazonAmount(a.refundedAmount.amount, c) : 0;
    if (refunded !== ch.refunded) drifts.push({ orderId, objectType: 'CHARGE', objectId: ch.chargeId, field: 'refunded', engine: ch.refunded, amazon: refunded, cause: refunded > ch.refunded ? 'refunds completed at Amazon that the workflow has not seen' : 'the workflow counts refunds Amazon has not completed', action: 'reported' });
  }
  for (const r of st.refunds) {
    const a = (await amazonPay.getRefund(r.refundId)).data;
    if (a.statusDetails.state !== r.state) {
      drifts.push({ orderId, objectType: 'REFUND', objectId: r.refundId, field: 'state', engine: r.state, amazon: a.statusDetails.state, cause: r.state === 'RefundInitiated' ? `refund still pending here but ${a.statusDetails.state} at Amazon: neither notification nor polling reached the workflow` : `refund ${r.state} here, ${a.statusDetails.state} at Amazon`, action: 'reported' });
    }
  }
  // A closed permission matters only while a charge there is still expected to be captured.
  if (st.chargePermissionId && st.amounts.capturable > 0 && chargeableAtAmazon) {
    const p = (await amazonPay.getChargePermission(st.chargePermissionId)).data;
    if (p.statusDetails.state === 'Closed') drifts.push({ orderId, objectType: 'CHARGE_PERMISSION', objectId: st.chargePermissionId, field: 'state', engine: 'capturable', amazon: 'Closed', cause: 'the charge permission was closed at Amazon while the order still expects to capture', action: 'reported' });
  }
  if (st.charges.length === 0 && st.checkoutSessionId && (st.paymentStatus === 'CheckoutPending' || st.paymentStatus === 'AuthorizationPending')) {
    const session = (await amazonPay.getCheckoutSession(st.checkoutSessionId)).data;
    if (session.statusDetails.state === 'Completed' && session.chargeId) {
      drifts.push({ orderId, objectType: 'CHECKOUT_SESSION', objectId: session.chargeId, field: 'charge', engine: 'none', amazon: session.chargeId, cause: `Amazon completed the checkout (charge ${session.chargeId}) but the workflow never recorded it (stuck ${st.paymentStatus})`, action: 'reported' });
    }
  }
  if (row && (row.paymentStatus !== st.paymentStatus || Number(row.capturedAmount) !== st.amounts.captured || Number(row.refundedAmount) !== st.amounts.refunded)) {
    drifts.push({ orderId, objectType: 'PROJECTION', field: 'paymentStatus/captured/refunded', engine: `${row.paymentStatus}/${row.capturedAmount}/${row.refundedAmount}`, amazon: `${st.paymentStatus}/${st.amounts.captured}/${st.amounts.refunded}`, cause: 'the database projection lags the workflow (a projection write is still retrying or was lost)', action: 'reported' });
  }
  return drifts;
}

/** The notification that makes the workflow re-read the drifted object, when there is one it knows. */
function nudgeFor(d: Drift, st: OrderPaymentState): { objectType: string; objectId: string } | undefined {
  if ((d.objectType === 'CHARGE' || d.objectType === 'REFUND' || d.objectType === 'CHARGE_PERMISSION') && d.objectId) return { objectType: d.objectType, objectId: d.objectId };
  // A stale projection: re-reading the order's charge makes the workflow write its projection again.
  if (d.objectType === 'PROJECTION' && st.charges[0]) return { objectType: 'CHARGE', objectId: st.charges[0].chargeId };
  return undefined;
}

async function engineState(client: Client, workflowId: string): Promise<OrderPaymentState> {
  return client.workflow.getHandle(workflowId).query(stateQuery);
}

export async function reconcileOrders(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const runId = `reconcile-${startedAt}`;
  // The limit is per shop (docs/shops.md): one busy shop never pushes another's orders out of a run.
  const shopIds = opts.shopId !== undefined ? [opts.shopId] : opts.orderIds ? [DEFAULT_SHOP_ID] : (await deps.prisma.shop.findMany({ select: { shopId: true }, orderBy: { createdAt: 'asc' } })).map((x) => x.shopId);
  const rows = [];
  for (const shopId of shopIds) {
    rows.push(
      ...(await deps.prisma.order.findMany({
        where: { shopId, ...(opts.orderIds ? { orderId: { in: opts.orderIds } } : { paymentStatus: { notIn: [...NOTHING_AT_AMAZON] } }) },
        orderBy: { updatedAt: 'desc' },
        take: opts.limit ?? 1000,
        select: { shopId: true, orderId: true, workflowId: true, paymentStatus: true, capturedAmount: true, refundedAmount: true },
      })),
    );
  }
  const drifts: Drift[] = [];
  const errors: ReconcileReport['errors'] = [];
  const toVerify = new Map<string, { shopId: string; orderId: string; drifts: Drift[] }>();
  for (const row of rows) {
    deps.heartbeat?.();
    try {
      const st = await engineState(deps.client, row.workflowId);
      const found = await findDrifts(await deps.amazonPayFor(row.shopId), st, row);
      for (const d of found) {
        d.shopId = row.shopId;
        const nudge = opts.dryRun ? undefined : nudgeFor(d, st);
        if (nudge && !st.completed) {
          try {
            const r = await deps.client.workflow.getHandle(row.workflowId).executeUpdate(amazonNotification, { args: [{ ...nudge, notificationId: `${runId}:${nudge.objectId}` }], updateId: `${runId}:${nudge.objectType}:${nudge.objectId}` });
            d.action = r.accepted ? 'notified' : 'reported';
          } catch (err) {
            d.cause += ` (notification refused: ${err instanceof Error ? err.message : String(err)})`;
          }
        }
        if (d.action === 'notified') {
          const key = `${row.shopId}/${row.orderId}`;
          toVerify.set(key, { shopId: row.shopId, orderId: row.orderId, drifts: [...(toVerify.get(key)?.drifts ?? []), d] });
        }
        drifts.push(d);
        deps.log.warn({ shopId: row.shopId, orderId: d.orderId, objectType: d.objectType, objectId: d.objectId, field: d.field, engine: d.engine, amazon: d.amazon, action: d.action }, `drift: ${d.cause}`);
      }
    } catch (err) {
      errors.push({ shopId: row.shopId, orderId: row.orderId, message: err instanceof Error ? err.message : String(err) });
    }
  }
  // Re-check what was nudged: resolved once the workflow (and its projection) agree with Amazon.
  const deadline = Date.now() + (opts.verifyMs ?? 10_000);
  while (toVerify.size > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    deps.heartbeat?.();
    for (const [key, { shopId, orderId, drifts: ds }] of toVerify) {
      const row = await deps.prisma.order.findUnique({ where: { shopId_orderId: { shopId, orderId } }, select: { workflowId: true, paymentStatus: true, capturedAmount: true, refundedAmount: true } });
      if (!row) continue;
      const left = await findDrifts(await deps.amazonPayFor(shopId), await engineState(deps.client, row.workflowId), row).catch(() => undefined);
      if (!left) continue;
      for (const d of ds) d.resolved = !left.some((l) => l.objectType === d.objectType && l.objectId === d.objectId && l.field === d.field);
      if (ds.every((d) => d.resolved)) toVerify.delete(key);
    }
  }
  for (const { drifts: ds } of toVerify.values()) for (const d of ds) d.resolved ??= false;
  return { runId, checkedOrders: rows.length, drifts, errors, startedAt, finishedAt: clock().toISOString() };
}

/** The activity the scheduled `reconcile` workflow runs (its Temporal client is the worker's). */
export function createReconcileActivities(deps: ActivityDeps) {
  return {
    async reconcileOrders(opts: ReconcileOptions): Promise<ReconcileReport> {
      const ctx = Context.current();
      return reconcileOrders({ prisma: deps.prisma, amazonPayFor: deps.amazonPayFor ?? (() => deps.amazonPay), client: ctx.client, log: deps.log, clock: deps.clock, heartbeat: () => ctx.heartbeat() }, opts);
    },
  };
}

// The pre-payment log (docs/product-rules.md, Recovery and logs): a row written before each money-moving call and resolved after it, keyed by the idempotency key.
// It also names the command that made the call, so an order can find a call whose answer it lost (docs/recovery.md).
import { z } from 'zod';
import { jsonParam } from '../lib/storable-text';
import { ORDER_STATUSES } from '../workflows/messages';
import type { Actor } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { amazonIdColumns } from './persistence';

/**
 * The order's command a money-moving call was made for, as the order would run it again: same requestId, so the same
 * idempotency key, and Amazon answers with what it did the first time (docs/recovery.md).
 */
export type RecoverableCommand =
  | { kind: 'capture'; requestId: string; amount: number; actor?: Actor }
  /** `pieces`: how the refund was spread over the charges when it was decided; it is sent again the same way. */
  | { kind: 'refund'; requestId: string; amount: number; pieces: RefundPiece[]; actor?: Actor; approver?: Actor; approvalId?: string }
  | { kind: 'cancel'; requestId: string; reason?: string; actor?: Actor }
  /** `requestId`: the completion attempt's (`<session>/<attempt>`); only the attempt still current here is recovered. */
  | { kind: 'complete'; checkoutSessionId: string; requestId?: string }
  /** An order-status change whose linked capture or cancel made the call: the change is recovered, with its action. */
  | { kind: 'orderStatus'; status: string; actor?: Actor };

export interface RefundPiece {
  chargeId: string;
  amount: number;
}

export interface PrePaymentEntry {
  orderId: string;
  action: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  checkoutSessionId?: string;
  chargePermissionId?: string;
  chargeId?: string;
  command?: RecoverableCommand;
}

/**
 * Written before the call; a retry finds the row already there and leaves it as it is. Raw statements, as on every
 * money call's path (a statement through the ORM costs the worker several times the CPU, docs/benchmark.md); the
 * payload's strings are made storable first (lib/storable-text.ts: an editor's reason can hold a lone surrogate).
 */
export async function openPrePayment(deps: ActivityDeps, e: PrePaymentEntry): Promise<void> {
  const ids = amazonIdColumns(e);
  const payload = e.command ? jsonParam({ command: e.command }) : null;
  await deps.prisma.$executeRaw`
    INSERT INTO pre_payment_log (shop_id, order_id, action, idempotency_key, amount, currency, checkout_session_id, charge_permission_id, charge_id, status, payload)
    VALUES (${deps.shopId}, ${e.orderId}, ${e.action}, ${e.idempotencyKey}, ${e.amount}, ${e.currency}, ${ids.checkoutSessionId}, ${ids.chargePermissionId}, ${ids.chargeId}, 'pending', ${payload}::jsonb)
    ON CONFLICT (idempotency_key) DO NOTHING`;
}

/** Resolved once Amazon answered: `succeeded` with the object ids, or `failed` with the reason code. The command stays. */
export async function resolvePrePayment(
  deps: ActivityDeps,
  e: Pick<PrePaymentEntry, 'idempotencyKey' | 'command'>,
  outcome: { ok: true; chargeId?: string; chargePermissionId?: string; objectId?: string } | { ok: false; code: string },
): Promise<void> {
  const payload = { ...(e.command ? { command: e.command } : {}), ...(outcome.ok && outcome.objectId ? { amazonObjectId: outcome.objectId } : {}) };
  const ok = outcome.ok ? outcome : undefined;
  // A failure keeps the ids and payload the row has; a success sets what it names and keeps the rest.
  const updated = await deps.prisma.$executeRaw`
    UPDATE pre_payment_log SET
      status = ${ok ? 'succeeded' : 'failed'}::"PrePaymentStatus",
      result_code = ${outcome.ok ? 'OK' : outcome.code},
      resolved_at = ${deps.clock()},
      charge_id = COALESCE(${ok?.chargeId || null}, charge_id),
      charge_permission_id = COALESCE(${ok?.chargePermissionId || null}, charge_permission_id),
      payload = COALESCE(${ok && Object.keys(payload).length > 0 ? jsonParam(payload) : null}::jsonb, payload)
    WHERE idempotency_key = ${e.idempotencyKey}`;
  if (updated === 0) throw new Error(`no pre-payment row to resolve for ${e.idempotencyKey}`);
}

const text = z.string().min(1).max(1_000);
const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const actor = z.object({ keyId: text, name: z.string().max(1_000), role: text }).optional();
/**
 * What a row may name: a command the workflow would run again, so it is checked here, where a row that does not fit is
 * left out (logged), never handed to the workflow (a malformed one would fail its task for good, or run as something
 * else). Refund pieces must add up to the refund.
 */
const recoverableCommand = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('capture'), requestId: text, amount, actor }),
  z
    .object({ kind: z.literal('refund'), requestId: text, amount, pieces: z.array(z.object({ chargeId: text, amount })).min(1).max(100), actor, approver: actor, approvalId: text.optional() })
    .refine((c) => c.pieces.reduce((n, p) => n + p.amount, 0) === c.amount, 'the pieces do not add up to the refund'),
  z.object({ kind: z.literal('cancel'), requestId: text, reason: z.string().max(1_000).optional(), actor }),
  z.object({ kind: z.literal('complete'), checkoutSessionId: text, requestId: text.optional() }),
  z.object({ kind: z.literal('orderStatus'), status: z.enum(ORDER_STATUSES as [string, ...string[]]), actor }),
]);

/** The commands behind an order's money-moving calls, oldest first, each once (a refund in pieces is one command). */
export async function commandsOfOrder(deps: ActivityDeps, orderId: string): Promise<RecoverableCommand[]> {
  const rows = await deps.prisma.prePaymentLog.findMany({ where: { shopId: deps.shopId, orderId }, orderBy: { id: 'asc' }, select: { payload: true } });
  const seen = new Set<string>();
  const out: RecoverableCommand[] = [];
  for (const row of rows) {
    const named = (row.payload as { command?: unknown } | null)?.command;
    if (named === undefined) continue;
    const parsed = recoverableCommand.safeParse(named);
    if (!parsed.success) {
      deps.log.error({ orderId, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'a pre-payment row names a command that does not fit; left out of the recovery');
      continue;
    }
    const command = parsed.data as RecoverableCommand;
    const id = command.kind === 'complete' ? `complete:${command.checkoutSessionId}` : command.kind === 'orderStatus' ? `orderStatus:${command.status}` : `${command.kind}:${command.requestId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(command);
  }
  return out;
}

export function createPrePaymentActivities(deps: ActivityDeps) {
  return {
    /** What the order asked Amazon for, as its pre-payment rows name it: the order finds there a call whose answer it lost. */
    async moneyCommandsOfOrder(input: { orderId: string }): Promise<RecoverableCommand[]> {
      return commandsOfOrder(deps, input.orderId);
    },
  };
}

// One order's full lifecycle through the engine API with the simulator's buyer: checkout, buyer, complete, capture, refund, then waits until Refunded.
import type { Stack } from './stack';

export interface LifecycleTiming {
  orderId: string;
  startedAt: number;
  settledAt: number;
}

function must(step: string, r: { status: number; body?: unknown; data?: unknown }, ok: number): void {
  if (r.status !== ok) throw new Error(`${step}: ${r.status} ${JSON.stringify(r.body ?? r.data)}`);
}

/** Buyer and storefront steps up to an authorized (or, with AuthorizeWithCapture, captured) order. */
export async function checkout(s: Stack, orderId: string, amount: number, paymentIntent: 'Authorize' | 'AuthorizeWithCapture' = 'Authorize'): Promise<{ status: number; body: any; checkoutSessionId: string }> {
  const started = await s.call('POST', '/api/checkouts', 'storefront', { orderId, amount: { amount, currency: 'JPY' }, paymentIntent, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' });
  must('checkout start', started, 201);
  const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON: started.body.payloadJSON, signature: started.body.signature, publicKeyId: started.body.publicKeyId });
  must('buyer button', button, 201);
  const id = button.data.checkoutSessionId;
  must('buyer sign-in', await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {}), 200);
  must('review', await s.call('GET', `/api/checkouts/${orderId}?amazonCheckoutSessionId=${id}`, 'storefront'), 200);
  must('confirm', await s.call('POST', `/api/checkouts/${orderId}/confirm`, 'storefront', {}), 200);
  must('buyer approval', await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {}), 200);
  const complete = await s.call('POST', `/api/checkouts/${orderId}/complete`, 'storefront', { amazonCheckoutSessionId: id });
  return { ...complete, checkoutSessionId: id };
}

export async function waitForStatus(s: Stack, orderId: string, statuses: string[], timeoutMs: number, intervalMs = 50): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r: { status: number; body: { paymentStatus?: string; amounts?: { refundPending?: { amount?: number } } } } = await s
      .call('GET', `/api/admin/orders/${orderId}`, 'viewer')
      .catch(() => ({ status: 0, body: {} }));
    last = r.status === 200 ? String(r.body.paymentStatus) : `HTTP ${r.status}`;
    if (statuses.includes(last) && (r.body.amounts?.refundPending?.amount ?? 0) === 0) return last;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
  throw new Error(`order ${orderId} not ${statuses.join('/')} after ${timeoutMs} ms (last ${last})`);
}

/** Queries the settle check sent to the database (subtracted from the engine's transaction count). */
export const settleQueries = { count: 0 };

interface SettleWait {
  refunded: number;
  deadline: number;
  last: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Orders waiting to settle, per stack: one poller checks all of them with one query per tick. */
const waiting = new WeakMap<Stack, Map<string, SettleWait>>();

function settlePoller(s: Stack, intervalMs: number): Map<string, SettleWait> {
  const known = waiting.get(s);
  if (known) return known;
  const all = new Map<string, SettleWait>();
  waiting.set(s, all);
  const tick = async () => {
    if (all.size > 0) {
      settleQueries.count++;
      const rows = await s.prisma.order.findMany({ where: { orderId: { in: [...all.keys()] } }, select: { orderId: true, paymentStatus: true, refundedAmount: true } }).catch(() => []);
      for (const row of rows) {
        const w = all.get(row.orderId);
        if (!w) continue;
        w.last = `${row.paymentStatus}, refunded ${row.refundedAmount}`;
        if (row.paymentStatus === 'Refunded' && Number(row.refundedAmount) === w.refunded) {
          all.delete(row.orderId);
          w.resolve();
        }
      }
      const now = performance.now();
      for (const [orderId, w] of all) {
        if (now < w.deadline) continue;
        all.delete(orderId);
        w.reject(new Error(`order ${orderId} not Refunded after its bound (projection: ${w.last})`));
      }
    }
    setTimeout(() => void tick(), intervalMs).unref();
  };
  void tick();
  return all;
}

/**
 * Waits until the order's database projection (what the shop's lists read) shows the refund done. The orders in
 * flight are checked together: one indexed SELECT every 50 ms from this process for all of them (one query per
 * order per check was a load of its own on the shared machine; asking the API instead made a workflow query per
 * check through the API, the server and the worker, which the baseline does not carry).
 */
export function waitForRefunded(s: Stack, orderId: string, refunded: number, timeoutMs: number, intervalMs = 50): Promise<void> {
  const orders = settlePoller(s, intervalMs);
  return new Promise<void>((resolve, reject) => orders.set(orderId, { refunded, deadline: performance.now() + timeoutMs, last: 'no row', resolve, reject }));
}

export async function fullLifecycle(s: Stack, orderId: string, amount = 5000): Promise<LifecycleTiming> {
  const startedAt = performance.now();
  const done = await checkout(s, orderId, amount);
  must('complete', done, 200);
  must('capture', await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=20000`, 'editor', { amount, requestId: 'cap-1' }), 200);
  must('refund', await s.call('POST', `/api/admin/orders/${orderId}/refunds?waitMs=20000`, 'editor', { amount: 1000, requestId: 'ref-1' }), 200);
  await waitForRefunded(s, orderId, 1000, 30_000);
  return { orderId, startedAt, settledAt: performance.now() };
}

/** Runs `count` jobs with at most `concurrency` in flight; stops starting new ones after `deadlineMs`. */
export async function pool<T>(count: number, concurrency: number, deadlineMs: number, job: (i: number) => Promise<T>): Promise<{ results: T[]; errors: string[]; elapsedMs: number }> {
  const results: T[] = [];
  const errors: string[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < count && performance.now() - t0 < deadlineMs) {
      const i = next++;
      try {
        results.push(await job(i));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { results, errors, elapsedMs: performance.now() - t0 };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Chaos suite helpers: admin actions retried with the same requestId until answered, and each order's final state checked against the simulator's ledger.
import type { Stack } from '../bench/stack';
import { waitForStatus } from '../bench/lifecycle';

export interface Verdict {
  orders: number;
  lost: string[];
  duplicated: string[];
}

interface LedgerEntry {
  type: string;
  status: string;
  amount: number;
}

/** Sends an admin action, repeating the same requestId (as a careful client does) until it is answered 200, up to `ms`. */
export async function act(s: Stack, pathname: string, body: { amount: number; requestId: string }, ms = 90_000): Promise<number> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    const r = await s.call('POST', `${pathname}?waitMs=10000`, 'editor', body).catch(() => ({ status: 0, body: undefined }));
    last = r.status;
    if (r.status === 200) return 200;
    if (r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429) return r.status;
    await new Promise((res) => setTimeout(res, 500));
  }
  return last;
}

/** Every order must end Refunded with exactly one capture of its amount and one refund of 1000 at Amazon. */
export async function verify(s: Stack, orders: { orderId: string; amount: number }[], settleMs = 60_000): Promise<Verdict> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  for (const o of orders) {
    const status = await waitForStatus(s, o.orderId, ['Refunded'], settleMs, 250).catch(() => 'not settled');
    const detail = await s.call('GET', `/api/admin/orders/${o.orderId}`, 'viewer').catch(() => ({ status: 0, body: {} as Record<string, unknown> }));
    const permission = detail.body?.chargePermissionId as string | undefined;
    const entries = permission ? (await s.control<{ entries: LedgerEntry[] }>('GET', `/__sim/ledger?chargePermissionId=${permission}`)).data.entries : [];
    const captures = entries.filter((e) => e.type === 'capture' && e.status === 'completed');
    const refunds = entries.filter((e) => e.type === 'refund' && e.status === 'completed');
    if (captures.length > 1 || refunds.length > 1) duplicated.push(`${o.orderId} (${captures.length} captures, ${refunds.length} refunds)`);
    else if (status !== 'Refunded' || captures.length !== 1 || refunds.length !== 1 || captures[0].amount !== o.amount || refunds[0].amount !== 1000) {
      lost.push(`${o.orderId} (${status}, ${captures.length} captures, ${refunds.length} refunds)`);
    }
  }
  return { orders: orders.length, lost, duplicated };
}

// The chaos suite's shop (docs/events.md): a loopback endpoint that checks each event's signature and counts what
// arrives. After every fault, each order's events must have arrived once each, in order (seq 1, 2, 3 … by first
// arrival), and the last one must name the payment status the order really has. The shop can be made to fail too.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyEventSignature } from '../../lib/event-signature';
import type { Stack } from '../bench/stack';

interface Arrival {
  id: string;
  orderId: string;
  seq: number;
  type: string;
  paymentStatus: string | null;
}

export interface EventVerdict {
  orders: number;
  /** An order whose events did not all arrive, arrived out of order, or ended on the wrong status. */
  wrong: string[];
  /** Events that arrived more than once (the shop deduplicates on the id, but each is counted). */
  duplicated: string[];
}

export class ChaosShop {
  private server?: Server;
  /** First arrivals, in the order they arrived. */
  readonly arrivals: Arrival[] = [];
  readonly counts = new Map<string, number>();
  forged = 0;
  /** While set, every request is answered with this status (the shop is down or broken). */
  failWith?: number;

  constructor(readonly secret: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.receive(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }

  private async receive(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.failWith !== undefined) return this.failWith;
    const body = Buffer.concat(chunks).toString('utf8');
    const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
    if (typeof header !== 'string' || !verifyEventSignature(body, header, this.secret)) {
      this.forged += 1;
      return 400;
    }
    const e = JSON.parse(body) as Arrival;
    if (req.headers[EVENT_ID_HEADER.toLowerCase()] !== e.id) {
      this.forged += 1;
      return 400;
    }
    const n = (this.counts.get(e.id) ?? 0) + 1;
    this.counts.set(e.id, n);
    if (n === 1) this.arrivals.push({ id: e.id, orderId: e.orderId, seq: e.seq, type: e.type, paymentStatus: e.paymentStatus });
    return 200;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Waits (up to `settleMs`) until every event the engine recorded for the orders has arrived, then judges each order:
   * its events' ids as recorded (GET /api/events), arrived once each, first arrivals in seq order 1..n, the last one's
   * payment status the order's own.
   */
  async verify(s: Stack, orderIds: string[], settleMs = 60_000): Promise<EventVerdict> {
    const recorded = async (orderId: string) => {
      const ids: Array<{ id: string; seq: number }> = [];
      let after = '';
      for (let page = 0; page < 20; page++) {
        const r = await s.call('GET', `/api/events?orderId=${encodeURIComponent(orderId)}&limit=100${after ? `&after=${after}` : ''}`, 'storefront');
        if (r.status !== 200) throw new Error(`GET /api/events answered ${r.status}`);
        ids.push(...(r.body.data as Array<{ id: string; seq: number }>));
        if (!r.body.hasMore) break;
        after = r.body.nextAfter;
      }
      return ids;
    };
    const deadline = Date.now() + settleMs;
    let expected = new Map<string, Array<{ id: string; seq: number }>>();
    while (Date.now() < deadline) {
      expected = new Map(await Promise.all(orderIds.map(async (o) => [o, await recorded(o)] as const)));
      const missing = [...expected.values()].flat().filter((e) => !this.counts.has(e.id)).length;
      if (missing === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const wrong: string[] = [];
    const duplicated: string[] = [];
    for (const orderId of orderIds) {
      const want = expected.get(orderId) ?? [];
      const got = this.arrivals.filter((a) => a.orderId === orderId);
      const status = (await s.call('GET', `/api/admin/orders/${encodeURIComponent(orderId)}`, 'viewer')).body?.paymentStatus;
      const seqs = got.map((a) => a.seq).join(',');
      const inOrder = got.every((a, i) => a.seq === i + 1);
      if (want.length === 0) wrong.push(`${orderId}: no event recorded`);
      else if (got.length !== want.length || !inOrder) wrong.push(`${orderId}: recorded seq 1..${want.length}, arrived ${seqs || 'none'}`);
      else if (got[got.length - 1].paymentStatus !== status) wrong.push(`${orderId}: last event says ${got[got.length - 1].paymentStatus}, the order is ${status}`);
      for (const a of got) if ((this.counts.get(a.id) ?? 0) > 1) duplicated.push(`${orderId} seq ${a.seq} ×${this.counts.get(a.id)}`);
    }
    return { orders: orderIds.length, wrong, duplicated };
  }
}

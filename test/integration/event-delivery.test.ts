/**
 * The event relay on a real database (docs/events.md, Delivery), driven directly: events written with appendEvents,
 * endpoints that are loopback HTTP receivers. Every answer of the table (2xx delivered; 408, 429, 5xx, a timeout and an
 * unreachable endpoint retried, then failed after the give-up time; other 4xx and redirects refused), in order per order
 * with two relays racing, the lease, rotation overlap, the env endpoint, and secrets never in the database or the logs.
 * Timeouts and backoffs are small and injected; every loop is bounded in count and time; nothing asserts timing.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendEvents, type NewEvent } from '../../lib/events';
import { createEventRelay, type EventRelay, type EventRelayDeps } from '../../lib/event-relay';
import { ensureEnvEndpoint } from '../../lib/event-endpoints';
import { verifyEventSignature } from '../../lib/event-signature';
import { createSecretBox } from '../../lib/secret-box';
import { createPrismaClient, type PrismaClient } from '../../lib/database';
import { createLogger } from '../../lib/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/http';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- a shop's endpoint on loopback

interface Arrival {
  path: string;
  raw: string;
  headers: http.IncomingHttpHeaders;
  event: { id: string; orderId: string; seq: number; type: string };
}

interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

interface Receiver {
  url: string;
  port: number;
  arrivals: Arrival[];
  /** Arrivals and 2xx answers in the order they happened. */
  timeline: Array<{ kind: 'arrive' | 'ack'; eventId: string; orderId: string; seq: number }>;
  /** A second request for an event while one was still being answered. */
  concurrent: string[];
  close(): Promise<void>;
}

async function startReceiver(answer: (a: Arrival, nth: number) => Answer, port = 0): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const timeline: Receiver['timeline'] = [];
  const concurrent: string[] = [];
  const open = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let event: Arrival['event'];
      try {
        event = JSON.parse(raw) as Arrival['event'];
      } catch {
        event = { id: '?', orderId: '?', seq: 0, type: '?' };
      }
      const a: Arrival = { path: req.url ?? '', raw, headers: req.headers, event };
      arrivals.push(a);
      timeline.push({ kind: 'arrive', eventId: event.id, orderId: event.orderId, seq: event.seq });
      if (open.has(event.id)) concurrent.push(event.id);
      open.add(event.id);
      const nth = arrivals.filter((x) => x.event.id === event.id).length;
      const reply = answer(a, nth);
      const respond = () => {
        open.delete(event.id);
        if (reply.status >= 200 && reply.status < 300) timeline.push({ kind: 'ack', eventId: event.id, orderId: event.orderId, seq: event.seq });
        res.writeHead(reply.status, reply.headers).end(reply.status >= 200 && reply.status < 300 ? 'ok' : 'no');
      };
      if (reply.delayMs) setTimeout(respond, reply.delayMs).unref();
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/events`,
    port: bound,
    arrivals,
    timeline,
    concurrent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok: Answer = { status: 204 };

// ---------------------------------------------------------------- the database, endpoints and events

let db: TestDatabase;
let prisma: PrismaClient;
const box = createSecretBox(randomBytes(32));
const logLines: string[] = [];
const log = createLogger('debug', 'event-relay-test', { write: (line: string) => void logLines.push(line) });
const receivers: Receiver[] = [];
const secretsUsed: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});

afterEach(async () => {
  // Each test's endpoints and their leftover deliveries end with it: the next test's events go to its own only.
  await prisma.eventEndpoint.updateMany({ where: { deletedAt: null }, data: { enabled: false, deletedAt: new Date() } });
  await prisma.eventDelivery.updateMany({ where: { status: 'pending' }, data: { status: 'canceled' } });
  while (receivers.length > 0) await receivers.pop()?.close();
});

afterAll(async () => {
  // No secret reached a log line, a delivery's error or an endpoint row in the clear.
  const errors = (await prisma.eventDelivery.findMany({ select: { lastError: true } })).map((d) => d.lastError ?? '').join('\n');
  const rows = JSON.stringify(await prisma.$queryRaw`SELECT * FROM event_endpoints`);
  for (const secret of secretsUsed) {
    expect(logLines.join('\n')).not.toContain(secret);
    expect(errors).not.toContain(secret);
    expect(rows).not.toContain(secret);
  }
  await db?.close();
});

async function receiver(answer: (a: Arrival, nth: number) => Answer = () => ok, port = 0): Promise<Receiver> {
  const r = await startReceiver(answer, port);
  receivers.push(r);
  return r;
}

function newSecret(): string {
  const s = `whsec_${randomBytes(24).toString('hex')}`;
  secretsUsed.push(s);
  return s;
}

async function endpoint(url: string, opts: { secret?: string; previous?: { secret: string; expiresAt: Date }; eventTypes?: string[] } = {}) {
  const secret = opts.secret ?? newSecret();
  const row = await prisma.eventEndpoint.create({
    data: {
      shopId: 'default',
      url,
      eventTypes: opts.eventTypes ?? [],
      source: 'api',
      secretSealed: box.seal(secret),
      ...(opts.previous ? { previousSecretSealed: box.seal(opts.previous.secret), previousSecretExpiresAt: opts.previous.expiresAt } : {}),
    },
  });
  return { id: row.id, secret };
}

let eventCount = 0;
/** Appends `n` events to an order (one transaction each, as the workflow's projection writes do). */
async function emit(orderId: string, n = 1, type: NewEvent['type'] = 'payment.captured'): Promise<void> {
  for (let i = 0; i < n; i++) {
    eventCount += 1;
    const e: NewEvent = { dedupeKey: `test:${orderId}:${eventCount}`, type, paymentStatus: 'Captured', occurredAt: new Date(), data: { amount: { amount: 1200 + eventCount, currency: 'JPY' } } };
    await prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: orderId }, [e]));
  }
}

async function deliveriesOf(orderId: string) {
  return prisma.eventDelivery.findMany({ where: { orderId }, orderBy: [{ seq: 'asc' }, { id: 'asc' }] });
}

const FAST = { timeoutMs: 300, initialBackoffMs: 20, maxBackoffMs: 80, leaseMs: 2_000, pollMs: 20, batch: 8, stopTimeoutMs: 3_000 };

function relay(extra: Partial<EventRelayDeps> = {}): EventRelay {
  return createEventRelay({ prisma, secretBox: box, log, ...extra, settings: { ...FAST, ...extra.settings } });
}

/** Runs the relay until `done` holds: at most `rounds` claims and `ms` milliseconds. */
async function drive(r: EventRelay, done: () => Promise<boolean>, { rounds = 400, ms = 15_000 } = {}): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < rounds && Date.now() < deadline; i++) {
    if (await done()) return;
    if ((await r.runOnce()) === 0) await sleep(10);
  }
  if (!(await done())) throw new Error(`not reached within ${rounds} claims and ${ms} ms`);
}

const allDelivered = (orderId: string, n: number) => async () => {
  const d = await deliveriesOf(orderId);
  return d.length === n && d.every((x) => x.status === 'delivered');
};

const seqsAt = (r: Receiver, orderId: string) => r.arrivals.filter((a) => a.event.orderId === orderId).map((a) => a.event.seq);

// ---------------------------------------------------------------- the answers

describe('event relay', () => {
  it('sends the event signed, with its id and type, and records it delivered', async () => {
    const shop = await receiver();
    const ep = await endpoint(shop.url);
    await emit('ORD-OK');
    const r = relay();
    await drive(r, allDelivered('ORD-OK', 1));
    const [a] = shop.arrivals;
    const stored = await prisma.event.findFirstOrThrow({ where: { orderId: 'ORD-OK' } });
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.headers['x-engine-event-id']).toBe(stored.eventId);
    expect(a.headers['x-engine-event-type']).toBe('payment.captured');
    expect(verifyEventSignature(a.raw, a.headers['x-engine-signature'] as string, ep.secret)).toBe(true);
    expect(JSON.parse(a.raw)).toMatchObject({ id: stored.eventId, object: 'event', type: 'payment.captured', orderId: 'ORD-OK', seq: 1, paymentStatus: 'Captured', data: { amount: { currency: 'JPY' } } });
    const [d] = await deliveriesOf('ORD-OK');
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, lastError: null, lockedUntil: null });
    expect(d.deliveredAt).toBeInstanceOf(Date);
    expect(d.lastAttemptAt).toBeInstanceOf(Date);
  });

  it('an endpoint down for a while gets every event once it is up, in order', async () => {
    const port = await freePort();
    await endpoint(`http://127.0.0.1:${port}/events`);
    await emit('ORD-DOWN', 3);
    const r = relay();
    await drive(r, async () => (await deliveriesOf('ORD-DOWN'))[0].attempts >= 3);
    const down = await deliveriesOf('ORD-DOWN');
    expect(down.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
    expect(down[0].lastError).toMatch(/^endpoint unreachable: ECONNREFUSED/);
    expect(down[0].lastStatusCode).toBeNull();
    // The later events were never tried while the first was pending.
    expect(down.slice(1).map((d) => d.attempts)).toEqual([0, 0]);

    const shop = await receiver(() => ok, port);
    await drive(r, allDelivered('ORD-DOWN', 3));
    expect(seqsAt(shop, 'ORD-DOWN')).toEqual([1, 2, 3]);
    expect((await deliveriesOf('ORD-DOWN'))[0].lastError).toBeNull();
  });

  it('retries 500, 408 and 429, then delivers', async () => {
    const shop = await receiver((_a, nth) => ({ status: [500, 408, 429][nth - 1] ?? 200 }));
    await endpoint(shop.url);
    await emit('ORD-5XX');
    await drive(relay(), allDelivered('ORD-5XX', 1));
    const [d] = await deliveriesOf('ORD-5XX');
    expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200, lastError: null });
    expect(shop.arrivals).toHaveLength(4);
  });

  it('records what a retried answer was while it waits', async () => {
    const shop = await receiver(() => ({ status: 503 }));
    await endpoint(shop.url);
    await emit('ORD-503');
    const r = relay({ settings: { initialBackoffMs: 60_000, maxBackoffMs: 120_000 } });
    await r.runOnce();
    const [d] = await deliveriesOf('ORD-503');
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'the endpoint answered HTTP 503', lockedUntil: null });
    // The next try waits its backoff (about a minute here, never more).
    expect(d.nextAttemptAt.getTime() - (d.lastAttemptAt as Date).getTime()).toBeGreaterThan(50_000);
    expect(d.nextAttemptAt.getTime() - (d.lastAttemptAt as Date).getTime()).toBeLessThanOrEqual(61_000);
    expect(await r.runOnce()).toBe(0);
  });

  it('an endpoint slower than the timeout is tried again, then delivered', async () => {
    let answered = 0;
    const shop = await receiver(() => ((answered += 1) === 1 ? { status: 200, delayMs: 1_000 } : ok));
    await endpoint(shop.url);
    await emit('ORD-SLOW', 2);
    await drive(relay(), allDelivered('ORD-SLOW', 2));
    const d = await deliveriesOf('ORD-SLOW');
    expect(d[0].attempts).toBe(2);
    expect(d[1].attempts).toBe(1);
    expect(seqsAt(shop, 'ORD-SLOW')).toEqual([1, 1, 2]);
  });

  it('refuses on 400 and 410, and the later events of the order still go', async () => {
    const shop = await receiver((a) => ({ status: a.event.orderId === 'ORD-400' && a.event.seq === 1 ? 400 : a.event.orderId === 'ORD-410' && a.event.seq === 2 ? 410 : 200 }));
    await endpoint(shop.url);
    await emit('ORD-400', 3);
    await emit('ORD-410', 3);
    const settled = (orderId: string) => async () => (await deliveriesOf(orderId)).every((d) => d.status !== 'pending');
    const r = relay();
    await drive(r, async () => (await settled('ORD-400')()) && (await settled('ORD-410')()));
    expect((await deliveriesOf('ORD-400')).map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([['refused', 1, 400], ['delivered', 1, 200], ['delivered', 1, 200]]);
    expect((await deliveriesOf('ORD-410')).map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([['delivered', 1, 200], ['refused', 1, 410], ['delivered', 1, 200]]);
    expect((await deliveriesOf('ORD-400'))[0].lastError).toBe('the endpoint answered HTTP 400');
    expect(seqsAt(shop, 'ORD-400')).toEqual([1, 2, 3]);
    expect(seqsAt(shop, 'ORD-410')).toEqual([1, 2, 3]);
  });

  it('refuses a redirect and never follows it', async () => {
    const shop = await receiver((a) => (a.path === '/events' ? { status: 301, headers: { location: '/elsewhere' } } : ok));
    await endpoint(shop.url);
    await emit('ORD-301');
    await drive(relay(), async () => (await deliveriesOf('ORD-301'))[0].status !== 'pending');
    const [d] = await deliveriesOf('ORD-301');
    expect(d).toMatchObject({ status: 'refused', attempts: 1, lastStatusCode: 301 });
    expect(d.lastError).toBe('the endpoint answered HTTP 301 (a redirect to /elsewhere, not followed)');
    expect(shop.arrivals.map((a) => a.path)).toEqual(['/events']);
  });

  it('gives up 3 days after the event was written: failed, and the order is not held back by it', async () => {
    const shop = await receiver(() => ({ status: 503 }));
    await endpoint(shop.url);
    await emit('ORD-GIVEUP', 2);
    let offsetMs = 0;
    const r = relay({ clock: () => new Date(Date.now() + offsetMs), settings: { giveUpAfterMs: 3 * 24 * 3_600_000 } });
    await drive(r, async () => (await deliveriesOf('ORD-GIVEUP'))[0].attempts >= 2);
    expect((await deliveriesOf('ORD-GIVEUP')).map((d) => d.status)).toEqual(['pending', 'pending']);
    // Two days on: still tried (the next try is never set past the give-up time).
    offsetMs = 2 * 24 * 3_600_000;
    await drive(r, async () => (await deliveriesOf('ORD-GIVEUP'))[0].attempts >= 3);
    expect((await deliveriesOf('ORD-GIVEUP'))[0].status).toBe('pending');
    offsetMs = 3 * 24 * 3_600_000 + 60_000;
    await drive(r, async () => (await deliveriesOf('ORD-GIVEUP')).every((d) => d.status === 'failed'));
    const [first, second] = await deliveriesOf('ORD-GIVEUP');
    expect(first.lastError).toBe('the endpoint answered HTTP 503; gave up 72 h after the event was written');
    expect(first.lastStatusCode).toBe(503);
    // The second was tried once its turn came (the failed first did not hold it back), and failed the same way.
    expect(second.attempts).toBe(1);
    expect(seqsAt(shop, 'ORD-GIVEUP').at(-1)).toBe(2);
  });

  it('a duplicate POST (a relay that lost its claim after the shop acknowledged) adds no second delivery and no reordering', async () => {
    const shop = await receiver();
    await endpoint(shop.url);
    await emit('ORD-TWICE', 3);
    // Relay A gets the shop's 2xx, then stalls past its lease before recording it (as a paused or dying process would).
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stalled: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      await gate;
      return res;
    };
    const a = relay({ fetch: stalled, settings: { leaseMs: 400, timeoutMs: 300 } });
    const aRun = a.runOnce();
    for (let i = 0; i < 200 && shop.arrivals.length === 0; i++) await sleep(10);
    expect(seqsAt(shop, 'ORD-TWICE')).toEqual([1]);
    // Relay B takes the delivery over once A's claim ran out, and sends it again: the shop acknowledges it twice.
    const b = relay();
    await drive(b, allDelivered('ORD-TWICE', 3));
    const before = await deliveriesOf('ORD-TWICE');
    release();
    await aRun;
    const after = await deliveriesOf('ORD-TWICE');
    // A's late acknowledgement is not recorded over B's: one row per event, delivered once, attempts as B counted them.
    expect(after).toHaveLength(3);
    expect(after.map((d) => [d.status, d.attempts, d.deliveredAt?.getTime()])).toEqual(before.map((d) => ['delivered', 1, d.deliveredAt?.getTime()]));
    expect(seqsAt(shop, 'ORD-TWICE')).toEqual([1, 1, 2, 3]);
    expect(logLines.some((l) => l.includes('outcome not recorded: the claim ran out'))).toBe(true);
  });

  it('delivers several interleaved orders in order per order with two relays racing; never one delivery twice at once', async () => {
    // A fixed pseudo-random sequence: some answers are 500, each answer takes a little while.
    let seed = 17;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const shop = await receiver(() => ({ status: next() < 0.25 ? 500 : 200, delayMs: Math.floor(next() * 25) }));
    await endpoint(shop.url);
    const orders = ['RACE-A', 'RACE-B', 'RACE-C', 'RACE-D', 'RACE-E', 'RACE-F'];
    const perOrder = 5;
    const otherPrisma = createPrismaClient(db.url, { max: 4 });
    const one = relay({ settings: { batch: 4 } });
    const two = createEventRelay({ prisma: otherPrisma, secretBox: box, log, settings: { ...FAST, batch: 4 } });
    one.start();
    two.start();
    try {
      for (let round = 0; round < perOrder; round++) {
        for (const o of orders) await emit(o);
        await sleep(5);
      }
      const deadline = Date.now() + 20_000;
      let settled = false;
      while (!settled && Date.now() < deadline) {
        const pending = await prisma.eventDelivery.count({ where: { orderId: { in: orders }, status: { not: 'delivered' } } });
        settled = pending === 0 && (await prisma.eventDelivery.count({ where: { orderId: { in: orders } } })) === orders.length * perOrder;
        if (!settled) await sleep(50);
      }
      expect(settled).toBe(true);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await otherPrisma.$disconnect();
    }
    expect(shop.concurrent).toEqual([]);
    for (const o of orders) {
      const acked = new Set<number>();
      for (const step of shop.timeline.filter((t) => t.orderId === o)) {
        if (step.kind === 'ack') {
          // Acknowledged once each: a 2xx is recorded, never sent again.
          expect(acked.has(step.seq)).toBe(false);
          acked.add(step.seq);
        } else {
          // Each event arrives only after every earlier event of its order was acknowledged.
          for (let earlier = 1; earlier < step.seq; earlier++) expect(acked.has(earlier)).toBe(true);
        }
      }
      expect([...acked]).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('holds a disabled endpoint\'s deliveries and sends them when it is enabled again', async () => {
    const shop = await receiver();
    const ep = await endpoint(shop.url);
    await emit('ORD-PAUSE', 2);
    await prisma.eventEndpoint.update({ where: { id: ep.id }, data: { enabled: false } });
    const r = relay();
    expect(await r.runOnce()).toBe(0);
    expect(shop.arrivals).toHaveLength(0);
    await prisma.eventEndpoint.update({ where: { id: ep.id }, data: { enabled: true } });
    await drive(r, allDelivered('ORD-PAUSE', 2));
    expect(seqsAt(shop, 'ORD-PAUSE')).toEqual([1, 2]);
  });

  it('goes only to the endpoints that want the type', async () => {
    const all = await receiver();
    const some = await receiver();
    await endpoint(all.url);
    await endpoint(some.url, { eventTypes: ['refund.succeeded'] });
    await emit('ORD-TYPES', 1, 'payment.captured');
    await emit('ORD-TYPES', 1, 'refund.succeeded');
    await drive(relay(), async () => (await deliveriesOf('ORD-TYPES')).filter((d) => d.status === 'delivered').length === 3);
    expect(all.arrivals.map((a) => a.event.type)).toEqual(['payment.captured', 'refund.succeeded']);
    expect(some.arrivals.map((a) => [a.event.type, a.event.seq])).toEqual([['refund.succeeded', 2]]);
  });

  // ---------------------------------------------------------------- secrets

  it('signs with both secrets while a rotation overlaps, with the new one only after it ends', async () => {
    const shop = await receiver();
    const fresh = newSecret();
    const old = newSecret();
    const ep = await endpoint(shop.url, { secret: fresh, previous: { secret: old, expiresAt: new Date(Date.now() + 3_600_000) } });
    await emit('ORD-ROTATE');
    const r = relay();
    await drive(r, allDelivered('ORD-ROTATE', 1));
    const during = shop.arrivals[0];
    const header = during.headers['x-engine-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyEventSignature(during.raw, header, fresh)).toBe(true);
    expect(verifyEventSignature(during.raw, header, old)).toBe(true);

    await prisma.eventEndpoint.update({ where: { id: ep.id }, data: { previousSecretExpiresAt: new Date(Date.now() - 1_000) } });
    await emit('ORD-ROTATE');
    await drive(r, allDelivered('ORD-ROTATE', 2));
    const after = shop.arrivals[1];
    const single = after.headers['x-engine-signature'] as string;
    expect(single).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyEventSignature(after.raw, single, fresh)).toBe(true);
    expect(verifyEventSignature(after.raw, single, old)).toBe(false);
    // In the database both secrets are sealed, never plain.
    const [row] = await prisma.$queryRaw<Array<{ secret_sealed: string; previous_secret_sealed: string }>>`SELECT secret_sealed, previous_secret_sealed FROM event_endpoints WHERE id = ${ep.id}::uuid`;
    expect(row.secret_sealed).toMatch(/^sb1\./);
    expect(row.previous_secret_sealed).toMatch(/^sb1\./);
    expect(JSON.stringify(row)).not.toContain(fresh);
    expect(JSON.stringify(row)).not.toContain(old);
  });

  it('a secret this process cannot open leaves the delivery pending, backing off, saying why; the right key delivers it', async () => {
    const shop = await receiver();
    await endpoint(shop.url);
    await emit('ORD-KEY');
    const wrongBox = createSecretBox(randomBytes(32));
    const wrong = relay({ secretBox: wrongBox, settings: { initialBackoffMs: 60_000, maxBackoffMs: 120_000 } });
    expect(await wrong.runOnce()).toBe(1);
    const [d] = await deliveriesOf('ORD-KEY');
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lockedUntil: null });
    expect(d.lastError).toBe(`not sent, no secret to sign with: sealed under master key ${box.keyId}, this process has ${wrongBox.keyId}: ENGINE_MASTER_KEY must be the same on every API and worker process (during a change of key, the old one in ENGINE_MASTER_KEY_PREVIOUS)`);
    expect(d.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(shop.arrivals).toHaveLength(0);
    await prisma.eventDelivery.update({ where: { id: d.id }, data: { nextAttemptAt: new Date() } });
    await drive(relay(), allDelivered('ORD-KEY', 1));
  });

  it('the SHOP_WEBHOOK_URL endpoint: one env row, its URL following the configuration, signed with SHOP_WEBHOOK_SECRET', async () => {
    const shop = await receiver();
    const moved = await receiver();
    const secret = newSecret();
    expect(await ensureEnvEndpoint(prisma, { url: shop.url })).toBe('created');
    expect(await ensureEnvEndpoint(prisma, { url: shop.url })).toBe('unchanged');
    const [created] = await prisma.eventEndpoint.findMany({ where: { source: 'env' } });
    expect(created).toMatchObject({ url: shop.url, eventTypes: [], enabled: true, secretSealed: null });
    await emit('ORD-ENV');
    // A worker without SHOP_WEBHOOK_SECRET cannot sign: it says so and waits.
    await relay({ settings: { initialBackoffMs: 60_000, maxBackoffMs: 120_000 } }).runOnce();
    expect((await deliveriesOf('ORD-ENV'))[0].lastError).toMatch(/^not sent, no secret to sign with: SHOP_WEBHOOK_SECRET is not set on this worker process/);
    await prisma.eventDelivery.updateMany({ where: { orderId: 'ORD-ENV' }, data: { nextAttemptAt: new Date() } });
    const r = relay({ envEndpoint: { url: shop.url, secret: { reveal: () => secret } } });
    await drive(r, allDelivered('ORD-ENV', 1));
    expect(verifyEventSignature(shop.arrivals[0].raw, shop.arrivals[0].headers['x-engine-signature'] as string, secret)).toBe(true);

    // Concurrent starts make one row; a new URL moves it; no URL disables it (its events get no delivery then).
    await Promise.all([ensureEnvEndpoint(prisma, { url: moved.url }), ensureEnvEndpoint(prisma, { url: moved.url })]);
    const rows = await prisma.eventEndpoint.findMany({ where: { source: 'env' } });
    expect(rows.map((e) => [e.id, e.url, e.enabled])).toEqual([[created.id, moved.url, true]]);
    await emit('ORD-ENV');
    await drive(r, allDelivered('ORD-ENV', 2));
    expect(moved.arrivals.map((a) => a.event.seq)).toEqual([2]);
    expect(await ensureEnvEndpoint(prisma, undefined)).toBe('disabled');
    expect(await ensureEnvEndpoint(prisma, undefined)).toBe('none');
    await emit('ORD-ENV');
    expect(await deliveriesOf('ORD-ENV')).toHaveLength(2);
    expect(await prisma.eventEndpoint.count({ where: { source: 'env' } })).toBe(1);
  });

  // ---------------------------------------------------------------- start and stop

  it('started, it delivers on its own; stop waits for a send under way and records it', async () => {
    const shop = await receiver(() => ({ status: 200, delayMs: 150 }));
    await endpoint(shop.url);
    const r = relay();
    r.start();
    await emit('ORD-RUN', 2);
    for (let i = 0; i < 300 && shop.arrivals.length < 2; i++) await sleep(10);
    await r.stop();
    const d = await deliveriesOf('ORD-RUN');
    expect(d.map((x) => x.status)).toEqual(['delivered', 'delivered']);
    expect(d.every((x) => x.lockedUntil === null)).toBe(true);
  });

  it('stop cuts a send that outlives its bound and releases the delivery for the next relay, uncounted', async () => {
    const shop = await receiver(() => ({ status: 200, delayMs: 5_000 }));
    await endpoint(shop.url);
    const r = relay({ settings: { timeoutMs: 10_000, leaseMs: 20_000, stopTimeoutMs: 200 } });
    r.start();
    await emit('ORD-CUT');
    for (let i = 0; i < 300 && shop.arrivals.length < 1; i++) await sleep(10);
    expect(shop.arrivals).toHaveLength(1);
    await r.stop();
    const [d] = await deliveriesOf('ORD-CUT');
    expect(d).toMatchObject({ status: 'pending', attempts: 0, lockedUntil: null });
  });

  it('refuses settings that would let a lease run out during a send', () => {
    expect(() => relay({ settings: { leaseMs: 300, timeoutMs: 300 } })).toThrow(/leaseMs \(300\) must be longer than timeoutMs \(300\)/);
    expect(() => relay({ settings: { batch: 0 } })).toThrow(/batch must be a positive number/);
  });
});

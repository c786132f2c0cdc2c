/**
 * A hostile review of the events of issue #17 (docs/events.md): what a careless or hostile caller, two callers at once,
 * or an upgrade can do to the event log, its endpoints, its relay and its catch-up list. Each `it` names the guarantee it
 * checks; those that failed on the code as first reviewed are now its regression tests.
 *
 * Three parts: the whole stack over HTTP (the admin API, GET /api/events, the demo receiver, a declined checkout), the
 * relay and the event writers on a database of their own (no relay of the stack's racing them), and the upgrade from
 * shop_events on an empty database migrated in two steps. Every loop is bounded; nothing asserts timing.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createEventsService } from '../../api/events';
import { createShopEventActivities } from '../../activities/shop-events';
import { createPrismaClient, type PrismaClient } from '../../lib/database';
import { ensureEnvEndpoint } from '../../lib/event-endpoints';
import { createEventRelay } from '../../lib/event-relay';
import { verifyEventSignature } from '../../lib/event-signature';
import { appendEvents, lockEventStream, type NewEvent } from '../../lib/events';
import { createLogger } from '../../lib/logger';
import { applyMigrations, readMigrations } from '../../lib/migrate';
import { createSecretBox } from '../../lib/secret-box';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/database';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack } from '../helpers/stack';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ==================================================================== the whole stack, over HTTP

describe('events on the whole stack, against a hostile caller', () => {
  const logLines: string[] = [];
  const ENV_SECRET = `whsec_env_${randomBytes(16).toString('hex')}`;
  const s = useTestStack({ startTimeoutMs: 120_000, stack: { logLines, shopWebhook: { url: 'http://127.0.0.1:9/env-shop', secret: ENV_SECRET } } });
  /** Every secret the API handed out, with the one answer allowed to carry it. */
  const secrets: string[] = [];
  /** Every answer body except the ones that hand out a secret. */
  const bodies: string[] = [];

  const call = async (method: string, path: string, opts: Parameters<typeof s.call>[2] = {}) => {
    const r = await s.call(method, path, opts);
    const handsOutSecret = (method === 'POST' && path === '/api/admin/event-endpoints' && r.status === 201) || (path.endsWith('/rotate-secret') && r.status === 200);
    if (handsOutSecret) {
      if (typeof r.body?.secret === 'string') secrets.push(r.body.secret);
    } else bodies.push(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    return r;
  };
  const create = (body: Record<string, unknown>) => call('POST', '/api/admin/event-endpoints', { role: 'editor', body });
  const apiEndpoints = async () => (await call('GET', '/api/admin/event-endpoints', { role: 'viewer' })).body.data as Array<{ id: string; source: string; url: string }>;
  const deleteAllApiEndpoints = async () => {
    for (const e of await apiEndpoints()) if (e.source === 'api') await call('DELETE', `/api/admin/event-endpoints/${e.id}`, { role: 'editor' });
  };
  const listed = async (query: string) => (await call('GET', `/api/events${query}`, { role: 'storefront' })).body;

  afterAll(() => {
    // No secret (an endpoint's, or SHOP_WEBHOOK_SECRET) in a log line or in any answer but the one that handed it out.
    const logs = logLines.join('\n');
    const answers = bodies.join('\n');
    for (const secret of [...secrets, ENV_SECRET]) {
      expect(logs.includes(secret)).toBe(false);
      expect(answers.includes(secret)).toBe(false);
    }
  });

  // ------------------------------------------------------------ the endpoints' URLs

  it('holds: refuses non-https URLs off loopback however they are spelled, and credentials in any form', async () => {
    for (const url of [
      'HTTP://shop.example/events',
      'http://shop.example/events',
      'http://[::2]/events',
      'http://[::ffff:127.0.0.1]/events',
      'http://0.0.0.0/events',
      'http://localhost.evil.example/events',
      'http://127.0.0.1.nip.io/events',
      'https://a@shop.example/events',
      'https://a:b@shop.example/events',
      'https://:pw@shop.example/events',
      'https:\\\\a@shop.example/events',
      'http://127.0.0.1:80@evil.example/events',
      'javascript:alert(1)',
      'data:text/plain,x',
      'file:///etc/passwd',
      `https://shop.example/${'a'.repeat(2000)}`,
    ]) {
      const r = await create({ url });
      expect([url, r.status]).toEqual([url, 400]);
      expect(r.body.error.code).toBe('invalid_request');
    }
    // Loopback spelled as the URL parser normalizes it (IPv6, decimal, upper case) is loopback: allowed for development.
    for (const url of ['http://[::1]:9/events', 'http://2130706433:9/events', 'HTTP://LOCALHOST:9/events']) {
      const r = await create({ url });
      expect([url, r.status]).toEqual([url, 201]);
    }
    await deleteAllApiEndpoints();
  });

  it('the URL stored and shown is the URL the relay calls (control characters are refused)', async () => {
    // The WHATWG parser drops ASCII tab and newline anywhere: the relay POSTs to https://shop.example.evil.example/,
    // while the console and the API show "https://shop.example<TAB>.evil.example/" to the admin.
    const r = await create({ url: 'https://shop.example\t.evil.example/events' });
    await deleteAllApiEndpoints();
    expect(r.status === 400 || r.body.endpoint?.url === new URL('https://shop.example\t.evil.example/events').href).toBe(true);
  });

  // ------------------------------------------------------------ what the admin API answers to bad bodies

  it('a NUL character in an endpoint description or URL is a 400, not a 500', async () => {
    const answers: Array<[string, number]> = [];
    const made = await create({ url: 'https://shop.example/nul' });
    expect(made.status).toBe(201);
    for (const [name, go] of [
      ['create description', () => create({ url: 'https://shop.example/events', description: 'a\u0000b' })],
      ['create url', () => create({ url: 'https://shop.example/ev\u0000ents' })],
      ['patch description', () => call('PATCH', `/api/admin/event-endpoints/${made.body.endpoint.id}`, { role: 'editor', body: { description: 'x\u0000' } })],
    ] as const) {
      const r = await go();
      answers.push([name, r.status]);
      // Whatever the status, the answer names no internals.
      expect(JSON.stringify(r.body)).not.toMatch(/prisma|postgres|0x00|invocation|event_endpoints/i);
    }
    await deleteAllApiEndpoints();
    expect(answers).toEqual([
      ['create description', 400],
      ['create url', 400],
      ['patch description', 400],
    ]);
  });

  it('holds: oversized, malformed and mistyped admin bodies are 4xx with the error shape, never 500', async () => {
    const made = await create({ url: 'https://shop.example/shape' });
    const id = made.body.endpoint.id as string;
    const cases: Array<[string, string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }]> = [
      ['POST', '/api/admin/event-endpoints', { rawBody: '{"url":', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/admin/event-endpoints', { rawBody: JSON.stringify({ url: 'https://shop.example/x', description: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/admin/event-endpoints', { body: [] }],
      ['POST', '/api/admin/event-endpoints', { body: { url: ['https://shop.example/x'] } }],
      ['POST', '/api/admin/event-endpoints', { body: { url: 'https://shop.example/x', eventTypes: 'payment.captured' } }],
      ['POST', '/api/admin/event-endpoints', { body: { url: 'https://shop.example/x', enabled: 'yes' } }],
      ['POST', '/api/admin/event-endpoints', { body: { url: 'https://shop.example/x', description: 'x'.repeat(201) } }],
      ['POST', '/api/admin/event-endpoints', { rawBody: '{"url":"https://shop.example/x","__proto__":{"enabled":false}}', headers: { 'content-type': 'application/json' } }],
      ['PATCH', `/api/admin/event-endpoints/${id}`, { body: { url: null } }],
      ['PATCH', `/api/admin/event-endpoints/${id}`, { body: { eventTypes: null } }],
      ['PATCH', `/api/admin/event-endpoints/${id}`, { body: { source: 'env' } }],
      ['PATCH', `/api/admin/event-endpoints/${id.toUpperCase()}x`, { body: { enabled: false } }],
      ['POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { body: { overlapSeconds: -1 } }],
      ['POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { body: { overlapSeconds: 1.5 } }],
      ['POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { body: { overlapSeconds: '3600' } }],
      ['POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { rawBody: '{"overlapSeconds": 1e400}', headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/admin/events/evt_x/resend', { body: { endpointId: 'not-a-uuid' } }],
      ['POST', '/api/admin/events/..%2F..%2Fx/resend', { body: {} }],
      ['POST', `/api/admin/events/${'e'.repeat(300)}/resend`, { body: {} }],
      ['GET', `/api/admin/orders/${'o'.repeat(65)}/events`, {}],
    ];
    for (const [method, path, opts] of cases) {
      const r = await call(method, path, { role: 'editor', ...opts });
      expect([method, path, r.status >= 400 && r.status < 500]).toEqual([method, path, true]);
      expect(r.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    }
    await deleteAllApiEndpoints();
  });

  // ------------------------------------------------------------ two admins at once

  it('two rotations at once: every secret handed out still signs (no lost update)', async () => {
    const made = await create({ url: 'https://shop.example/rotate-race' });
    const id = made.body.endpoint.id as string;
    const lost: string[] = [];
    for (let round = 0; round < 5 && lost.length === 0; round++) {
      const [a, b] = await Promise.all([
        call('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 3600 } }),
        call('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 3600 } }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const row = await s.db.prisma.eventEndpoint.findUniqueOrThrow({ where: { id } });
      // What the relay signs with now: the current secret and, during the overlap, the previous one.
      const signing = [s.secretBox.open(row.secretSealed as string), ...(row.previousSecretSealed ? [s.secretBox.open(row.previousSecretSealed)] : [])];
      for (const handed of [a.body.secret as string, b.body.secret as string]) if (!signing.includes(handed)) lost.push(handed);
    }
    await deleteAllApiEndpoints();
    // Each admin was told "this is the secret, and the previous one keeps signing until …": neither may be dropped.
    expect(lost).toEqual([]);
  });

  it(`creates at once never pass the limit of ${20} endpoints`, async () => {
    const over: number[] = [];
    for (let round = 0; round < 4 && over.length === 0; round++) {
      await deleteAllApiEndpoints();
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => create({ url: `https://shop.example/many/${round}/${i}` })));
      expect(answers.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'too_many_endpoints'))).toBe(true);
      const after = await s.db.prisma.eventEndpoint.count({ where: { deletedAt: null } });
      if (after > 20) over.push(after);
    }
    await deleteAllApiEndpoints();
    expect(over).toEqual([]);
  });

  // ------------------------------------------------------------ the shop's catch-up list

  it('holds: GET /api/events filters never leak another order, whatever the cursor; limit and after are parsed strictly', async () => {
    for (const id of ['HX-A', 'HX-B']) expect((await checkoutOrder(s, id, { paymentIntent: 'Authorize' })).status).toBe(200);
    await waitFor(async () => (await listed('?orderId=HX-A')).data.length >= 2 && (await listed('?orderId=HX-B')).data.length >= 2, 20_000);
    const a = (await listed('?orderId=HX-A')).data as Array<{ id: string; orderId: string; seq: number; type: string }>;
    const b = (await listed('?orderId=HX-B')).data as Array<{ id: string; orderId: string; seq: number; type: string }>;
    // A cursor of another order only moves the position: the answer still holds only the order asked for.
    for (const after of [a[0].id, b[0].id, b[b.length - 1].id]) {
      const page = await listed(`?orderId=HX-A&after=${after}`);
      expect(page.data.every((e: { orderId: string }) => e.orderId === 'HX-A')).toBe(true);
    }
    // Type and order together: only that type of that order.
    const typed = await listed('?orderId=HX-B&type=payment.authorized');
    expect(typed.data.map((e: { orderId: string; type: string }) => [e.orderId, e.type])).toEqual([['HX-B', 'payment.authorized']]);
    // An empty page after the last event keeps the cursor.
    const last = await listed(`?orderId=HX-A&after=${a[a.length - 1].id}`);
    expect(last).toEqual({ data: [], hasMore: false, nextAfter: a[a.length - 1].id });
    for (const q of ['?limit=1e3', '?limit=-0', '?limit=Infinity', '?limit=5&limit=6', '?after=', '?after=a&after=b', '?type=', '?type[]=payment.captured', '?orderId=HX-A&orderId=HX-B', '?orderId=%00', '?after=%00', `?after=${'e'.repeat(201)}`]) {
      const r = await call('GET', `/api/events${q}`, { role: 'storefront' });
      expect([q, r.status]).toEqual([q, 400]);
    }
    expect((await call('GET', '/api/events?limit=1e1', { role: 'storefront' })).status).toBe(200);
  });

  it('holds: a declined checkout ends with an event naming the order\'s true payment status', async () => {
    const r = await checkoutOrder(s, 'HX-DECLINE', { paymentIntent: 'Authorize', simulationCode: 'HardDeclined' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    await waitFor(async () => (await listed('?orderId=HX-DECLINE')).data.some((e: { type: string }) => e.type === 'payment.declined'), 20_000);
    const order = await call('GET', '/api/admin/orders/HX-DECLINE', { role: 'viewer' });
    const events = (await listed('?orderId=HX-DECLINE')).data as Array<{ seq: number; type: string; paymentStatus: string }>;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[events.length - 1]).toMatchObject({ type: 'payment.declined', paymentStatus: order.body.paymentStatus });
    expect(order.body.paymentStatus).toBe('Declined');
  });

  // ------------------------------------------------------------ resend, disabled and deleted endpoints

  it('holds: no resend to a deleted or disabled endpoint; a deleted endpoint cannot be changed or rotated; rotate-then-delete drops both secrets', async () => {
    const made = await create({ url: 'https://shop.example/resend' });
    const id = made.body.endpoint.id as string;
    expect((await checkoutOrder(s, 'HX-RESEND', { paymentIntent: 'Authorize' })).status).toBe(200);
    await waitFor(async () => (await listed('?orderId=HX-RESEND')).data.length >= 2, 20_000);
    const [first] = (await listed('?orderId=HX-RESEND')).data as Array<{ id: string }>;
    expect((await call('POST', `/api/admin/events/${first.id}/resend`, { role: 'editor', body: { endpointId: id } })).status).toBe(202);

    expect((await call('PATCH', `/api/admin/event-endpoints/${id}`, { role: 'editor', body: { enabled: false } })).status).toBe(200);
    const disabled = await call('POST', `/api/admin/events/${first.id}/resend`, { role: 'editor', body: { endpointId: id } });
    expect(disabled.status).toBe(404);

    expect((await call('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 3600 } })).status).toBe(200);
    expect((await call('DELETE', `/api/admin/event-endpoints/${id}`, { role: 'editor' })).status).toBe(200);
    const row = await s.db.prisma.eventEndpoint.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ enabled: false, previousSecretSealed: null, previousSecretExpiresAt: null });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect((await call('POST', `/api/admin/events/${first.id}/resend`, { role: 'editor', body: { endpointId: id } })).status).toBe(404);
    expect((await call('PATCH', `/api/admin/event-endpoints/${id}`, { role: 'editor', body: { enabled: true } })).status).toBe(404);
    expect((await call('POST', `/api/admin/event-endpoints/${id}/rotate-secret`, { role: 'editor', body: {} })).status).toBe(404);
    // The deleted endpoint's deliveries are canceled, none pending.
    expect(await s.db.prisma.eventDelivery.count({ where: { endpointId: id, status: 'pending' } })).toBe(0);
  });

  // ------------------------------------------------------------ the demo shop's receiver

  it('holds: the demo receiver refuses an event signed with another endpoint\'s secret, a stripped or doubled header', async () => {
    // The demo registers itself on its first page view.
    expect((await fetch(`${s.api}/demo/orders`)).status).toBe(200);
    await waitFor(async () => (await apiEndpoints()).some((e) => e.url.endsWith('/demo/events')), 10_000, 100);
    const other = await create({ url: 'https://shop.example/other' });
    const otherSecret = other.body.secret as string;
    const forged = JSON.stringify({ id: 'evt_forged0000000000000000', object: 'event', type: 'payment.captured', orderId: 'HX-FORGED', seq: 1, paymentStatus: 'Captured', occurredAt: new Date().toISOString(), createdAt: new Date().toISOString(), data: {} });
    const t = Math.floor(Date.now() / 1000);
    const mac = (secret: string, tt = t) => createHmac('sha256', secret).update(`${tt}.${forged}`).digest('hex');
    for (const signature of [
      `t=${t},v1=${mac(otherSecret)}`,
      `t=${t},v1=${mac(otherSecret)},v1=${'0'.repeat(64)}`,
      `t=${t - 3600},t=${t},v1=${mac(otherSecret, t - 3600)}`,
      `t=${t},v1=${mac(otherSecret).toUpperCase()}`,
      `v1=${mac(otherSecret)}`,
      '',
    ]) {
      const r = await fetch(`${s.api}/demo/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-engine-signature': signature }, body: forged });
      expect([signature.slice(0, 20), r.status]).toEqual([signature.slice(0, 20), 400]);
    }
    const page = await (await fetch(`${s.api}/demo/orders`)).text();
    expect(page).not.toContain('HX-FORGED');
    await deleteAllApiEndpoints();
  });
});

// ==================================================================== the relay and the writers on a database of their own

interface Arrival {
  id: string;
  seq: number;
  orderId: string;
  raw: string;
  signature: string;
}

async function startShop(answer: (nth: number) => { status: number; delayMs?: number }) {
  const arrivals: Arrival[] = [];
  const open = new Set<string>();
  const concurrent: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const e = JSON.parse(raw) as { id: string; seq: number; orderId: string };
      arrivals.push({ id: e.id, seq: e.seq, orderId: e.orderId, raw, signature: String(req.headers['x-engine-signature']) });
      if (open.has(e.id)) concurrent.push(e.id);
      open.add(e.id);
      const a = answer(arrivals.length);
      setTimeout(() => {
        open.delete(e.id);
        res.writeHead(a.status).end();
      }, a.delayMs ?? 0).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    arrivals,
    concurrent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the relay and the event writers, on a database of their own', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  const box = createSecretBox(randomBytes(32));
  const logLines: string[] = [];
  const log = createLogger('debug', 'events-hostile', { write: (line: string) => void logLines.push(line) });
  const FAST = { timeoutMs: 3_000, initialBackoffMs: 20, maxBackoffMs: 80, leaseMs: 10_000, pollMs: 20, batch: 8, stopTimeoutMs: 3_000 };

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = db.prisma;
  });
  afterAll(async () => {
    await db?.close();
  });
  afterEach(async () => {
    await prisma.eventEndpoint.updateMany({ where: { deletedAt: null }, data: { enabled: false, deletedAt: new Date() } });
    await prisma.eventDelivery.updateMany({ where: { status: 'pending' }, data: { status: 'canceled' } });
  });

  let n = 0;
  const event = (orderId: string, type: NewEvent['type'] = 'payment.captured'): NewEvent => {
    n += 1;
    return { dedupeKey: `hostile:${orderId}:${n}`, type, paymentStatus: 'Captured', occurredAt: new Date(), data: { amount: { amount: n, currency: 'JPY' } } };
  };

  it('a resend while the delivery is being sent never lets a second relay send it at the same time', async () => {
    // docs/events.md: "It claims due deliveries with FOR UPDATE SKIP LOCKED and a lease, so two workers never send the
    // same delivery at once." The resend clears the lease (locked_until = null) of a delivery under way.
    const shop = await startShop((nth) => ({ status: 200, delayMs: nth === 1 ? 1_500 : 0 }));
    try {
      const secret = `whsec_${randomBytes(16).toString('hex')}`;
      await prisma.eventEndpoint.create({ data: { shopId: 'default', url: shop.url, source: 'api', secretSealed: box.seal(secret) } });
      await prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: 'HR-RESEND' }, [event('HR-RESEND')]));
      const stored = await prisma.event.findFirstOrThrow({ where: { orderId: 'HR-RESEND' } });
      const one = createEventRelay({ prisma, secretBox: box, log, settings: FAST });
      const two = createEventRelay({ prisma, secretBox: box, log, settings: FAST });
      const first = one.runOnce();
      for (let i = 0; i < 200 && shop.arrivals.length === 0; i++) await sleep(10);
      expect(shop.arrivals).toHaveLength(1);
      // The admin presses "resend" in the console while the first send waits for the shop's answer.
      const service = createEventsService({ prisma, sealSecret: (p) => box.seal(p) });
      await service.forShop('default').resend(stored.eventId, {});
      await two.runOnce();
      await first;
      expect(shop.concurrent).toEqual([]);
    } finally {
      await shop.close();
    }
  });

  it('holds: writers of one order at once (projection writes and their retries, dispute notifications) number it 1..n without gaps, in id order', async () => {
    const orderId = 'HR-RACE';
    const writers = Array.from({ length: 12 }, (_, i) => {
      if (i % 3 === 0) {
        // The dispute webhook: the stream lock first, then a read of what is stored, then the append.
        return prisma.$transaction(async (tx) => {
          await lockEventStream(tx, { shopId: 'default', orderId: orderId });
          const changes = await tx.event.count({ where: { orderId, dedupeKey: { startsWith: 'dispute:D1:' } } });
          await appendEvents(tx, { shopId: 'default', orderId: orderId }, [{ ...event(orderId, 'dispute.updated'), dedupeKey: `dispute:D1:${changes + 1}` }]);
        });
      }
      // A projection write of two events, and the same write retried (its keys again: nothing added).
      const batch = [event(orderId), event(orderId)];
      return Promise.all([prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: orderId }, batch)), prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: orderId }, batch)).catch(() => 0)]);
    });
    await Promise.all(writers);
    const rows = await prisma.event.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows).toHaveLength(4 + 8 * 2);
    expect(new Set(rows.map((r) => r.dedupeKey)).size).toBe(rows.length);
    expect((await prisma.eventStream.findUniqueOrThrow({ where: { shopId_orderId: { shopId: 'default', orderId } } })).lastSeq).toBe(rows.length);
  });

  it('with the recurring completion mail off, every endpoint still gets every seq of the checkout order (the mail is a flag in the event)', async () => {
    // docs/events.md: "Numbered per order, without gaps. The shop sees seq 1, 2, 3 … for each order." A subscription's
    // events are numbered on its checkout order's stream, so none may be held back from an endpoint.
    const ep = await prisma.eventEndpoint.create({ data: { shopId: 'default', url: 'https://shop.example/gap', source: 'api', secretSealed: box.seal('whsec_gap') } });
    const sub = 'HR-SUB';
    await prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: sub }, [event(sub, 'payment.captured')]));
    await prisma.$transaction((tx) =>
      appendEvents(tx, { shopId: 'default', orderId: sub }, [{ ...event(sub, 'recurring.charge.succeeded'), subscriptionId: sub, paymentStatus: null, data: { completionMail: false } }]),
    );
    await prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: sub }, [event(sub, 'refund.succeeded')]));
    const seqs = (await prisma.eventDelivery.findMany({ where: { endpointId: ep.id, orderId: sub }, orderBy: { seq: 'asc' } })).map((d) => d.seq);
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('the log is append-only: an UPDATE, a DELETE and a TRUNCATE of events are refused by the database', async () => {
    await prisma.$transaction((tx) => appendEvents(tx, { shopId: 'default', orderId: 'HR-DELETE' }, [event('HR-DELETE'), event('HR-DELETE')]));
    // A shop paging with ?after= and a shop counting seq both lose what is deleted; the trigger only covers UPDATE.
    const deleted = await prisma.$executeRaw`DELETE FROM events WHERE order_id = 'HR-DELETE' AND seq = 1`.then(
      () => 'deleted',
      (err: unknown) => (/append-only/.test(String(err)) ? 'refused' : String(err)),
    );
    expect(deleted).toBe('refused');
    await expect(prisma.$executeRaw`TRUNCATE events CASCADE`).rejects.toThrow(/append-only/);
  });

  it('holds: the verifier refuses a replay outside the tolerance, a second t, extra v1 noise, and a signature of another body', () => {
    const secret = 'whsec_verifier';
    const body = '{"id":"evt_1"}';
    const now = 1_800_000_000;
    const mac = (t: number, b = body) => createHmac('sha256', secret).update(`${t}.${b}`).digest('hex');
    expect(verifyEventSignature(body, `t=${now},v1=${mac(now)}`, secret, { nowSeconds: now })).toBe(true);
    expect(verifyEventSignature(body, `t=${now - 301},v1=${mac(now - 301)}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, `t=${now + 301},v1=${mac(now + 301)}`, secret, { nowSeconds: now })).toBe(false);
    // An old request with a fresh t added (either order): the time signed is the one checked.
    expect(verifyEventSignature(body, `t=${now - 3600},v1=${mac(now - 3600)},t=${now}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, `t=${now},t=${now - 3600},v1=${mac(now - 3600)}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, `t=${now},${Array.from({ length: 60 }, () => `v1=${'f'.repeat(64)}`).join(',')}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(`${body} `, `t=${now},v1=${mac(now)}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, `t=${now},v1=${mac(now, `${body} `)}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, `t=${now},v0=${mac(now)}`, secret, { nowSeconds: now })).toBe(false);
    expect(verifyEventSignature(body, ` t = ${now} , v1 = ${mac(now)} `, secret, { nowSeconds: now })).toBe(true);
    expect(verifyEventSignature(body, `t=${now},v1=${mac(now)}${',x'.repeat(3000)}`, secret, { nowSeconds: now })).toBe(false);
  });

  it('holds: no secret reached a log line of the relay', () => {
    expect(logLines.join('\n')).not.toMatch(/whsec_[0-9a-f]{32}/);
  });
});

// ==================================================================== the upgrade from shop_events

describe('the upgrade from shop_events (20261203000000_order_events)', () => {
  it("a subscription event still being delivered at the upgrade is owed to SHOP_WEBHOOK_URL and delivered after it, once", async () => {
    const empty = await createEmptyDatabase();
    let prisma: PrismaClient | undefined;
    try {
      const all = readMigrations();
      const at = all.findIndex((m) => m.name === '20261203000000_order_events');
      await applyMigrations(empty.url, undefined, all.slice(0, at));
      // Before the upgrade: the shop was down, the subscription workflow's deliverShopEvent activity is being retried by
      // Temporal; its row is recorded and still pending.
      const shopEvent = {
        eventId: 'subscription-SUB-1:3:subscription.suspended',
        type: 'subscription.suspended' as const,
        subscriptionId: 'SUB-1',
        occurredAt: '2026-12-02T00:00:00.000Z',
        data: { status: 'Suspended', code: 'HardDeclined' },
      };
      const pg = new Client({ connectionString: empty.url });
      await pg.connect();
      await pg.query(`INSERT INTO shop_events (event_id, type, subscription_id, payload, status, attempts, last_error) VALUES ($1, $2, $3, $4::jsonb, 'pending', 4, 'shop unreachable')`, [
        shopEvent.eventId,
        shopEvent.type,
        shopEvent.subscriptionId,
        JSON.stringify(shopEvent),
      ]);
      await pg.end();
      await applyMigrations(empty.url, undefined, all);

      // The upgraded engine starts (the env endpoint is made from SHOP_WEBHOOK_URL), and Temporal retries the activity.
      prisma = createPrismaClient(empty.url, { max: 2 });
      expect(await ensureEnvEndpoint(prisma, { url: 'https://shop.example/hook' })).toBe('created');
      const activities = createShopEventActivities({ shopId: 'default', prisma, log: createLogger('silent', 'upgrade'), clock: () => new Date(), amazonPay: {} as never });
      await activities.deliverShopEvent(shopEvent);

      const events = await prisma.event.findMany({ where: { eventId: shopEvent.eventId }, include: { deliveries: true } });
      expect(events).toHaveLength(1);
      // Durable: the shop hears about the suspension once it is up again, once (a second start owes nothing more).
      expect(events[0].deliveries.map((d) => d.status)).toEqual(['pending']);
      await ensureEnvEndpoint(prisma, { url: 'https://shop.example/hook' });
      expect(await prisma.eventDelivery.count({ where: { eventRowId: events[0].id } })).toBe(1);
    } finally {
      await prisma?.$disconnect();
      await empty.drop();
    }
  });
});

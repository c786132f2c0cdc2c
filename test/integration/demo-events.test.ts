/**
 * The demo shop's receiver of the engine's events (api/demo/events.ts) over HTTP: it registers its endpoint through the
 * event use-cases and keeps the secret; it refuses a forged or stale signature (400, nothing applied), takes each
 * event once, holds an event ahead of a gap until the gap fills, catches up from the event log when the gap stays, and
 * pushes every change to the live page's stream. Signatures are made here as docs/events.md tells (t=…,v1=HMAC of
 * "<t>.<raw body>"), not with the engine's signer, so the demo is checked against the contract.
 */
import { createHmac } from 'node:crypto';
import express from 'express';
import { demoRoutes, DEMO_ENDPOINT_DESCRIPTION, type DemoEventsService } from '../../api/demo';
import type { PrismaClient } from '../../prisma/generated/client';
import { listen, waitFor } from '../helpers/http';

const SECRET = 'whsec_demo-events-test-0123456789abcdefghijklmnopqrstuv';

interface LogEvent {
  id: string;
  object: 'event';
  type: string;
  orderId: string;
  seq: number;
  paymentStatus: string | null;
  occurredAt: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** The event use-cases as the demo calls them: one endpoint store and an event log the test fills. */
function fakeEvents() {
  const created: unknown[] = [];
  const log: LogEvent[] = [];
  let listed = 0;
  const endpoint = { id: '00000000-0000-4000-8000-000000000001', url: '', description: DEMO_ENDPOINT_DESCRIPTION, eventTypes: [], enabled: true, source: 'api', secretRotation: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
  const service = {
    listEndpoints: async () => ({ data: [] }),
    createEndpoint: async (body: unknown) => {
      created.push(body);
      return { endpoint: { ...endpoint, url: (body as { url: string }).url }, secret: SECRET };
    },
    rotateSecret: async () => {
      throw new Error('not expected: no endpoint of the demo existed');
    },
    updateEndpoint: async () => {
      throw new Error('not expected');
    },
    listEvents: async (query: unknown) => {
      listed += 1;
      const q = query as { orderId?: string };
      return { data: log.filter((e) => e.orderId === q.orderId), hasMore: false, nextAfter: null };
    },
  };
  return { service: service as unknown as DemoEventsService, created, log, listed: () => listed };
}

function event(orderId: string, seq: number, type: string, paymentStatus: string | null, amount?: number): LogEvent {
  const at = new Date().toISOString();
  return { id: `evt_${orderId}_${seq}`, object: 'event', type, orderId, seq, paymentStatus, occurredAt: at, createdAt: at, data: amount === undefined ? {} : { amount: { amount, currency: 'JPY' } } };
}

function sign(body: string, secret = SECRET, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

describe('the demo shop receives the engine events', () => {
  const fake = fakeEvents();
  let shop: { url: string; close(): Promise<void> };
  // The demo never reads the database for events; its storefront key (the only use of prisma) is not needed here.
  const prisma = {} as PrismaClient;

  beforeAll(async () => {
    const app = express();
    app.use(demoRoutes({ prisma, events: fake.service, options: { eventsUrl: 'http://127.0.0.1:1/demo/events', gapWaitMs: 300 } }));
    shop = await listen(app);
  });
  afterAll(async () => {
    await shop?.close();
  });

  const post = async (e: LogEvent | string, signature?: string | null) => {
    const body = typeof e === 'string' ? e : JSON.stringify(e);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const sig = signature === undefined ? sign(body) : signature;
    if (sig !== null) headers['x-engine-signature'] = sig;
    if (typeof e !== 'string') Object.assign(headers, { 'x-engine-event-id': e.id, 'x-engine-event-type': e.type });
    const res = await fetch(`${shop.url}/demo/events`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as { outcome?: string; error?: { code: string; message: string } } };
  };
  /** The shop's order list as its page shows it: order id → [status, last seq]. */
  const listed = async (): Promise<Map<string, { status: string; seq: number }>> => {
    const html = await (await fetch(`${shop.url}/demo/orders`)).text();
    const out = new Map<string, { status: string; seq: number }>();
    for (const m of html.matchAll(/<tr data-order-id="([^"]+)" data-status="([^"]*)" data-seq="(\d+)"/g)) out.set(m[1], { status: m[2], seq: Number(m[3]) });
    return out;
  };

  it('registered its endpoint once, for every type, and shows no secret', async () => {
    await waitFor(async () => fake.created.length === 1, 5_000, 50);
    expect(fake.created[0]).toMatchObject({ url: 'http://127.0.0.1:1/demo/events', enabled: true });
    expect((fake.created[0] as { eventTypes?: unknown }).eventTypes).toBeUndefined();
    const page = await (await fetch(`${shop.url}/demo/orders`)).text();
    expect(page).toContain('data-registered="true"');
    expect(page).not.toContain(SECRET);
  });

  it('refuses a forged, missing or foreign signature with 400 and applies nothing', async () => {
    const e = event('ORD-FORGED', 1, 'checkout.completed', 'Authorized', 1200);
    const body = JSON.stringify(e);
    expect((await post(body, sign(body, 'whsec_someone-else-0123456789abcdefghijklmnop'))).status).toBe(400);
    expect((await post(body, null)).status).toBe(400);
    // A valid signature of another body does not cover this one.
    const forged = await post(JSON.stringify({ ...e, paymentStatus: 'Captured' }), sign(body));
    expect(forged.status).toBe(400);
    expect(forged.body.error?.code).toBe('signature_invalid');
    expect((await listed()).has('ORD-FORGED')).toBe(false);
  });

  it('refuses a signature whose time is too old (a replay), applying nothing', async () => {
    const e = event('ORD-STALE', 1, 'checkout.completed', 'Authorized', 1200);
    const body = JSON.stringify(e);
    const r = await post(body, sign(body, SECRET, Math.floor(Date.now() / 1000) - 3600));
    expect(r.status).toBe(400);
    expect((await listed()).has('ORD-STALE')).toBe(false);
    // The same event signed now is taken.
    expect((await post(e)).body.outcome).toBe('applied');
  });

  it('takes an event once: a repeat is acknowledged and changes nothing', async () => {
    const first = event('ORD-DUP', 1, 'payment.authorized', 'Authorized', 3000);
    expect(await post(first)).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    const again = await post(first);
    expect(again).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
    expect((await listed()).get('ORD-DUP')).toEqual({ status: 'Authorized', seq: 1 });
    // An older event arriving after a newer one is acknowledged and ignored.
    expect((await post(event('ORD-DUP', 2, 'payment.captured', 'Captured', 3000))).body.outcome).toBe('applied');
    const older = await post({ ...event('ORD-DUP', 1, 'payment.authorized', 'Authorized'), id: 'evt_other_id_same_seq' });
    expect(older).toEqual({ status: 200, body: { received: true, outcome: 'stale' } });
    expect((await listed()).get('ORD-DUP')).toEqual({ status: 'Captured', seq: 2 });
  });

  it('holds an event ahead of a gap until the gap fills, then applies both in order', async () => {
    expect((await post(event('ORD-GAP', 1, 'payment.authorized', 'Authorized', 5000))).body.outcome).toBe('applied');
    const ahead = await post(event('ORD-GAP', 3, 'refund.pending', 'RefundPending', 1000));
    expect(ahead).toEqual({ status: 202, body: { received: true, outcome: 'held' } });
    // The same held event again is a repeat.
    expect((await post(event('ORD-GAP', 3, 'refund.pending', 'RefundPending', 1000))).body.outcome).toBe('duplicate');
    // Past the gap wait the shop asked the log, which does not have seq 2 yet: seq 3 still waits.
    const asked = fake.listed();
    await waitFor(async () => fake.listed() > asked, 5_000, 50);
    expect((await listed()).get('ORD-GAP')).toEqual({ status: 'Authorized', seq: 1 });
    expect((await post(event('ORD-GAP', 2, 'payment.captured', 'Captured', 5000))).body.outcome).toBe('applied');
    expect((await listed()).get('ORD-GAP')).toEqual({ status: 'RefundPending', seq: 3 });
  });

  it('does not break on events of an order it never heard of: it catches up from the event log', async () => {
    const first = event('ORD-LATE', 1, 'checkout.completed', 'Authorized', 2000);
    const second = event('ORD-LATE', 2, 'payment.captured', 'Captured', 2000);
    fake.log.push(first, second);
    const third = event('ORD-LATE', 3, 'order.status_changed', 'Captured');
    expect((await post(third)).body.outcome).toBe('held');
    await waitFor(async () => (await listed()).get('ORD-LATE')?.seq === 3, 5_000, 50);
    expect((await listed()).get('ORD-LATE')).toEqual({ status: 'Captured', seq: 3 });
    // Seq 2 arriving late now is a repeat of what the log gave.
    expect((await post(second)).body.outcome).toBe('duplicate');
  });

  it('refuses a body that is not an event, even when signed', async () => {
    const r = await post(JSON.stringify({ id: 'evt_x', seq: 'one' }));
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('invalid_event');
    expect((await post('not json')).body.error?.code).toBe('invalid_json');
  });

  it('pushes each change to the live page stream', async () => {
    const ac = new AbortController();
    const res = await fetch(`${shop.url}/demo/orders/stream`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 5_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`the stream never said ${pattern}: ${text.slice(-500)}`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([reader.read(), new Promise<{ done: true; value: undefined }>((r) => (timer = setTimeout(() => r({ done: true, value: undefined }), 5_000)))]);
        clearTimeout(timer);
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      expect(text).toMatch(pattern);
    };
    try {
      // On connect: every row the shop has.
      await readUntil(/"orderId":"ORD-DUP"/);
      expect((await post(event('ORD-LIVE', 1, 'payment.authorized', 'Authorized', 800))).body.outcome).toBe('applied');
      await readUntil(/event: order\ndata: \{"orderId":"ORD-LIVE","html":"<tr data-order-id=\\"ORD-LIVE\\" data-status=\\"Authorized\\"/);
    } finally {
      ac.abort();
    }
  });
});

describe('the demo shop before it is registered', () => {
  it('answers 503 (the engine tries again) and never applies an event it cannot check', async () => {
    const app = express();
    app.use(demoRoutes({ prisma: {} as PrismaClient }));
    const shop = await listen(app);
    try {
      const body = JSON.stringify(event('ORD-EARLY', 1, 'payment.authorized', 'Authorized'));
      const res = await fetch(`${shop.url}/demo/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-engine-signature': sign(body) }, body });
      expect(res.status).toBe(503);
      const page = await (await fetch(`${shop.url}/demo/orders`)).text();
      expect(page).toContain('data-registered="false"');
      expect(page).not.toContain('ORD-EARLY');
    } finally {
      await shop.close();
    }
  });
});

describe('the demo shop registering again after a restart', () => {
  it('rotates the secret of the endpoint it made before for its URL (at once, enabled, every type) instead of making another', async () => {
    const url = 'http://127.0.0.1:2/demo/events';
    const calls: Array<[string, unknown, unknown?]> = [];
    const before = { id: '00000000-0000-4000-8000-000000000002', url, description: DEMO_ENDPOINT_DESCRIPTION, eventTypes: ['payment.captured'], enabled: false, source: 'api', secretRotation: null, createdAt: '', updatedAt: '' };
    const service = {
      listEndpoints: async () => ({ data: [{ ...before, url: 'https://other.example/hook', id: 'x' }, { ...before, source: 'env', id: 'y' }, before] }),
      createEndpoint: async (body: unknown) => {
        calls.push(['create', body]);
        return { endpoint: before, secret: 'whsec_wrong' };
      },
      rotateSecret: async (id: unknown, body: unknown) => {
        calls.push(['rotate', id, body]);
        return { endpoint: before, secret: SECRET };
      },
      updateEndpoint: async (id: unknown, body: unknown) => {
        calls.push(['update', id, body]);
        return { endpoint: { ...before, enabled: true, eventTypes: [] } };
      },
      listEvents: async () => ({ data: [], hasMore: false, nextAfter: null }),
    } as unknown as DemoEventsService;
    const app = express();
    app.use(demoRoutes({ prisma: {} as PrismaClient, events: service, options: { eventsUrl: url } }));
    const shop = await listen(app);
    try {
      await waitFor(async () => (await (await fetch(`${shop.url}/demo/orders`)).text()).includes('data-registered="true"'), 5_000, 50);
      expect(calls).toEqual([
        ['rotate', before.id, { overlapSeconds: 0 }],
        ['update', before.id, { enabled: true, eventTypes: [] }],
      ]);
      // The rotated secret is the one it checks with.
      const body = JSON.stringify(event('ORD-AGAIN', 1, 'payment.authorized', 'Authorized'));
      const res = await fetch(`${shop.url}/demo/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-engine-signature': sign(body) }, body });
      expect(res.status).toBe(200);
    } finally {
      await shop.close();
    }
  });
});

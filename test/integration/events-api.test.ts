/**
 * docs/events.md through the API, on the whole stack: the shop's catch-up list (storefront key, cursor paging,
 * filters), an order's events with their deliveries, the endpoints (secret shown once and never stored in the clear,
 * rotation, the environment's endpoint left alone, what a careless caller sends), a resend, and a chargeback's events.
 */
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

describe('events through the API', () => {
  const s = useTestStack({ startTimeoutMs: 120_000 });

  async function captured(orderId: string): Promise<void> {
    const paid = await checkoutOrder(s, orderId, { paymentIntent: 'Authorize' });
    expect(paid.status).toBe(200);
    const c = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=10000`, { role: 'editor', body: { amount: { amount: 5000, currency: 'JPY' }, requestId: `cap-${orderId}` } });
    expect(c.status).toBe(200);
  }

  const listed = async (query: string) => (await s.call('GET', `/api/events${query}`, { role: 'storefront' })).body;

  it('lists every change of an order, numbered per order, and pages through them after a cursor', async () => {
    await captured('EV-1');
    // Captured in full, the one-time permission is closed by Amazon: the last change of this order.
    await waitFor(async () => (await listed('?orderId=EV-1')).data.some((e: { type: string }) => e.type === 'charge_permission.closed'), 15_000);
    const all = (await listed('?orderId=EV-1')).data;
    expect(all.map((e: { type: string }) => e.type)).toEqual(['checkout.completed', 'payment.authorized', 'payment.captured', 'charge_permission.closed']);
    expect(all.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(all[2]).toMatchObject({ object: 'event', orderId: 'EV-1', paymentStatus: 'Captured', data: { amount: { amount: 5000, currency: 'JPY' }, amazon: { chargeId: expect.any(String) } } });
    expect(all[0].id).toMatch(/^evt_[0-9a-f]{24}$/);

    // Two at a time, each page after the last id of the one before: the same events, once each.
    const seen: string[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const p = await listed(`?orderId=EV-1&limit=2${after ? `&after=${after}` : ''}`);
      seen.push(...p.data.map((e: { id: string }) => e.id));
      if (!p.hasMore) break;
      after = p.nextAfter;
    }
    expect(seen).toEqual(all.map((e: { id: string }) => e.id));
    expect((await listed('?type=payment.captured&orderId=EV-1')).data).toHaveLength(1);
  }, 60_000);

  it('refuses what a careless or hostile caller sends, and answers nothing without a key', async () => {
    expect((await s.call('GET', '/api/events')).status).toBe(401);
    for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?type=payment.stolen', '?after=%2e%2e%2f', '?orderId=', '?extra=1']) {
      const r = await s.call('GET', `/api/events${q}`, { role: 'storefront' });
      expect([r.status, q]).toEqual([400, q]);
      expect(r.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    }
    expect((await s.call('GET', '/api/events?after=evt_000000000000000000000000', { role: 'storefront' })).status).toBe(404);
    // The storefront key reads the catch-up list, never the admin's views.
    expect((await s.call('GET', '/api/admin/orders/EV-1/events', { role: 'storefront' })).status).toBe(403);
    expect((await s.call('GET', '/api/admin/event-endpoints', { role: 'storefront' })).status).toBe(403);
    expect((await s.call('POST', '/api/admin/event-endpoints', { role: 'viewer', body: { url: 'https://shop.example/events' } })).status).toBe(403);
  });

  it('makes an endpoint with a secret shown once, stored sealed, rotated with an overlap, and refuses bad ones', async () => {
    const made = await s.call('POST', '/api/admin/event-endpoints', { role: 'editor', body: { url: 'https://shop.example/events', description: 'shop', eventTypes: ['payment.captured', 'refund.succeeded'] } });
    expect(made.status).toBe(201);
    const secret: string = made.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(made.body.endpoint).toMatchObject({ url: 'https://shop.example/events', eventTypes: ['payment.captured', 'refund.succeeded'], enabled: true, source: 'api', secretRotation: null });
    const list = await s.call('GET', '/api/admin/event-endpoints', { role: 'viewer' });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const [stored] = await s.db.prisma.$queryRaw<Array<{ secret_sealed: string }>>`SELECT secret_sealed FROM event_endpoints WHERE id = ${made.body.endpoint.id}::uuid`;
    expect(stored.secret_sealed.startsWith('sb1.')).toBe(true);
    expect(stored.secret_sealed).not.toContain(secret);
    expect(stored.secret_sealed).not.toContain(secret.slice(6, 20));

    const rotated = await s.call('POST', `/api/admin/event-endpoints/${made.body.endpoint.id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect(Date.parse(rotated.body.endpoint.secretRotation.previousExpiresAt)).toBeGreaterThan(Date.now() + 3500_000);

    for (const body of [
      { url: 'ftp://shop.example/events' },
      { url: 'http://shop.example/events' },
      { url: 'https://user:pw@shop.example/events' },
      { url: 'https://shop.example/events#x' },
      { url: 'not a url' },
      { url: 'https://shop.example/events', eventTypes: ['payment.captured', 'payment.captured'] },
      { url: 'https://shop.example/events', eventTypes: ['everything'] },
      { url: 'https://shop.example/events', secret: 'mine' },
      {},
    ]) {
      const r = await s.call('POST', '/api/admin/event-endpoints', { role: 'editor', body });
      expect([r.status, body]).toEqual([400, body]);
    }
    expect((await s.call('POST', `/api/admin/event-endpoints/${made.body.endpoint.id}/rotate-secret`, { role: 'editor', body: { overlapSeconds: 8 * 86_400 } })).status).toBe(400);
    expect((await s.call('PATCH', `/api/admin/event-endpoints/${made.body.endpoint.id}`, { role: 'editor', body: {} })).status).toBe(400);
    expect((await s.call('PATCH', '/api/admin/event-endpoints/not-a-uuid', { role: 'editor', body: { enabled: false } })).status).toBe(400);
    expect((await s.call('PATCH', '/api/admin/event-endpoints/00000000-0000-4000-8000-000000000000', { role: 'editor', body: { enabled: false } })).status).toBe(404);

    // The environment's endpoint (SHOP_WEBHOOK_URL) is changed in the environment only.
    const env = await s.db.prisma.eventEndpoint.create({ data: { shopId: 'default', url: 'http://127.0.0.1:9/events', source: 'env' } });
    expect((await s.call('PATCH', `/api/admin/event-endpoints/${env.id}`, { role: 'editor', body: { enabled: false } })).body.error.code).toBe('endpoint_managed_by_environment');
    expect((await s.call('DELETE', `/api/admin/event-endpoints/${env.id}`, { role: 'editor' })).status).toBe(409);
    await s.db.prisma.eventEndpoint.delete({ where: { id: env.id } });

    const gone = await s.call('DELETE', `/api/admin/event-endpoints/${made.body.endpoint.id}`, { role: 'editor' });
    expect(gone.status).toBe(200);
    expect((await s.call('GET', '/api/admin/event-endpoints', { role: 'viewer' })).body.data.map((e: { id: string }) => e.id)).not.toContain(made.body.endpoint.id);
    expect((await s.call('DELETE', `/api/admin/event-endpoints/${made.body.endpoint.id}`, { role: 'editor' })).status).toBe(404);
  });

  it("shows an order's events with their deliveries, and resends one", async () => {
    const made = await s.call('POST', '/api/admin/event-endpoints', { role: 'editor', body: { url: 'http://127.0.0.1:9/unreachable', enabled: true } });
    expect(made.status).toBe(201);
    await captured('EV-2');
    const events = async () => (await s.call('GET', '/api/admin/orders/EV-2/events', { role: 'viewer' })).body.data;
    await waitFor(async () => (await events()).length === 4, 15_000);
    const [first] = await events();
    expect(first.deliveries).toEqual([expect.objectContaining({ endpointId: made.body.endpoint.id, endpointUrl: 'http://127.0.0.1:9/unreachable', status: expect.any(String) })]);
    const again = await s.call('POST', `/api/admin/events/${first.id}/resend`, { role: 'editor', body: {} });
    expect(again.status).toBe(202);
    expect(again.body.deliveries).toEqual([expect.objectContaining({ endpointId: made.body.endpoint.id, status: 'pending' })]);
    expect((await s.call('POST', '/api/admin/events/evt_000000000000000000000000/resend', { role: 'editor', body: {} })).status).toBe(404);
    expect((await s.call('POST', `/api/admin/events/${first.id}/resend`, { role: 'viewer', body: {} })).status).toBe(403);
    expect((await s.call('GET', '/api/admin/orders/NO-SUCH-ORDER/events', { role: 'viewer' })).status).toBe(404);
    // Deleting the endpoint cancels what it still had pending.
    await s.call('DELETE', `/api/admin/event-endpoints/${made.body.endpoint.id}`, { role: 'editor' });
    expect((await events()).flatMap((e: { deliveries: Array<{ status: string }> }) => e.deliveries.map((d) => d.status)).filter((x: string) => x === 'pending')).toEqual([]);
  }, 60_000);

  it('a chargeback is an event on its order, once per change of its state', async () => {
    await captured('EV-3');
    const detail = await s.call('GET', '/api/admin/orders/EV-3', { role: 'viewer' });
    const opened = await s.control<{ disputeId: string }>('POST', `/__sim/charges/${detail.body.chargeId}/disputes`, { amount: 2000, filingReason: 'ProductNotReceived' });
    expect(opened.status).toBe(201);
    const disputes = async () => (await listed('?orderId=EV-3')).data.filter((e: { type: string }) => e.type.startsWith('dispute.'));
    await waitFor(async () => (await disputes()).length === 1, 15_000);
    await s.control('POST', `/__sim/disputes/${opened.data.disputeId}/state`, { state: 'Resolved', reasonCode: 'MerchantWon' });
    await waitFor(async () => (await disputes()).length === 2, 15_000);
    const [a, b] = await disputes();
    expect(a).toMatchObject({ type: 'dispute.opened', paymentStatus: 'Captured', data: { amount: { amount: 2000, currency: 'JPY' }, amazon: { disputeId: opened.data.disputeId }, disputeState: 'ActionRequired' } });
    expect(b).toMatchObject({ type: 'dispute.closed', data: { disputeState: 'Resolved', previousDisputeState: 'ActionRequired', reasonCode: 'MerchantWon' } });
    expect(b.seq).toBe(a.seq + 1);
    const all = (await listed('?orderId=EV-3')).data.map((e: { seq: number }) => e.seq);
    expect(all).toEqual(all.map((_: number, i: number) => i + 1));
  }, 60_000);
});

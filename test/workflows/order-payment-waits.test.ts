// orderPayment's waits on the time-skipping server: 24 h abandonment, 30-day expiry with its warning, re-authorization, pending states left by polling, the refund window.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { capture, refund, state } from '../../workflows/messages';
import { harnessForFile, newRun, type Run } from './support/harness';
import { checkout } from './support/checkout';

const h = harnessForFile(120_000);

/** The order's events as written (docs/events.md): type and the payment status after each, numbered 1, 2, 3 …. */
function eventsOf(run: Run, orderId: string): Array<[unknown, unknown]> {
  const events = run.prisma.events.filter((e) => e.orderId === orderId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  return events.map((e) => [e.type, e.paymentStatus]);
}

test('a checkout not completed within 24 hours is abandoned and the workflow ends cleanly', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    expect((await handle.query(state)).pendingTimers.map((t) => t.name)).toEqual(['checkoutExpiry']);
    await h.env.sleep('23 hours');
    expect((await handle.query(state)).paymentStatus).toBe('CheckoutPending');
    await h.env.sleep('2 hours');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Abandoned' });
    expect(run.prisma.orders.get((await handle.query(state)).orderId)).toMatchObject({ paymentStatus: 'Abandoned' });
    expect(eventsOf(run, (await handle.query(state)).orderId)).toEqual([['checkout.abandoned', 'Abandoned']]);
  });
});

test('an authorization warns 7 days before its 30 days run out, then expires', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    await h.env.sleep('22 days');
    expect((await handle.query(state)).expiryWarned).toBe(false);
    await h.env.sleep('2 days');
    const warned = await handle.query(state);
    expect(warned.expiryWarned).toBe(true);
    expect(warned.history.some((r) => r.kind === 'expire' && r.result === 'ExpiryWarning')).toBe(true);
    expect(warned.paymentStatus).toBe('Authorized');
    await h.env.sleep('7 days');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'AuthorizationExpired', captured: 0 });
    const orderId = (await handle.query(state)).orderId;
    expect(eventsOf(run, orderId)).toEqual([
      ['checkout.completed', 'Authorized'],
      ['payment.authorized', 'Authorized'],
      ['authorization.expiring', 'Authorized'],
      ['authorization.expired', 'AuthorizationExpired'],
    ]);
    const expiring = run.prisma.events.find((e) => e.orderId === orderId && e.type === 'authorization.expiring');
    expect(expiring?.data).toMatchObject({ amount: { amount: 10_000, currency: 'JPY' } });
  });
});

test('the warning lead time is a setting', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize', expiryWarningLeadMs: 2 * 24 * 3600_000 } });
    await checkout(handle, run.amazon);
    await h.env.sleep('27 days');
    expect((await handle.query(state)).expiryWarned).toBe(false);
    await h.env.sleep('25 hours');
    expect((await handle.query(state)).expiryWarned).toBe(true);
  });
});

test('with re-authorization allowed, expiry authorizes the rest again on the charge permission', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize', reauthorizeOnExpiry: true } });
    await checkout(handle, run.amazon);
    const first = await handle.query(state);
    await h.env.sleep('721 hours');
    const s = await handle.query(state);
    expect(s.paymentStatus).toBe('Authorized');
    expect(s.charges).toHaveLength(2);
    expect(Date.parse(s.authorizationExpiresAt as string)).toBeGreaterThan(Date.parse(first.authorizationExpiresAt as string));
    const r = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'after-reauth' }] });
    expect(r.paymentStatus).toBe('Captured');
    expect(run.amazon.captures()).toBe(1);
  });
});

test('a pending authorization with no notification is resolved by polling with backoff (declined)', async () => {
  const run = newRun(h);
  run.amazon.pendingAuthorization = true;
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize', canHandlePendingAuthorization: true } });
    const done = await checkout(handle, run.amazon);
    await h.env.sleep('4 minutes');
    const polls = run.amazon.count('getCharge');
    expect(polls).toBeGreaterThanOrEqual(3); // 30 s, 1 min, 2 min after the first read
    run.amazon.resolveCharge(done.amazonObjectIds[0], 'Declined', 'HardDeclined');
    await h.env.sleep('10 minutes');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Declined' });
    const s = await handle.query(state);
    expect(s.history[s.history.length - 1]).toMatchObject({ kind: 'authorize', result: 'HardDeclined' });
    expect(eventsOf(run, s.orderId)).toEqual([
      ['checkout.completed', 'AuthorizationPending'],
      ['payment.authorization_pending', 'AuthorizationPending'],
      ['payment.declined', 'Declined'],
    ]);
    // The reason code with the text the shop may show its buyer, in both languages.
    expect(run.prisma.events.find((e) => e.orderId === s.orderId && e.type === 'payment.declined')?.data).toMatchObject({ reasonCode: 'HardDeclined', buyerMessage: { ja: expect.any(String), en: expect.any(String) } });
  });
});

test('a pending capture is resolved by polling', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ settings: { paymentIntent: 'Authorize' } });
    await checkout(handle, run.amazon);
    run.amazon.pendingCapture = true;
    const c = await handle.executeUpdate(capture, { args: [{ amount: 10_000, requestId: 'late' }] });
    expect(c.paymentStatus).toBe('CapturePending');
    expect((await handle.query(state)).amounts.capturePending).toBe(10_000);
    run.amazon.resolveCharge(c.amazonObjectIds[0], 'Captured');
    await h.env.sleep('1 minute');
    expect(await handle.query(state)).toMatchObject({ paymentStatus: 'Captured', amounts: { captured: 10_000, capturePending: 0 } });
    expect(eventsOf(run, (await handle.query(state)).orderId).slice(2)).toEqual([
      ['payment.capture_pending', 'CapturePending'],
      ['payment.captured', 'Captured'],
    ]);
  });
});

test('a declined refund ends in RefundDeclined (by polling)', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start();
    await checkout(handle, run.amazon);
    const r = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r' }] });
    run.amazon.resolveRefund(r.amazonObjectIds[0], 'Declined', 'AmazonRejected');
    await h.env.sleep('2 minutes');
    const s = await handle.query(state);
    expect(s.paymentStatus).toBe('RefundDeclined');
    expect(s.history[s.history.length - 1]).toMatchObject({ kind: 'refund', result: 'AmazonRejected' });
    expect(eventsOf(run, s.orderId).slice(-2)).toEqual([
      ['refund.pending', 'RefundPending'],
      ['refund.declined', 'RefundDeclined'],
    ]);
  });
});

test('a captured order completes once its refund window has passed', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ timings: { refundWindowMs: 10 * 24 * 3600_000 } });
    await checkout(handle, run.amazon);
    await h.env.sleep('11 days');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Captured', captured: 10_000 });
  });
});

test('a refund polled while the refund window runs keeps the window timer, and the start attributes are not written again (ORDER_V14)', async () => {
  const run = newRun(h);
  await run.withWorker(async () => {
    const handle = await run.start({ timings: { refundWindowMs: 10 * 24 * 3600_000 } });
    await checkout(handle, run.amazon);
    const r = await handle.executeUpdate(refund, { args: [{ amount: 1_000, requestId: 'r' }] });
    run.amazon.resolveRefund(r.amazonObjectIds[0], 'Refunded');
    await h.env.sleep('2 minutes');
    expect((await handle.query(state)).paymentStatus).toBe('Refunded');
    await h.env.sleep('11 days');
    expect(await handle.result()).toMatchObject({ paymentStatus: 'Refunded' });
    const events = (await handle.fetchHistory()).events ?? [];
    const T = temporal.api.enums.v1.EventType;
    const count = (t: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === t).length;
    // The checkout's 24 h timer is cancelled once (the deadline moved later, to the window's end); the poll's timer
    // fires; the window's timer, started at completion, is kept through the poll and fires at the end.
    expect(count(T.EVENT_TYPE_TIMER_CANCELED)).toBe(1);
    expect(count(T.EVENT_TYPE_TIMER_FIRED)).toBe(2);
    expect(count(T.EVENT_TYPE_TIMER_STARTED)).toBe(3);
    // One patch marker; no upsert repeats what the workflow was started with.
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(1);
    const upserted = events.flatMap((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
      if (!('PaymentStatus' in fields)) return [];
      const value: unknown = defaultPayloadConverter.fromPayload(fields.PaymentStatus as Payload);
      return [Array.isArray(value) ? value[0] : value];
    });
    expect(upserted).not.toContain('CheckoutPending');
    expect(upserted[0]).toBe('Captured');
  });
});

// Persistence activities against a real, freshly migrated database: order upsert, idempotent history appends, pre-payment log around a money call.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { openPrePayment, resolvePrePayment, type RecoverableCommand } from '../../activities/pre-payment-log';
import { createLogger } from '../../lib/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { FakeAmazon } from '../workflows/support/fake-amazon';
import type { HistoryRow } from '../../workflows/types';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await db?.close();
});

const projection = {
  orderId: 'p-1',
  workflowId: 'order-p-1',
  currency: 'JPY',
  amount: 1500,
  paymentIntent: 'Authorize' as const,
  paymentStatus: 'CheckoutPending' as const,
  orderStatus: 'New' as const,
  recurring: false,
  authorizedAmount: 0,
  capturedAmount: 0,
  refundedAmount: 0,
};

test('upsertOrder creates then updates the order row; appendHistory skips rows already written; the pre-payment log brackets the call', async () => {
  const amazon = new FakeAmazon();
  const acts = createActivities({ shopId: 'default', amazonPay: amazon, prisma: db.prisma, clock: () => new Date(), log: createLogger('silent', 'test') });
  const env = new MockActivityEnvironment();
  await env.run(acts.upsertOrder, projection);
  await env.run(acts.upsertOrder, { ...projection, paymentStatus: 'Authorized' as const, authorizedAmount: 1500, authorizationExpiresAt: '2026-02-01T00:00:00.000Z' });
  expect(await db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'p-1' } } })).toMatchObject({ paymentStatus: 'Authorized', authorizedAmount: BigInt(1500) });

  const rows: HistoryRow[] = [
    { seq: 1, at: '2026-01-01T00:00:00.000Z', kind: 'authorize', currency: 'JPY', result: 'OK', amount: 1500, amazonObjectId: 'S01-C', dedupeKey: 'order-p-1:1' },
    { seq: 2, at: '2026-01-02T00:00:00.000Z', kind: 'capture', currency: 'JPY', result: 'TransactionAmountExceeded', amount: 1600, dedupeKey: 'order-p-1:2', debugDetail: 'over' },
  ];
  expect(await env.run(acts.appendHistory, { orderId: 'p-1', rows })).toBe(2);
  expect(await env.run(acts.appendHistory, { orderId: 'p-1', rows })).toBe(0);
  const stored = await db.prisma.paymentHistory.findMany({ where: { orderId: 'p-1' }, orderBy: { occurredAt: 'asc' } });
  expect(stored.map((r) => [r.kind, r.result, r.message])).toEqual([
    ['authorize', 'OK', null],
    ['capture', 'TransactionAmountExceeded', '最高取引金額を超えています。'],
  ]);

  const sid = amazon.addSession('s-p', { orderId: 'p-1' });
  await amazon.updateCheckoutSession(sid, { paymentDetails: { paymentIntent: 'Authorize', chargeAmount: { amount: '1500', currencyCode: 'JPY' } } });
  const input = { orderId: 'p-1', checkoutSessionId: sid, amount: 1500, currency: 'JPY', key: { workflowId: 'order-p-1', action: 'complete', requestId: `${sid}/0` } };
  await env.run(acts.completeCheckoutSession, input);
  await env.run(acts.completeCheckoutSession, input); // a retry replays, the log row stays one
  const log = await db.prisma.prePaymentLog.findMany({ where: { orderId: 'p-1' } });
  expect(log).toHaveLength(1);
  expect(log[0]).toMatchObject({ action: 'complete', status: 'succeeded', resultCode: 'OK', amount: BigInt(1500) });
  expect(log[0].chargeId).toBeTruthy();
});

test('saveProjection writes the order row and new history rows together, and a retried write changes nothing', async () => {
  const acts = createActivities({ shopId: 'default', amazonPay: new FakeAmazon(), prisma: db.prisma, clock: () => new Date(), log: createLogger('silent', 'test') });
  const env = new MockActivityEnvironment();
  const order = { ...projection, orderId: 'p-2', workflowId: 'order-p-2' };
  await env.run(acts.saveProjection, { order, rows: [] });
  const rows: HistoryRow[] = [{ seq: 1, at: '2026-01-01T00:00:00.000Z', kind: 'authorize', currency: 'JPY', result: 'OK', amount: 1500, amazonObjectId: 'S01-C2', dedupeKey: 'order-p-2:1' }];
  const authorized = { ...order, paymentStatus: 'Authorized' as const, authorizedAmount: 1500 };
  await env.run(acts.saveProjection, { order: authorized, rows });
  await env.run(acts.saveProjection, { order: authorized, rows });
  expect(await db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'p-2' } } })).toMatchObject({ paymentStatus: 'Authorized', authorizedAmount: BigInt(1500) });
  expect(await db.prisma.paymentHistory.count({ where: { orderId: 'p-2' } })).toBe(1);
});

test('a projection write whose text holds a lone surrogate or a NUL is stored (U+FFFD, NUL dropped), as a text parameter would be; it never wedges the order', async () => {
  // An editor's cancel reason becomes a history row's message; a buyer's name comes from Amazon. Sent as JSON to jsonb,
  // a lone surrogate (JSON.stringify writes it as \ud800) or a NUL would be refused, and every later write with it.
  const acts = createActivities({ shopId: 'default', amazonPay: new FakeAmazon(), prisma: db.prisma, clock: () => new Date(), log: createLogger('silent', 'test') });
  const env = new MockActivityEnvironment();
  const order = { ...projection, orderId: 'p-odd', workflowId: 'order-p-odd', buyerName: 'Taro \ud800 Yamada\u0000' };
  const rows: HistoryRow[] = [{ seq: 1, at: '2026-01-01T00:00:00.000Z', kind: 'cancel', currency: 'JPY', result: 'OK', message: 'x\ud800y\udc00z\u0000', dedupeKey: 'order-p-odd:1' }];
  const events = [{ key: 'order-p-odd:e1', type: 'payment.canceled' as const, at: '2026-01-01T00:00:00.000Z', paymentStatus: 'Canceled', data: { reason: 'a\udbffb' } }];
  await env.run(acts.saveProjection, { order, rows, events });
  expect(await db.prisma.order.findUnique({ where: { shopId_orderId: { shopId: 'default', orderId: 'p-odd' } } })).toMatchObject({ buyerName: 'Taro \ufffd Yamada' });
  expect(await db.prisma.paymentHistory.findFirst({ where: { orderId: 'p-odd' } })).toMatchObject({ message: 'x\ufffdy\ufffdz' });
  expect(await db.prisma.event.findFirst({ where: { orderId: 'p-odd' } })).toMatchObject({ seq: 1, data: { reason: 'a\ufffdb' } });
});

test('a pre-payment row keeps what a recovery needs: its command through a failure, the ids a success names, one row per key', async () => {
  const deps = { shopId: 'default', amazonPay: new FakeAmazon(), prisma: db.prisma, clock: () => new Date('2026-03-04T05:06:07.089Z'), log: createLogger('silent', 'test') };
  await createActivities(deps).upsertOrder({ ...projection, orderId: 'p-2', workflowId: 'order-p-2' });
  const row = (key: string) => db.prisma.prePaymentLog.findUniqueOrThrow({ where: { idempotencyKey: key } });
  // A reason with a lone surrogate is stored (as U+FFFD), not refused.
  const refund: RecoverableCommand = { kind: 'refund', requestId: 'r-1', amount: 2 ** 40, pieces: [{ chargeId: 'S01-C1', amount: 2 ** 40 }], actor: { keyId: 'k', name: 'ed \ud800', role: 'editor' } };
  const entry = { orderId: 'p-2', action: 'refund', idempotencyKey: 'key-refund', amount: 2 ** 40, currency: 'JPY', chargeId: 'S01-C1', command: refund };
  await openPrePayment(deps, entry);
  await openPrePayment(deps, { ...entry, amount: 1 }); // a retry leaves the row as it was
  expect(await row('key-refund')).toMatchObject({ status: 'pending', amount: BigInt(2 ** 40), chargeId: 'S01-C1', checkoutSessionId: null, resolvedAt: null, payload: { command: { ...refund, actor: { ...refund.actor, name: 'ed \ufffd' } } } });
  await resolvePrePayment(deps, entry, { ok: false, code: 'TransactionAmountExceeded' });
  expect(await row('key-refund')).toMatchObject({ status: 'failed', resultCode: 'TransactionAmountExceeded', chargeId: 'S01-C1', resolvedAt: new Date('2026-03-04T05:06:07.089Z'), payload: { command: { kind: 'refund', requestId: 'r-1' } } });

  const capture: RecoverableCommand = { kind: 'capture', requestId: 'c-1', amount: 1500 };
  const c = { orderId: 'p-2', action: 'complete', idempotencyKey: 'key-complete', amount: 1500, currency: 'JPY', checkoutSessionId: 's-2', command: capture };
  await openPrePayment(deps, c);
  // Empty ids (never sent by Amazon) keep what the row has, as nothing named does.
  await resolvePrePayment(deps, c, { ok: true, chargeId: '', chargePermissionId: 'S01-P', objectId: 'S01-R' });
  expect(await row('key-complete')).toMatchObject({ status: 'succeeded', resultCode: 'OK', checkoutSessionId: 's-2', chargeId: null, chargePermissionId: 'S01-P', payload: { command: capture, amazonObjectId: 'S01-R' } });
  // No command: no payload, and a resolve names nothing it was not given.
  await openPrePayment(deps, { orderId: 'p-2', action: 'close', idempotencyKey: 'key-close', amount: 0, currency: 'JPY', chargePermissionId: 'S01-P' });
  await resolvePrePayment(deps, { idempotencyKey: 'key-close' }, { ok: true });
  expect(await row('key-close')).toMatchObject({ status: 'succeeded', payload: null, chargePermissionId: 'S01-P' });
  await expect(resolvePrePayment(deps, { idempotencyKey: 'key-none' }, { ok: true })).rejects.toThrow(/no pre-payment row/);
  // Another shop's order: no row for it.
  await expect(openPrePayment({ ...deps, shopId: 'other' }, { ...c, idempotencyKey: 'key-other' })).rejects.toThrow();
  expect(await db.prisma.prePaymentLog.count({ where: { orderId: 'p-2' } })).toBe(3);
});

// `npx tsx scripts/bench/projection-write.ts` (DATABASE_URL: a PostgreSQL server it may create a database on): worker CPU
// of one projection write (the order row, a history row and an event, with one event endpoint), as the order workflow's
// local activity makes it, measured in this process over N writes (env N, default 400), three rounds. It creates the
// database engine_bench_projection on that server (dropping one left by an earlier run) and drops it at the end.
// docs/benchmark.md, Cost per order, third round.
import { createPrismaClient } from '../../lib/database';
import { applyMigrations } from '../../lib/migrate';
import { createPersistenceActivities } from '../../activities/persistence';
import { createLogger } from '../../lib/logger';
import { ensureDefaultShop } from '../../lib/shops';
import { Client } from 'pg';
if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL: the PostgreSQL server to measure on');
const url = (() => {
  const u = new URL(process.env.DATABASE_URL);
  u.pathname = '/engine_bench_projection';
  return u.toString();
})();
async function main() {
  const admin = new Client({ connectionString: process.env.DATABASE_URL }); await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS engine_bench_projection'); await admin.query('CREATE DATABASE engine_bench_projection'); await admin.end();
  await applyMigrations(url);
  const prisma = createPrismaClient(url);
  await ensureDefaultShop(prisma);
  await prisma.eventEndpoint.create({ data: { shopId: 'default', url: 'https://x.example/h', eventTypes: [], source: 'env' } });
  const acts = createPersistenceActivities({ shopId: 'default', prisma, clock: () => new Date(), log: createLogger('silent', 'b'), amazonPay: {} as never });
  const N = Number(process.env.N ?? 400);
  const order = (i: number) => ({ orderId: `o${i % 50}`, workflowId: `wf-${i % 50}`, currency: 'JPY', amount: 1000, paymentIntent: 'AuthorizeWithCapture' as const, paymentStatus: 'Captured' as const, orderStatus: 'New' as const, recurring: false, authorizedAmount: 1000, capturedAmount: 1000, refundedAmount: 0, checkoutSessionId: 'cs', chargePermissionId: 'cp', chargeId: 'c' });
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage(); const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      const k = `${round}-${i}`;
      await acts.saveProjection({ order: order(i), rows: [{ at: new Date().toISOString(), kind: 'capture', result: 'OK', currency: 'JPY', amount: 1000, dedupeKey: `h-${k}` } as never], events: [{ key: `e-${k}`, type: 'payment.captured', at: new Date().toISOString(), paymentStatus: 'Captured', data: { amount: 1000 } } as never] });
    }
    const c = process.cpuUsage(c0);
    console.log(`round ${round}: saveProjection cpu ms/op ${((c.user + c.system) / 1000 / N).toFixed(3)} (user ${(c.user / 1000 / N).toFixed(3)} sys ${(c.system / 1000 / N).toFixed(3)}) wall ${((Date.now() - t0) / N).toFixed(3)}`);
  }
  await prisma.$disconnect();
  const cleanup = new Client({ connectionString: process.env.DATABASE_URL });
  await cleanup.connect();
  await cleanup.query('DROP DATABASE IF EXISTS engine_bench_projection');
  await cleanup.end();
}
main().catch((e) => { console.error(e); process.exit(1); });

// `npm run chaos`: injects each fault while orders are in flight on the real stack, checks every order against the
// simulator's ledger and every order's events at a shop of its own (scripts/chaos/events.ts), ends with a reconcile
// run; exits 1 on any loss, duplicate or event out of place.
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '../lib/logger';
import { reconcileOrders } from '../activities/reconcile';
import { checkout } from './bench/lifecycle';
import { startStack, type Stack } from './bench/stack';
import { act, verify } from './chaos/orders';
import { ChaosShop } from './chaos/events';
import { printReport } from './reconcile/print';
import { runMain } from './run-main';

interface Fault {
  name: string;
  /** Armed after checkout, before the admin actions. */
  arm?: (s: Stack) => Promise<void>;
  /** Runs while the captures and refunds are in flight. */
  during?: (s: Stack) => Promise<void>;
  /** Sends each action twice at once. */
  twice?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The shop the engine sends events to (SHOP_WEBHOOK_URL of every worker and API child). */
const shop = new ChaosShop(randomBytes(32).toString('hex'));
/** The shop answers `status` to every event for `ms` while the admin actions run, then takes them again. */
const shopFails = (status: number, ms: number) => async () => {
  shop.failWith = status;
  await sleep(ms);
  shop.failWith = undefined;
};
const fault = (spec: object) => async (s: Stack) => void (await s.control('POST', '/__sim/faults', spec));
const ipn = (action: string, count = 10, delayMs?: number) => async (s: Stack) => void (await s.control('POST', '/__sim/ipn/controls', { action, count, ...(delayMs ? { delayMs } : {}) }));

async function killWorkerDuring(s: Stack, operation: string): Promise<void> {
  await s.control('POST', '/__sim/faults', { operation, kind: 'latency', latencyMs: 2500, count: 3 });
  await sleep(1200);
  for (const w of s.workers) await w.kill();
  await sleep(500);
  await s.workers[0].start();
}

const FAULTS: Fault[] = [
  { name: 'worker SIGKILL mid-capture', during: (s) => killWorkerDuring(s, 'captureCharge') },
  { name: 'worker SIGKILL mid-refund', during: async (s) => (await sleep(1500), killWorkerDuring(s, 'createRefund')) },
  { name: 'Temporal dev server restarted', during: async (s) => (await sleep(800), s.restartTemporal()) },
  { name: 'PostgreSQL restarted (connections dropped)', during: async (s) => (await sleep(500), s.bounceDatabase(3000)) },
  { name: 'simulator 500 burst', arm: fault({ operation: '*', kind: 'error', status: 500, count: 6 }) },
  { name: 'simulator 503 burst', arm: fault({ operation: '*', kind: 'error', status: 503, count: 6 }) },
  { name: 'simulator 429 burst', arm: fault({ operation: '*', kind: 'error', status: 429, count: 6 }) },
  { name: 'latency past the activity timeout', arm: fault({ operation: 'captureCharge', kind: 'latency', latencyMs: 32_000, count: 1 }) },
  { name: 'commit-then-drop on capture and refund', arm: async (s) => (await fault({ operation: 'captureCharge', kind: 'commitThenDrop', count: 2 })(s), fault({ operation: 'createRefund', kind: 'commitThenDrop', count: 2 })(s)) },
  { name: 'IPN duplicated', arm: ipn('duplicate', 20) },
  { name: 'IPN reordered', arm: ipn('reorder', 20) },
  { name: 'IPN delayed past polling', arm: ipn('delay', 20, 20_000) },
  { name: 'IPN dropped', arm: ipn('drop', 20) },
  {
    name: 'API killed between accepting an admin action and answering',
    during: async (s) => {
      await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 2000, count: 3 });
      await sleep(700);
      await s.api.kill();
      await s.restartApi();
    },
  },
  { name: 'same admin action sent twice concurrently', twice: true },
  { name: "the shop's event endpoint down (503) for 8 s", during: shopFails(503, 8000) },
  { name: "the shop's event endpoint answering 500 for 4 s", during: shopFails(500, 4000) },
];

async function runFault(s: Stack, f: Fault, perFault: number) {
  const run = randomUUID().slice(0, 6);
  const orders: { orderId: string; amount: number }[] = [];
  for (let i = 0; i < perFault; i++) {
    const orderId = `C-${run}-${i}`;
    const amount = 3000 + i * 100;
    const done = await checkout(s, orderId, amount);
    if (done.status !== 200) throw new Error(`checkout of ${orderId} failed before the fault: ${done.status} ${JSON.stringify(done.body)}`);
    orders.push({ orderId, amount });
  }
  await f.arm?.(s);
  const times = f.twice ? 2 : 1;
  const actions = Promise.all(
    orders.map(async (o) => {
      const caps = await Promise.all(Array.from({ length: times }, () => act(s, `/api/admin/orders/${o.orderId}/capture`, { amount: o.amount, requestId: `cap-${o.orderId}` })));
      if (caps.some((c) => c !== 200)) return;
      await Promise.all(Array.from({ length: times }, () => act(s, `/api/admin/orders/${o.orderId}/refunds`, { amount: 1000, requestId: `ref-${o.orderId}` })));
    }),
  );
  await Promise.all([actions, f.during?.(s)]);
  const verdict = await verify(s, orders);
  const events = await shop.verify(
    s,
    orders.map((o) => o.orderId),
  );
  await s.control('DELETE', '/__sim/faults');
  await s.control('DELETE', '/__sim/ipn/controls');
  await s.control('POST', '/__sim/ipn/flush');
  return { ...verdict, events };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const bound = setTimeout(() => {
    console.error('chaos: over the 10-minute bound');
    process.exit(2);
  }, 10 * 60_000);
  bound.unref();
  const perFault = Number(process.env.CHAOS_ORDERS_PER_FAULT ?? 2);
  const only = process.env.CHAOS_ONLY;
  console.log('chaos: starting the stack (private PostgreSQL or PGlite, Temporal dev server, simulator; worker and API as child processes)');
  const shopUrl = await shop.start();
  const s = await startStack({ env: { LOG_LEVEL: 'info', SHOP_WEBHOOK_URL: shopUrl, SHOP_WEBHOOK_SECRET: shop.secret } });
  let lost = 0;
  let duplicated = 0;
  let eventsWrong = 0;
  let eventsDuplicated = 0;
  let total = 0;
  try {
    for (const f of FAULTS.filter((x) => !only || x.name.includes(only))) {
      let v;
      try {
        v = await runFault(s, f, perFault);
      } catch (err) {
        v = { orders: perFault, lost: [`harness: ${err instanceof Error ? err.message : String(err)}`], duplicated: [], events: { orders: perFault, wrong: [], duplicated: [] } };
      }
      total += v.orders;
      lost += v.lost.length;
      duplicated += v.duplicated.length;
      eventsWrong += v.events.wrong.length;
      eventsDuplicated += v.events.duplicated.length;
      const problems = [...v.lost, ...v.duplicated, ...v.events.wrong.map((w) => `events: ${w}`), ...v.events.duplicated.map((d) => `event twice: ${d}`)];
      console.log(`${problems.length ? 'FAILED' : 'survived'} ${f.name}: ${v.orders} orders, lost ${v.lost.length}, duplicated ${v.duplicated.length}, events out of place ${v.events.wrong.length}, events twice ${v.events.duplicated.length}${problems.length ? ` — ${problems.join('; ')}` : ''}`);
      for (const w of s.workers) if (!w.running) await w.start();
      if (!s.api.running) await s.restartApi();
    }
    const report = await reconcileOrders({ prisma: s.prisma, amazonPayFor: () => s.amazonPay, client: s.client, log: createLogger('silent', 'reconcile') }, { verifyMs: 15_000 });
    printReport(report);
    const drift = report.drifts.filter((d) => d.resolved !== true).length;
    console.log(`chaos: ${total} orders through ${FAULTS.length} faults, lost ${lost}, duplicated ${duplicated}, reconcile drift ${drift}; events: ${shop.arrivals.length} arrived, ${eventsWrong} orders wrong, ${eventsDuplicated} twice, ${shop.forged} forged (${Math.round((Date.now() - t0) / 1000)} s)`);
    process.exitCode = lost + duplicated + drift + eventsWrong + eventsDuplicated + shop.forged > 0 ? 1 : 0;
  } finally {
    await s.stop();
    await shop.stop();
  }
}

runMain('chaos', main);

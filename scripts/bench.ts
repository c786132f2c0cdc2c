// `npm run bench [-- --orders N --concurrency C --latency-samples S --phase-seconds T --no-two-workers]`: engine vs bare-Temporal baseline vs direct SDK, on one stack of its own; writes bench-results/latest.json.
// On a real Temporal: `--cluster` (the deploy/ topology's server, scripts/cluster/topology.ts) or `--temporal-address host:port
// [--namespace ns] [--tls-ca pem --tls-cert pem --tls-key pem --tls-server-name name]`; the engine's children use the same settings.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId, DEFAULT_SHOP_ID } from '../lib/names';
import { billableActions } from './bench/actions';
import { ChildPart } from './bench/child';
import { CpuMeter, perUnit, type CpuGroups } from './bench/cpu';
import { floorLifecycle, prepareFloor, type Floor } from './bench/floor';
import { checkout, fullLifecycle, percentile, pool, settleQueries } from './bench/lifecycle';
import { startStack, workerNodeArgs, type Stack, type StackOptions } from './bench/stack';
import { workerProcessEnv } from '../worker/process-settings';
import { startCluster, type Cluster } from './cluster/topology';
import { loadConfig } from '../lib/config';
import { connectionOptions } from '../lib/temporal';
import enginePackage from '../package.json';
import temporalWorkerPackage from '@temporalio/worker/package.json';
import { runMain } from './run-main';

interface Args {
  orders: number;
  concurrency: number;
  twoWorkers: boolean;
  latencySamples: number;
  deadlineMs: number;
  cluster: boolean;
  /** TEMPORAL_* variables of an external Temporal (--temporal-address and the rest). */
  temporal: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  // Defaults: every one of the 100 orders runs (a quiet 2-core machine needs about 30 s per phase, a loaded one up to
  // 75 s); each phase stops starting orders after 90 s, and the two-worker phase is skipped when it could not end
  // inside the 5-minute bound.
  const a: Args = { orders: 100, concurrency: 10, twoWorkers: true, latencySamples: 40, deadlineMs: 90_000, cluster: false, temporal: {} };
  const temporalFlags: Record<string, string> = { '--temporal-address': 'TEMPORAL_ADDRESS', '--namespace': 'TEMPORAL_NAMESPACE', '--tls-ca': 'TEMPORAL_TLS_CA', '--tls-cert': 'TEMPORAL_TLS_CERT', '--tls-key': 'TEMPORAL_TLS_KEY', '--tls-server-name': 'TEMPORAL_TLS_SERVER_NAME' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--orders') { a.orders = Number(v); i++; }
    else if (argv[i] === '--concurrency') { a.concurrency = Number(v); i++; }
    else if (argv[i] === '--latency-samples') { a.latencySamples = Number(v); i++; }
    else if (argv[i] === '--phase-seconds') { a.deadlineMs = Number(v) * 1000; i++; }
    else if (argv[i] === '--no-two-workers') a.twoWorkers = false;
    else if (argv[i] === '--cluster') a.cluster = true;
    else if (temporalFlags[argv[i]] && v !== undefined) { a.temporal[temporalFlags[argv[i]]] = v; i++; }
    else throw new Error(`unknown argument ${argv[i]} (use --orders N --concurrency C --latency-samples S --phase-seconds T --no-two-workers --cluster, or --temporal-address host:port --namespace ns --tls-ca/--tls-cert/--tls-key file --tls-server-name name)`);
  }
  if (!(a.orders > 0 && a.orders <= 5000 && a.concurrency > 0 && a.concurrency <= 200)) throw new Error('--orders must be 1..5000 and --concurrency 1..200');
  if (a.cluster && a.temporal.TEMPORAL_ADDRESS) throw new Error('--cluster starts its own Temporal; leave out --temporal-address');
  if (!a.temporal.TEMPORAL_ADDRESS && Object.keys(a.temporal).length > 0) throw new Error('--namespace and --tls-* go with --temporal-address');
  return a;
}

/** The whole run, stack start to report, stays inside this bound. */
const HARD_STOP_MS = 5 * 60_000;

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

/**
 * Activities (by type), workflow tasks, updates, signals and billable actions one finished workflow (an engine order's,
 * a floor order's) took, read from its history, with where its time went: activities queued (scheduled → started) and
 * running, workflow tasks queued and running, timers.
 */
async function profileWorkflow(s: Stack, workflowId: string) {
  const history = await s.client.workflow.getHandle(workflowId).fetchHistory();
  // BENCH_DUMP_HISTORY=<dir>: each profiled workflow's history as JSON, to read what an order's events are.
  if (process.env.BENCH_DUMP_HISTORY) writeFileSync(path.join(process.env.BENCH_DUMP_HISTORY, `${workflowId}.json`), JSON.stringify(history, null, 1));
  const byType: Record<string, number> = {};
  const activityMs: Record<string, number> = {};
  let activities = 0;
  let localActivities = 0;
  let workflowTasks = 0;
  let updates = 0;
  let signals = 0;
  let timers = 0;
  const t = { activityQueuedMs: 0, activityRunningMs: 0, workflowTaskQueuedMs: 0, workflowTaskRunningMs: 0, timerMs: 0 };
  const at = new Map<number, number>();
  const typeOf = new Map<number, string>();
  // What the history is made of: events by type (markers by name), to see which kind a change removed.
  const eventsByType: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const kind = `${temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType)}${e.markerRecordedEventAttributes?.markerName ? ` ${e.markerRecordedEventAttributes.markerName}` : ''}`;
    eventsByType[kind] = (eventsByType[kind] ?? 0) + 1;
    const id = Number(e.eventId);
    const now = ms(e.eventTime);
    at.set(id, now);
    // A local activity (the projection write) leaves a marker instead of activity events; it is still an activity the order ran.
    const local = e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
    if (local) localActivities++;
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? (local ? 'local activity' : undefined);
    if (name) {
      activities++;
      byType[name] = (byType[name] ?? 0) + 1;
      typeOf.set(id, name);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) t.activityQueuedMs += now - (at.get(Number(started.scheduledEventId)) ?? now);
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done) {
      const took = now - (at.get(Number(done.startedEventId)) ?? now);
      t.activityRunningMs += took;
      const type = typeOf.get(Number(done.scheduledEventId)) ?? '?';
      activityMs[type] = (activityMs[type] ?? 0) + took;
    }
    const wftStarted = e.workflowTaskStartedEventAttributes;
    if (wftStarted) t.workflowTaskQueuedMs += now - (at.get(Number(wftStarted.scheduledEventId)) ?? now);
    if (e.workflowTaskCompletedEventAttributes) {
      workflowTasks++;
      t.workflowTaskRunningMs += now - (at.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId)) ?? now);
    }
    if (e.timerStartedEventAttributes) timers++;
    if (e.timerFiredEventAttributes) t.timerMs += now - (at.get(Number(e.timerFiredEventAttributes.startedEventId)) ?? now);
    if (e.workflowExecutionUpdateAcceptedEventAttributes) updates++;
    if (e.workflowExecutionSignaledEventAttributes) signals++;
  }
  const round1 = (n: number) => Math.round(n);
  return {
    activities,
    localActivities,
    byType,
    workflowTasks,
    updates,
    signals,
    timersFired: timers,
    events: history.events?.length ?? 0,
    eventsByType,
    billableActions: billableActions(history.events ?? []),
    timeMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round1(v)])),
    activityRunningMsByType: Object.fromEntries(Object.entries(activityMs).map(([k, v]) => [k, round1(v)])),
  };
}

async function engineRun(s: Stack, a: Args, label: string) {
  const run = randomUUID().slice(0, 6);
  const r = await pool(a.orders, a.concurrency, a.deadlineMs, (i) => fullLifecycle(s, `B${label}-${run}-${i}`));
  const secs = r.results.map((t) => (t.settledAt - t.startedAt) / 1000);
  return { orderIds: r.results.map((t) => t.orderId), done: r.results.length, errors: r.errors, elapsedMs: r.elapsedMs, ordersPerSecond: r.results.length / (r.elapsedMs / 1000), p50: percentile(secs, 50), p99: percentile(secs, 99) };
}

/** Committed + rolled-back transactions of the whole database server so far (PostgreSQL statistics). */
async function dbTransactions(s: Stack): Promise<number> {
  await new Promise((r) => setTimeout(r, 1200)); // backends flush their statistics at most once a second
  const rows = await s.prisma.$queryRawUnsafe<{ n: bigint | number }[]>('SELECT sum(xact_commit + xact_rollback) AS n FROM pg_stat_database');
  return Number(rows[0]?.n ?? 0);
}

/** Transactions Temporal's own database has run so far (the cluster's persistence; undefined on a dev server). */
async function temporalTransactions(cluster: Cluster | undefined): Promise<number | undefined> {
  if (!cluster) return undefined;
  await new Promise((r) => setTimeout(r, 1200));
  const { Client: PgClient } = await import('pg');
  const c = new PgClient({ connectionString: cluster.temporalDatabaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

/** Mean of the profiles of up to `n` workflows. */
async function profileWorkflows(s: Stack, workflowIds: string[], n = 5) {
  const ps: Awaited<ReturnType<typeof profileWorkflow>>[] = [];
  for (const id of workflowIds.slice(0, n)) ps.push(await profileWorkflow(s, id));
  const mean = (f: (p: (typeof ps)[number]) => number) => Math.round((ps.reduce((acc, p) => acc + f(p), 0) / Math.max(1, ps.length)) * 10) / 10;
  const keys = (f: (p: (typeof ps)[number]) => Record<string, number>) => [...new Set(ps.flatMap((p) => Object.keys(f(p))))];
  return {
    orders: ps.length,
    activities: mean((p) => p.activities),
    localActivities: mean((p) => p.localActivities),
    activityTypes: Object.fromEntries(keys((p) => p.byType).map((k) => [k, mean((p) => p.byType[k] ?? 0)])),
    workflowTasks: mean((p) => p.workflowTasks),
    updates: mean((p) => p.updates),
    signals: mean((p) => p.signals),
    timersFired: mean((p) => p.timersFired),
    historyEvents: mean((p) => p.events),
    historyEventsByType: Object.fromEntries(keys((p) => p.eventsByType).map((k) => [k, mean((p) => p.eventsByType[k] ?? 0)])),
    billableActions: mean((p) => p.billableActions.total),
    billableActionsByKind: Object.fromEntries(keys((p) => p.billableActions).filter((k) => k !== 'total').map((k) => [k, mean((p) => p.billableActions[k] ?? 0)])),
    timeMs: Object.fromEntries(keys((p) => p.timeMs).map((k) => [k, mean((p) => p.timeMs[k] ?? 0)])),
    activityRunningMsByType: Object.fromEntries(keys((p) => p.activityRunningMsByType).map((k) => [k, mean((p) => p.activityRunningMsByType[k] ?? 0)])),
  };
}

async function floorRun(s: Stack, f: Floor, a: Args, deadlineMs: number) {
  const run = randomUUID().slice(0, 6);
  const r = await pool(a.orders, a.concurrency, deadlineMs, (i) => floorLifecycle(s, f, `F-${run}-${i}`));
  return { workflowIds: r.results.map((t) => f.workflowId(t.orderId)), done: r.results.length, errors: r.errors, elapsedMs: r.elapsedMs, ordersPerSecond: r.results.length / (r.elapsedMs / 1000) };
}

async function baselineRun(s: Stack, a: Args, queue: string, activities: number) {
  const run = randomUUID().slice(0, 6);
  const r = await pool(a.orders, a.concurrency, a.deadlineMs, (i) => s.client.workflow.execute('benchBaseline', { taskQueue: queue, workflowId: `baseline-${run}-${i}`, args: [activities] }));
  return { workflowIds: Array.from({ length: Math.min(5, r.results.length) }, (_, i) => `baseline-${run}-${i}`), done: r.results.length, errors: r.errors, elapsedMs: r.elapsedMs, ordersPerSecond: r.results.length / (r.elapsedMs / 1000) };
}

/** Mean workflow tasks of finished baseline workflows (to compare persistence per workflow task with the engine's). */
async function profileBaseline(s: Stack, workflowIds: string[]): Promise<{ workflowTasks: number } | undefined> {
  if (workflowIds.length === 0) return undefined;
  let tasks = 0;
  for (const id of workflowIds) {
    const history = await s.client.workflow.getHandle(id).fetchHistory();
    tasks += (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
  }
  return { workflowTasks: Math.round((tasks / workflowIds.length) * 10) / 10 };
}

/** The API's checkout start vs what a plugin does inside its page request: sign the button, read the session from Amazon. */
async function checkoutLatency(s: Stack, samples: number, sessionId: string, baselineQueue: string) {
  const api: number[] = [];
  const direct: number[] = [];
  const start: number[] = [];
  const run = randomUUID().slice(0, 6);
  for (let i = 0; i < samples; i++) {
    let t = performance.now();
    const r = await s.call('POST', '/api/checkouts', 'storefront', { orderId: `L-${run}-${i}`, amount: { amount: 1000, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' });
    if (r.status !== 201) throw new Error(`checkout start ${r.status}`);
    api.push(performance.now() - t);
    t = performance.now();
    s.amazonPay.generateButtonSignature(JSON.stringify({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: 'x', scopes: ['name', 'email'], merchantMetadata: { merchantReferenceId: `L-${run}-${i}` } }));
    await s.amazonPay.getCheckoutSession(sessionId);
    direct.push(performance.now() - t);
    // The floor of any checkout start that creates the order's workflow: one bare workflow start on this server.
    t = performance.now();
    await s.client.workflow.start('benchBaseline', { taskQueue: baselineQueue, workflowId: `start-${run}-${i}`, args: [0] });
    start.push(performance.now() - t);
  }
  return { apiP50Ms: percentile(api, 50), apiP99Ms: percentile(api, 99), directP50Ms: percentile(direct, 50), directP99Ms: percentile(direct, 99), workflowStartP50Ms: percentile(start, 50) };
}

/** Groups the machine's processes: the bench's children by pid, Temporal and PostgreSQL by command line. */
function cpuMeter(s: Stack, baseWorker: ChildPart, floorWorker: ChildPart): CpuMeter {
  return new CpuMeter((pid, cmdline) => {
    if (pid === process.pid) return 'bench driver + simulator';
    if (s.workers.some((w) => w.pid === pid)) return 'engine worker';
    if (s.api.pid === pid) return 'engine API';
    if (baseWorker.pid === pid) return 'baseline worker';
    if (floorWorker.pid === pid) return 'floor worker';
    if (/postgres/.test(cmdline)) return 'postgresql';
    if (/temporal/.test(cmdline)) return 'temporal server';
    return 'other';
  });
}

const cpuTotal = (g: CpuGroups) => round(Object.entries(g).reduce((acc, [k, v]) => (k === 'other' ? acc : acc + v), 0));
const cpuLine = (g: CpuGroups) => `${cpuTotal(g)} (${Object.entries(g).filter(([k]) => k !== 'other').sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`;

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const hardStop = setTimeout(() => {
    console.error('bench: over the 5-minute bound, stopping');
    process.exit(2);
  }, HARD_STOP_MS);
  hardStop.unref();
  const say = (m: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);
  let cluster: Cluster | undefined;
  let temporal: StackOptions['temporal'];
  if (a.cluster) {
    say('starting the Temporal cluster of deploy/ (PostgreSQL, 4 services, SQL visibility)');
    cluster = await startCluster({ engine: false, ui: false, log: say });
    const c = cluster;
    temporal = { address: c.temporalAddress, namespace: c.namespace, connection: c.temporalConnection, env: { TEMPORAL_ADDRESS: c.temporalAddress, ...c.clientTlsEnv }, restart: () => c.temporal.history.restart() };
  } else if (a.temporal.TEMPORAL_ADDRESS) {
    const config = loadConfig({ ...a.temporal });
    temporal = { address: a.temporal.TEMPORAL_ADDRESS, namespace: config.temporal.namespace, connection: connectionOptions(config, a.temporal.TEMPORAL_ADDRESS), env: a.temporal };
  }
  const where = cluster ? `the cluster at ${cluster.temporalAddress}` : temporal ? `Temporal at ${temporal.address} (namespace ${temporal.namespace})` : 'Temporal dev server';
  say(`starting stack (private PostgreSQL or PGlite, ${where}, simulator zero-delay; worker and API as child processes)`);
  const s = await startStack({ simulatorSnapshot: false, temporal }).catch(async (err: unknown) => {
    await cluster?.stop();
    throw err;
  });
  const baselineQueue = `bench-baseline-${randomUUID().slice(0, 8)}`;
  const baseWorker = new ChildPart('baseline-worker', path.resolve(__dirname, '..'), 'scripts/bench/baseline-worker.ts', { ...workerProcessEnv(), ...s.childEnv, BENCH_BASELINE_QUEUE: baselineQueue }, path.join(s.dataDir, 'logs'), (l) => l.includes('"worker running"'), workerNodeArgs);
  let floor: Floor | undefined;
  try {
    floor = await prepareFloor(s);
    const f = floor;
    await Promise.all([baseWorker.start(), f.worker.start()]);
    say('warming up (5 orders, 5 floor orders) and profiling one order');
    const warm = await pool(5, 5, 30_000, (i) => fullLifecycle(s, `W-${randomUUID().slice(0, 6)}-${i}`));
    if (warm.results.length === 0) throw new Error(`warm-up failed: ${warm.errors[0]}`);
    const floorWarm = await pool(5, 5, 30_000, (i) => floorLifecycle(s, f, `FW-${randomUUID().slice(0, 6)}-${i}`));
    if (floorWarm.results.length === 0) throw new Error(`floor warm-up failed: ${floorWarm.errors[0]}`);
    const profile = await profileWorkflow(s, orderWorkflowId(DEFAULT_SHOP_ID, warm.results[0].orderId));
    const sessionId = (await checkout(s, `LS-${randomUUID().slice(0, 6)}`, 1000)).checkoutSessionId;
    await baselineRun(s, { ...a, orders: 5, concurrency: 5 }, baselineQueue, profile.activities);

    say(`checkout latency (${a.latencySamples} samples each)`);
    const latency = await checkoutLatency(s, a.latencySamples, sessionId, baselineQueue);
    say(`engine: ${a.orders} orders, concurrency ${a.concurrency}, 1 worker`);
    for (const w of s.workers) w.peakRssMb = 0;
    s.api.peakRssMb = 0;
    const tx0 = await dbTransactions(s);
    const settle0 = settleQueries.count;
    const ttx0 = await temporalTransactions(cluster);
    const cpu = cpuMeter(s, baseWorker, f.worker);
    const cpu0 = cpu.snapshot();
    const engine = await engineRun(s, a, '1');
    const cpu1 = cpu.snapshot();
    const ttx1 = await temporalTransactions(cluster);
    const workerRssMb = s.workers[0].peakRssMb;
    const apiRssMb = s.api.peakRssMb;
    const engineTx = (await dbTransactions(s)) - tx0 - (settleQueries.count - settle0);
    const notifications = engine.orderIds.length === 0 ? 0 : await s.prisma.processedNotification.count({ where: { orderId: { in: engine.orderIds } } });
    const measured = await profileWorkflows(s, engine.orderIds.map((id) => orderWorkflowId(DEFAULT_SHOP_ID, id)));
    say(`baseline: ${a.orders} workflows × ${profile.activities} no-op activities`);
    const cpu2 = cpu.snapshot();
    const baseline = await baselineRun(s, a, baselineQueue, profile.activities);
    const cpu3 = cpu.snapshot();
    const engineCpu = perUnit(CpuMeter.between(cpu0, cpu1), engine.done);
    const baselineCpu = perUnit(CpuMeter.between(cpu2, cpu3), baseline.done);
    const ttx2 = await temporalTransactions(cluster);
    const baselineProfile = ttx2 === undefined ? undefined : await profileBaseline(s, baseline.workflowIds.slice(0, 5));
    // The floor phase gets the same bound as the others, less what the 5-minute bound no longer holds (its orders in
    // flight settle within 30 s, and the report needs a few seconds more).
    const floorDeadlineMs = Math.min(a.deadlineMs, HARD_STOP_MS - (Date.now() - t0) - 45_000);
    if (floorDeadlineMs < a.deadlineMs) say(`floor phase bound cut to ${Math.max(0, Math.round(floorDeadlineMs / 1000))} s by the 5-minute bound`);
    say(`floor: ${a.orders} orders, concurrency ${a.concurrency} (one workflow per order, its Amazon calls only)`);
    f.worker.peakRssMb = 0;
    const cpu4 = cpu.snapshot();
    const floorPhase = await floorRun(s, f, a, Math.max(0, floorDeadlineMs));
    const cpu5 = cpu.snapshot();
    const floorWorkerRssMb = f.worker.peakRssMb;
    const floorCpu = perUnit(CpuMeter.between(cpu4, cpu5), floorPhase.done);
    const floorProfile = await profileWorkflows(s, floorPhase.workflowIds);
    let two: Awaited<ReturnType<typeof engineRun>> | undefined;
    // The second-worker phase needs its own bound plus the 30 s an order may take to settle and the second worker's start.
    const budgetLeftMs = HARD_STOP_MS - (Date.now() - t0);
    const twoSkipped = a.twoWorkers && budgetLeftMs < a.deadlineMs + 45_000 ? `skipped: ${Math.round(budgetLeftMs / 1000)} s left of the 5-minute bound` : undefined;
    if (twoSkipped) say(`engine with 2 workers ${twoSkipped}`);
    if (a.twoWorkers && !twoSkipped) {
      say('engine again with 2 worker processes');
      await s.startWorker();
      two = await engineRun(s, a, '2');
    }
    const ratio = engine.ordersPerSecond / baseline.ordersPerSecond;
    const floorRatio = floorPhase.ordersPerSecond > 0 ? engine.ordersPerSecond / floorPhase.ordersPerSecond : null;
    const result = {
      date: new Date().toISOString(),
      orders: a.orders,
      concurrency: a.concurrency,
      phaseBoundSeconds: a.deadlineMs / 1000,
      ordersCompleted: engine.done,
      baselineCompleted: baseline.done,
      floorCompleted: floorPhase.done,
      floorPhaseBoundSeconds: Math.round(Math.max(0, floorDeadlineMs) / 1000),
      ordersFailed: engine.errors.length,
      ordersPerSecond: round(engine.ordersPerSecond),
      baselineOrdersPerSecond: round(baseline.ordersPerSecond),
      floorOrdersPerSecond: round(floorPhase.ordersPerSecond),
      floorRatio: floorRatio === null ? null : round(floorRatio),
      baselineActivitiesPerOrder: profile.activities,
      baselineNote: "no-op activities per baseline workflow = activities the engine's profiled order ran, its local activities (projection writes) included; the baseline runs them all as regular activities through the server",
      ratioToBaseline: round(ratio),
      floorNote:
        "floor: one workflow per order (scripts/bench/floor-workflow.ts) running only the lifecycle's Amazon calls (getCheckoutSession, updateCheckoutSession, completeCheckoutSession, captureCharge, createRefund, getRefund) as regular activities, each a signed call through the engine's Amazon Pay client to the same simulator, idempotency keys on the money-moving ones; started with the confirm update (Update-With-Start), the buyer's return a signal; no engine API, database or projection; its own worker process with the engine worker's slot settings and a merchant of its own without an IPN URL; the bench driver does the same buyer steps as for the engine. floorRatio = engine orders/s / floor orders/s",
      historyEventsPerOrder: measured.historyEvents,
      workflowTasksPerOrder: measured.workflowTasks,
      updatesPerOrder: measured.updates,
      activitiesPerOrder: measured.activities,
      localActivitiesPerOrder: measured.localActivities,
      dbTransactionsPerOrder: engine.done === 0 ? null : round(engineTx / engine.done, 1),
      billableActionsPerOrder: measured.billableActions,
      billableActionsByKind: measured.billableActionsByKind,
      floorHistoryEventsPerOrder: floorProfile.historyEvents,
      floorWorkflowTasksPerOrder: floorProfile.workflowTasks,
      floorBillableActionsPerOrder: floorProfile.billableActions,
      floorBillableActionsByKind: floorProfile.billableActionsByKind,
      perOrderNote:
        "per order: means over the first 5 measured workflows of each phase, read from their histories (activitiesPerOrder counts local ones too); billable actions as Temporal Cloud counts them from a history (scripts/bench/actions.ts, after https://docs.temporal.io/cloud/actions); queries, heartbeats and rejected updates are billed but not in any history and not counted; dbTransactionsPerOrder: the engine database's transactions during the 1-worker phase less the settle checks, per finished order (the floor has no database)",
      checkoutAddedLatencyRatio: round(latency.apiP50Ms / latency.directP50Ms),
      checkoutLatencyMs: { api: { p50: round(latency.apiP50Ms, 1), p99: round(latency.apiP99Ms, 1) }, directSdk: { p50: round(latency.directP50Ms, 1), p99: round(latency.directP99Ms, 1) }, bareWorkflowStart: { p50: round(latency.workflowStartP50Ms, 1) } },
      p50SecondsToSettled: round(engine.p50),
      p99SecondsToSettled: round(engine.p99),
      workerRssMb,
      apiRssMb,
      baselineWorkerRssMb: baseWorker.peakRssMb,
      floorWorkerRssMb,
      benchProcessRssMb: Math.round(process.memoryUsage().rss / 1048576),
      processes: 'worker, API, baseline worker and floor worker are separate child processes (RSS = peak VmRSS: the engine worker and API during the 1-worker engine phase, the floor worker during the floor phase, the baseline worker over the run); PGlite, the simulator and this driver share the bench process; the Temporal dev server is its own process',
      perOrder: {
        ...measured,
        dbTransactions: engine.done === 0 ? null : round(engineTx / engine.done, 1),
        notificationsDelivered: engine.done === 0 ? null : round(notifications / engine.done, 1),
        note: 'mean over the first measured orders (1 worker); dbTransactions: every transaction the database server ran during the 1-worker phase (worker, API, webhook), less the settle checks, per finished order',
      },
      cpuSecondsPerOrder: {
        engine: { ...engineCpu, total: cpuTotal(engineCpu) },
        baseline: { ...baselineCpu, total: cpuTotal(baselineCpu) },
        floor: { ...floorCpu, total: cpuTotal(floorCpu) },
        note: "CPU seconds (user + system, /proc) each group of processes spent during the 1-worker engine phase per finished order, during the baseline phase per finished workflow, and during the floor phase per finished floor order; total leaves out 'other' (processes not the benchmark's)",
      },
      twoWorkers: two ? { ordersCompleted: two.done, ordersPerSecond: round(two.ordersPerSecond), ratioToOneWorker: round(two.ordersPerSecond / engine.ordersPerSecond), p50SecondsToSettled: round(two.p50), p99SecondsToSettled: round(two.p99), failed: two.errors.length } : (twoSkipped ?? null),
      temporalPersistence:
        ttx0 === undefined || ttx1 === undefined || ttx2 === undefined
          ? null
          : {
              engineTransactionsPerOrder: round((ttx1 - ttx0) / Math.max(1, engine.done), 1),
              engineTransactionsPerWorkflowTask: round((ttx1 - ttx0) / Math.max(1, engine.done) / Math.max(1, measured.workflowTasks), 2),
              baselineTransactionsPerWorkflow: round((ttx2 - ttx1) / Math.max(1, baseline.done), 1),
              baselineWorkflowTasksPerWorkflow: baselineProfile?.workflowTasks ?? null,
              baselineTransactionsPerWorkflowTask: baselineProfile ? round((ttx2 - ttx1) / Math.max(1, baseline.done) / Math.max(1, baselineProfile.workflowTasks), 2) : null,
              note: "transactions of Temporal's persistence database (cluster only) during each phase, per finished order / workflow",
            },
      errors: [...new Set([...engine.errors, ...baseline.errors, ...floorPhase.errors, ...(two?.errors ?? [])])].slice(0, 10),
      targets: { ratioToBaseline: '>= 0.8', floorRatio: '>= 0.8', checkoutAddedLatencyRatio: '<= 1.3', p99SecondsToSettled: '<= 2' },
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version },
      temporal: cluster ? 'cluster: Temporal server 1.29.1 as 4 services on PostgreSQL (SQL visibility), deploy/temporal' : temporal ? `external: ${temporal.address}` : 'dev server (temporal server start-dev, SQLite)',
      versions: { engine: enginePackage.version, temporalSdk: temporalWorkerPackage.version, database: s.dbKind },
      durationSeconds: Math.round((Date.now() - t0) / 1000),
    };
    const dir = path.resolve(__dirname, '../bench-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    const rows: [string, string, string][] = [
      ['orders / concurrency', `${engine.done}/${a.orders} ok, c=${a.concurrency}`, ''],
      ['engine orders/s', String(result.ordersPerSecond), ''],
      ['baseline orders/s', String(result.baselineOrdersPerSecond), `${profile.activities} no-op activities/order`],
      ['ratioToBaseline', String(result.ratioToBaseline), 'target >= 0.8'],
      ['floor orders/s', String(result.floorOrdersPerSecond), `${floorPhase.done}/${a.orders} ok; 6 Amazon calls/order, no API/db`],
      ['floorRatio', String(result.floorRatio), 'target >= 0.8'],
      ['checkoutAddedLatencyRatio', String(result.checkoutAddedLatencyRatio), `api p50 ${result.checkoutLatencyMs.api.p50} ms vs SDK ${result.checkoutLatencyMs.directSdk.p50} ms (a bare workflow start: ${result.checkoutLatencyMs.bareWorkflowStart.p50} ms); target <= 1.3`],
      ['p50 / p99 s to settled', `${result.p50SecondsToSettled} / ${result.p99SecondsToSettled}`, 'target p99 <= 2'],
      ['per order', `${measured.activities} activities (${measured.localActivities} local), ${measured.workflowTasks} wf tasks, ${measured.updates} updates, ${measured.historyEvents} events, ${result.perOrder.dbTransactions} db tx, ${result.perOrder.notificationsDelivered} IPN`, ''],
      ['billable actions/order', `engine ${measured.billableActions}`, `floor ${floorProfile.billableActions} (${floorProfile.workflowTasks} wf tasks, ${floorProfile.historyEvents} events)`],
      ['per order time (ms)', Object.entries(measured.timeMs).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v}`).join(', '), ''],
      ['CPU s per order', cpuLine(engineCpu), `baseline ${cpuLine(baselineCpu)}`],
      ['floor CPU s per order', cpuLine(floorCpu), ''],
      ['worker / API RSS MB', `${workerRssMb} / ${apiRssMb}`, `peak, separate processes; baseline worker ${baseWorker.peakRssMb}, floor worker ${floorWorkerRssMb}`],
      ...(result.temporalPersistence
        ? [['Temporal db tx', `engine ${result.temporalPersistence.engineTransactionsPerOrder}/order (${result.temporalPersistence.engineTransactionsPerWorkflowTask}/wf task)`, `baseline ${result.temporalPersistence.baselineTransactionsPerWorkflow}/workflow (${result.temporalPersistence.baselineTransactionsPerWorkflowTask}/wf task)`] as [string, string, string]]
        : []),
      ['2 workers orders/s', two ? `${round(two.ordersPerSecond)} (x${round(two.ordersPerSecond / engine.ordersPerSecond)})` : (twoSkipped ?? 'skipped'), two ? `${two.done}/${a.orders} ok, p50/p99 ${round(two.p50)} / ${round(two.p99)} s` : ''],
    ];
    for (const [k, v, n] of rows) console.log(`  ${k.padEnd(26)} ${v.padEnd(24)} ${n}`);
    console.log(`wrote bench-results/latest.json (${result.durationSeconds}s)`);
    if (engine.errors.length > 0) console.log(`engine errors (${engine.errors.length}): ${engine.errors.slice(0, 3).join(' | ')}`);
  } finally {
    await floor?.worker.stop();
    await baseWorker.stop();
    await s.stop();
    await cluster?.stop();
  }
}

runMain('bench', main);

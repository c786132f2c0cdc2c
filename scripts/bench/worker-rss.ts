// `npx tsx scripts/bench/worker-rss.ts [--orders N] [--concurrency C] [--env KEY=VALUE ...] [--node-args "..."]`: the engine worker's memory
// alone, smaller than `npm run bench`: the bench's stack with the given worker environment, 5 warm-up orders, then N
// full lifecycles at concurrency C; prints the worker's RSS once ready, after the warm-up, its peak and at the end (with
// anonymous vs file-backed memory from /proc), and orders/s, as one JSON line. For comparing one setting at a time.
// WORKER_RSS_SMAPS=<file>: the worker's /proc/<pid>/smaps at the end is written there (which mappings hold the memory);
// WORKER_RSS_HEAPSNAPSHOT=1 with --node-args "--heapsnapshot-signal=SIGUSR2 ...": a heap snapshot of its main thread.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fullLifecycle, pool } from './lifecycle';
import { startStack } from './stack';
import { runMain } from '../run-main';

function rollup(pid: number | undefined): Record<string, number> {
  if (!pid) return {};
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const mb = (field: string) => Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024);
    return { rssMb: mb('Rss'), anonymousMb: mb('Anonymous'), fileMb: mb('Rss') - mb('Anonymous') };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let orders = 100;
  let concurrency = 10;
  const env: Record<string, string> = {};
  let nodeArgs: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--orders') orders = Number(argv[++i]);
    else if (argv[i] === '--concurrency') concurrency = Number(argv[++i]);
    else if (argv[i] === '--env') {
      const [k, ...v] = (argv[++i] ?? '').split('=');
      env[k] = v.join('=');
    } else if (argv[i] === '--node-args') nodeArgs = (argv[++i] ?? '').split(' ').filter(Boolean);
    else throw new Error(`unknown argument ${argv[i]} (--orders N --concurrency C --env KEY=VALUE --node-args "<node flags before the script>")`);
  }
  const s = await startStack({ simulatorSnapshot: false, env, ...(nodeArgs ? { workerNodeArgs: nodeArgs } : {}) });
  try {
    const w = s.workers[0];
    const ready = rollup(w.pid);
    const warm = await pool(5, 5, 30_000, (i) => fullLifecycle(s, `RW-${randomUUID().slice(0, 6)}-${i}`));
    if (warm.results.length === 0) throw new Error(`warm-up failed: ${warm.errors[0]}`);
    const afterWarmUp = rollup(w.pid);
    w.peakRssMb = 0;
    const run = randomUUID().slice(0, 6);
    const r = await pool(orders, concurrency, 120_000, (i) => fullLifecycle(s, `R-${run}-${i}`));
    w.sample();
    if (process.env.WORKER_RSS_HEAPSNAPSHOT && w.pid) {
      // With --node-args "--heapsnapshot-signal=SIGUSR2": the worker writes a heap snapshot of its main thread into its cwd.
      process.kill(w.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 20_000));
    }
    if (process.env.WORKER_RSS_SMAPS && w.pid) writeFileSync(process.env.WORKER_RSS_SMAPS, readFileSync(`/proc/${w.pid}/smaps`, 'utf8'));
    console.log(JSON.stringify({ env, nodeArgs, orders, concurrency, done: r.results.length, errors: r.errors.length, ordersPerSecond: Math.round((r.results.length / (r.elapsedMs / 1000)) * 1000) / 1000, ready, afterWarmUp, peakRssMb: w.peakRssMb, end: rollup(w.pid), firstError: r.errors[0] }));
  } finally {
    await s.stop();
  }
}

runMain('worker-rss', main);

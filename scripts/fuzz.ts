// `npm run fuzz -- --seconds N --seed S [--path P] [--runs-per-batch R] [--max-actions A] [--no-known]`: the adversarial
// suite of issues 13 and 18 (test/fuzz/adversarial.ts, two shops on one engine) for as long as asked, on one in-process
// stack; prints each batch's seed and counts, and on a failure the shrunk sequence with its seed and path (exit 1).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { checkAdversarial, releaseFuzzShops } from '../test/fuzz/adversarial';
import { startTestStack, type TestStack } from '../test/helpers/stack';

interface Options {
  seconds: number;
  seed?: number;
  path?: string;
  runsPerBatch: number;
  maxActions: number;
  known: boolean;
  /** Extra time a failing batch may spend shrinking past --seconds. */
  shrinkSeconds: number;
  verbose: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { seconds: 60, runsPerBatch: 10, maxActions: 10, known: true, shrinkSeconds: 600, verbose: false };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} takes a number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') o.seconds = num(a, argv[++i]);
    else if (a === '--seed') o.seed = num(a, argv[++i]);
    else if (a === '--path') o.path = argv[++i];
    else if (a === '--runs-per-batch') o.runsPerBatch = num(a, argv[++i]);
    else if (a === '--max-actions') o.maxActions = num(a, argv[++i]);
    else if (a === '--shrink-seconds') o.shrinkSeconds = num(a, argv[++i]);
    else if (a === '--no-known') o.known = false;
    else if (a === '--verbose') o.verbose = true;
    else throw new Error(`unknown argument ${a} (use --seconds N, --seed S, --path P, --runs-per-batch R, --max-actions A, --shrink-seconds N, --no-known, --verbose)`);
  }
  if (o.path !== undefined && o.seed === undefined) throw new Error('--path needs the --seed it was printed with');
  return o;
}

async function stopBounded(stack: TestStack): Promise<void> {
  await releaseFuzzShops(stack);
  // A wedged order can keep the worker from shutting down; the process exits either way.
  await Promise.race([stack.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 30_000).unref())]);
}

async function main(): Promise<number> {
  const opts = parse(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger(opts.verbose ? 'WARN' : 'ERROR') });
  const started = Date.now();
  const deadline = started + opts.seconds * 1000;
  const stack = await startTestStack();
  console.log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s; fuzzing for ${opts.seconds} s (at most ${opts.maxActions} actions a sequence)`);
  let total = 0;
  let batches = 0;
  const seeds: number[] = [];
  /** The cross-shop requests made, by their answer's status (issue 18). */
  const cross: Record<string, number> = {};
  const crossText = () => {
    const n = Object.values(cross).reduce((a, b) => a + b, 0);
    return `${n} cross-shop request(s)${n > 0 ? ` (${Object.entries(cross).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`;
  };
  try {
    const base = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
    do {
      const seed = (base + batches) | 0;
      seeds.push(seed);
      let runs = 0;
      const { details, report } = await checkAdversarial(stack, {
        numRuns: opts.path !== undefined ? 1 : opts.runsPerBatch,
        maxActions: opts.maxActions,
        seed,
        ...(opts.path !== undefined ? { path: opts.path } : {}),
        knownScenarios: opts.known && batches === 0,
        timeLimitMs: Math.max(1_000, deadline - Date.now()) + opts.shrinkSeconds * 1000,
        onRun: (log) => {
          runs += 1;
          for (const [k, v] of Object.entries(log.cross)) cross[k] = (cross[k] ?? 0) + v;
          if (opts.verbose) console.log(`  run ${log.tag}: ${log.steps.length} steps, ${log.violations.length} violation(s)\n    ${log.steps.join('\n    ')}`);
        },
      });
      batches += 1;
      total += runs;
      if (details.failed) {
        console.log(report);
        console.log(`FAILED in batch ${batches} (seed ${seed}) after ${total} sequence run(s) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        return 1;
      }
      console.log(`batch ${batches} seed ${seed}: ${runs} sequence run(s) passed (total ${total}, ${crossText()}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    } while (opts.path === undefined && Date.now() < deadline);
    console.log(`no invariant broken: ${total} sequence run(s) in ${batches} batch(es), seeds ${seeds[0]}…${seeds[seeds.length - 1]}, ${crossText()}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    await stopBounded(stack);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);

/**
 * The randomized adversarial suite of issues 13 and 18 in `npm test`: a short, bounded fast-check run of
 * random hostile sequences on the real stack with two shops (one stack for the file, distinct order ids per run).
 * A failure prints the shrunk sequence, its seed and path; replay it with FUZZ_SEED / FUZZ_PATH here
 * or `npm run fuzz -- --seed S --path P`. Longer runs: `npm run fuzz -- --seconds N`.
 */
import { useTestStack } from '../helpers/stack';
import { checkAdversarial, releaseFuzzShops } from './adversarial';

// The known sequences (six) count in this, so about six random ones follow them.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const MAX_ACTIONS = Number(process.env.FUZZ_MAX_ACTIONS ?? 8);
/** Generation and shrinking together; an interrupted run that found nothing passes with the runs it made. */
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 120_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;

describe('adversarial callers (issues 13 and 18): the money invariants hold, and no shop affects another', () => {
  const s = useTestStack({ startTimeoutMs: 180_000 });
  afterAll(() => releaseFuzzShops(s));

  it("random sequences of two shops' checkouts, session ids, money commands, notifications, settings and cross-shop requests keep every invariant", async () => {
    let runs = 0;
    const { details, report } = await checkAdversarial(s, {
      numRuns: NUM_RUNS,
      maxActions: MAX_ACTIONS,
      timeLimitMs: TIME_LIMIT_MS,
      ...(SEED !== undefined ? { seed: SEED } : {}),
      ...(PATH !== undefined ? { path: PATH } : {}),
      onRun: (log) => {
        runs += 1;
        if (process.env.FUZZ_VERBOSE) console.log(`run ${log.tag}: ${log.violations.length} violation(s), cross-shop answers ${JSON.stringify(log.cross)}\n  ${log.steps.join('\n  ')}\n  ${log.violations.join('\n  ')}`);
      },
    });
    if (details.failed) throw new Error(report);
    // Interrupted by the time limit is fine, but some sequences must have run.
    expect(runs).toBeGreaterThan(0);
  }, TIME_LIMIT_MS + 150_000);
});

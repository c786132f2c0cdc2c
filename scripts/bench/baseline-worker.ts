// Child process of `npm run bench`: the baseline workflow's worker (scripts/bench/bench-worker.ts) on BENCH_BASELINE_QUEUE.
import path from 'node:path';
import { runBenchWorker } from './bench-worker';

runBenchWorker(path.resolve(__dirname, 'baseline-workflow.ts'), process.env.BENCH_BASELINE_QUEUE ?? 'bench-baseline', () => ({ noop: async () => undefined }));

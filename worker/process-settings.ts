/**
 * How a worker process is started: the Node arguments and environment that bound its memory (measured with
 * scripts/bench/worker-rss.ts; docs/benchmark.md, "Worker memory"). Both act only when the process starts, so they are
 * in the start commands, not in lib/config.ts: package.json's `worker` script and deploy/Procfile's `worker` line carry
 * them (test/unit/worker-process-settings.test.ts checks), and the bench starts its worker children with them.
 *
 * - `--max-semi-space-size=4` (MB): V8's young generation, per isolate (the main thread and the workflow thread), is
 *   at most 3 × 4 MB instead of 3 × 16 MB on a 64-bit machine with this much memory; the worker's short-lived objects
 *   (an activation, an activity's payloads) fit easily, and each scavenge stays as cheap.
 * - `--heap-growing-percent=20`: after a full collection V8 lets the old generation grow by 20 % before the next one
 *   instead of its own factor (up to 4× on a machine with this much memory), so the heaps stay near what is live;
 *   at concurrency 10 no throughput cost was measured (worker-rss: 6.1–6.6 orders/s against 6.3–6.5).
 * - `--liftoff-only`: WebAssembly (Prisma's query compiler, the worker's one module) is compiled by V8's baseline
 *   compiler only, not tiered up to optimised code: about 20–40 MB less at start; Prisma keeps its compiled query
 *   plans (its queryPlanCache), so the compiler runs rarely once warm and the slower code cost nothing measurable.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own malloc arena (up to 8 per core); the worker's
 *   Rust core, V8's compiler threads and libuv's pool left a dozen arenas holding freed memory.
 * - `--require ./worker/workflow-thread-hooks.cjs`: without WORKER_WORKFLOW_STACK_TRACES=true, the SDK's workflow
 *   threads install no promise hook (about half their CPU; the file says why). A `--require` preload is the one kind
 *   that runs in worker threads too. Paths are relative to the repository root, where every start command runs.
 */
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=20', '--liftoff-only', '--require', './worker/workflow-thread-hooks.cjs'];

/** The environment a worker starts with; a value the environment already has wins (as `${VAR:-default}` in the commands). */
export function workerProcessEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}

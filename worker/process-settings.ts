/**
 * How a worker process is started: the Node arguments and environment that bound its memory (measured with
 * scripts/bench/worker-rss.ts; docs/benchmark.md, "Worker memory"). Both act only when the process starts, so they are
 * in the start commands, not in lib/config.ts: package.json's `worker` script and deploy/Procfile's `worker` line carry
 * them (test/unit/worker-process-settings.test.ts checks), and the bench starts its worker children with them.
 *
 * - `--max-semi-space-size=4` (MB): V8's young generation, per isolate (the main thread and the workflow thread), is
 *   at most 3 × 4 MB instead of 3 × 16 MB on a 64-bit machine with this much memory; the worker's short-lived objects
 *   (an activation, an activity's payloads) fit easily, and each scavenge stays as cheap.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own malloc arena (up to 8 per core); the worker's
 *   Rust core, V8's compiler threads and libuv's pool left a dozen arenas holding freed memory.
 * - `--require ./worker/workflow-thread-hooks.cjs`: without WORKER_WORKFLOW_STACK_TRACES=true, the SDK's workflow
 *   threads install no promise hook (about half their CPU; the file says why). A `--require` preload is the one kind
 *   that runs in worker threads too. Paths are relative to the repository root, where every start command runs.
 */
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4', '--require', './worker/workflow-thread-hooks.cjs'];

/** The environment a worker starts with; a value the environment already has wins (as `${VAR:-default}` in the commands). */
export function workerProcessEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}

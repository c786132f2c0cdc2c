// Preloaded (`node --require`) by the worker's start commands (worker/process-settings.ts), so that it runs in every
// thread of the process, the SDK's workflow threads included: `--import` preloads do not reach worker threads.
//
// The Temporal TypeScript SDK (1.24) installs a V8 promise hook in each workflow thread so that Temporal UI's "Stack
// Trace" tab can show where a workflow waits: every promise a workflow creates captures a stack trace, mapped through
// the bundle's source map. No worker option turns it off. Measured with `npm run bench` (BENCH_CPU_PROF), that hook was
// 47 % of the engine worker's workflow-thread CPU (28 of 60 s in one run). Unless WORKER_WORKFLOW_STACK_TRACES is
// true, this makes the SDK take the path it already has for runtimes without promise hooks (Bun): no hook, and the
// stack trace query answers "Workflow stack traces are not enabled on this worker". Workflows, their errors' own stack
// traces and replay are unchanged. test/unit/workflow-thread-hooks.test.ts proves both settings against the installed
// SDK, so an SDK upgrade that moves the hook fails the suite instead of silently bringing the cost back.
'use strict';

/** The same values lib/config.ts's WORKER_WORKFLOW_STACK_TRACES accepts as true (it refuses anything but these and false, 0, no). */
function stackTracesWanted(env) {
  return ['true', '1', 'yes'].includes(String(env.WORKER_WORKFLOW_STACK_TRACES ?? 'false').trim().toLowerCase());
}

function install() {
  const wanted = stackTracesWanted(process.env);
  // What the worker's start log reports (worker/main.ts): a process started without this preload has no such mark.
  globalThis.__workflowThreadHooks = { workflowStackTraces: wanted };
  if (wanted) return;
  const Module = require('node:module');
  const load = Module._load;
  // Waits for the SDK's module that holds the hook (workflow/vm-shared.js, loaded by the workflow thread) without
  // loading it in threads that never need it; restores the loader once done.
  Module._load = function loadAndPatch(request, parent, isMain) {
    const exports = load.call(this, request, parent, isMain);
    const handlers = exports && exports.GlobalHandlers;
    if (typeof request === 'string' && request.endsWith('vm-shared') && typeof handlers === 'function' && typeof handlers.prototype.setPromiseHook === 'function') {
      handlers.prototype.setPromiseHook = function noPromiseHook() {};
      Module._load = load;
    }
    return exports;
  };
}

install();

module.exports = { stackTracesWanted };

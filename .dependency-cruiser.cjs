// The engine's layers, checked by dependency-cruiser (`npm run lint`). From the bottom up:
//   lib/         configuration, database, logging, Temporal and Amazon Pay connections, pure rules: imports none of
//                the layers above it.
//   workflows/   deterministic workflow code, bundled into Temporal's sandbox: imports only workflow-safe modules.
//   activities/  every side effect, built by factories; talks to workflows only through their message definitions.
//   simulator/   the Amazon Pay stand-in; uses lib's configuration and logger, nothing of the engine.
//   worker/, api/ the two processes; neither imports the other.
//   scripts/, test/ may use anything.
// Type-only imports (`import type`) are erased at compile time: they never cross a layer at run time, so the run-time
// rules ignore them.

/** Where an npm package resolves: `node_modules/<name>/…`, also through a symlinked node_modules (a worktree's). */
const npm = (name) => `(^|/)node_modules/${name}/`;

/**
 * What workflow code may import at run time, besides other files in workflows/. Each entry is deterministic and
 * free of I/O, so it is safe in Temporal's workflow sandbox. A lib/ module joins this list only if it is pure (no
 * Node built-ins, no I/O, no clock, no randomness) and imports at run time nothing outside this list.
 */
const WORKFLOW_SAFE = [
  npm('@temporalio/workflow'),
  npm('@temporalio/common'),
  '^lib/names\\.ts$',
  '^lib/money\\.ts$',
  '^lib/amazon-errors\\.ts$',
  '^lib/ownership-codes\\.ts$',
];

/** The workflows' message definitions (queries, signals, updates): the contract clients call workflows through. */
const WORKFLOW_MESSAGES = '^workflows/(messages|subscription-messages)\\.ts$';

const RUN_TIME = { dependencyTypesNot: ['type-only'] };

/** A forbidden dependency: from the modules `from` matches to those `to` matches. Every rule is an error. */
const rule = (name, comment, from, to) => ({ name, severity: 'error', comment, from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    rule('no-cycle',
      'No cycle between modules, not even through type-only imports: two modules that need each other are one module, or share a third (at run time a cycle also makes load order decide what is undefined).',
      {}, { circular: true }),
    rule('workflows-import-only-workflow-safe-modules',
      'Workflow code runs in Temporal\'s deterministic sandbox: at run time it imports only other workflows/ files and the WORKFLOW_SAFE list (type-only imports of anything are fine; Node built-ins: the next rule).',
      { path: '^workflows/' }, { dependencyTypesNot: ['type-only', 'core'], pathNot: ['^workflows/', ...WORKFLOW_SAFE] }),
    rule('workflows-no-node-builtins',
      'No Node built-in in workflow code, not even type-only (ESLint says the same per file).',
      { path: '^workflows/' }, { dependencyTypes: ['core'], pathNot: ['^(node:)?assert$'] }),
    rule('lib-is-the-bottom-layer',
      'lib/ imports nothing of the layers above it (api, worker, workflows, activities, simulator), not even types.',
      { path: '^lib/' }, { path: '^(api|worker|workflows|activities|simulator)/' }),
    rule('activities-reach-workflows-only-through-messages',
      'Activities use workflow code at run time only through the workflows\' message definitions (a client\'s contract); shared pure rules belong in lib/.',
      { path: '^activities/' }, { path: '^workflows/', pathNot: WORKFLOW_MESSAGES, ...RUN_TIME }),
    rule('api-and-worker-are-separate-processes',
      'The API and the worker are two processes: neither imports the other (shared code lives in lib/).',
      { path: '^(api|worker)/' }, { path: '^(api|worker)/', pathNot: '^$1/' }),
    rule('simulator-is-not-the-engine',
      'The simulator stands in for Amazon: it uses lib\'s configuration and logger, never the engine\'s workflows, activities, API or worker.',
      { path: '^simulator/' }, { path: '^(api|worker|workflows|activities)/' }),
    rule('engine-does-not-import-the-simulator',
      'The engine talks to the simulator only over HTTPS, as to Amazon (scripts and tests may start it).',
      { path: '^(lib|api|worker|workflows|activities)/' }, { path: '^simulator/', ...RUN_TIME }),
    rule('only-tests-and-scripts-import-test-code',
      'test/ is for the tests (and the dev scripts that reuse their stack); the engine never imports it.',
      { pathNot: '^(test|scripts)/' }, { path: '^test/' }),
    rule('no-unresolvable-import',
      'An import that does not resolve is a typo or a missing package.',
      {}, { couldNotResolve: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^prisma/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    cache: { folder: '.cache/dependency-cruiser', strategy: 'content' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

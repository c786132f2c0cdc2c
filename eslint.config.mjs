// ESLint: the recommended base of ESLint and typescript-eslint, plus the type-aware promise rules (a forgotten
// `await` on an activity, a workflow call or a database write is a bug that no test reliably shows) and, as in
// temporalio/samples-typescript, no Node built-in in workflow code (workflows run in Temporal's sandbox, where they
// would break determinism or fail to bundle). The layer rules (who may import whom) are dependency-cruiser's:
// .dependency-cruiser.cjs. `npm run lint` runs both; `npm test` runs it after the type check.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node built-ins a workflow may import: `assert` is deterministic and bundled by Temporal (as in the samples). */
const WORKFLOW_NODE_BUILTINS = new Set(['assert']);

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'prisma/generated/**', '.data/**', '.tools/**', 'coverage/**', 'test-artifacts/**', 'bench-results/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // tsc already reports unused locals and parameters (noUnusedLocals, noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    // Tests and the benchmark read the engine's HTTP answers as untyped JSON (`body: any`) and assert on them.
    files: ['test/**/*.ts', 'scripts/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules
            .filter((m) => !WORKFLOW_NODE_BUILTINS.has(m))
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({ name, message: 'Workflow code runs in Temporal\'s sandbox: no Node built-ins (do it in an activity).' })),
        },
      ],
    },
  },
  {
    // The browser scripts the console and the demo shop serve.
    files: ['api/**/static/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['api/**/static/**'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

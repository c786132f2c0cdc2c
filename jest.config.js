// Jest runs every suite (unit, simulator, workflow, integration, browser) with SWC transpiling
// TypeScript; type checking is `tsc --noEmit`, run by `npm test` before Jest.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  setupFiles: ['<rootDir>/test/setup.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: false,
};

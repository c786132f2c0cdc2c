/**
 * The workflow bundle: workflows/index.ts and what it imports, as the worker's sandbox loads it. `npm run bundle`
 * writes it once for production (WORKFLOW_BUNDLE_PATH); a worker started without one builds it at start in a
 * short-lived child process (worker/bundle-child.ts), not in its own: webpack's memory (about 115 MB of the worker's
 * RSS, measured with scripts/bench/worker-rss.ts) is not given back to the system after a bundle, so an in-process
 * build kept it for the worker's whole life.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

/** Bundles the workflows (default: the engine's) into `out` in this process; returns the bundle's size in bytes. */
export async function writeWorkflowBundle(out: string, quiet = false, workflowsPath = WORKFLOWS_PATH): Promise<number> {
  const silent = () => undefined;
  const logger = { log: silent, trace: silent, debug: silent, info: silent, warn: silent, error: silent };
  const { code } = await bundleWorkflowCode({ workflowsPath, ...(quiet ? { logger } : {}) });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return Buffer.byteLength(code);
}

/** Bundles the workflows into `out` in a child process of this one (same Node flags, so the same TypeScript loader). */
export function writeWorkflowBundleInChild(out: string, workflowsPath = WORKFLOWS_PATH): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(path.resolve(__dirname, 'bundle-child.ts'), [out, workflowsPath], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`bundling the workflows failed (${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/**
 * Runs `use` with the file of a bundle of `workflowsPath`: the prebuilt one when given, else one built for this start
 * in a child process into a temporary directory, removed once `use` has read it.
 */
export async function withWorkflowBundle<T>(workflowsPath: string, prebuilt: string | undefined, use: (codePath: string) => Promise<T>): Promise<T> {
  if (prebuilt !== undefined) return use(prebuilt);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'workflow-bundle-'));
  try {
    const codePath = path.join(dir, 'workflow-bundle.js');
    await writeWorkflowBundleInChild(codePath, workflowsPath);
    return await use(codePath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

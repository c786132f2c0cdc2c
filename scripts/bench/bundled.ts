// The bench's baseline and floor workers load their workflows as the engine worker does without WORKFLOW_BUNDLE_PATH:
// bundled at start in a child process (worker/bundle.ts), so the three workers' RSS compare on equal terms.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundleInChild } from '../../worker/bundle';

/** Builds the bundle of `workflowsPath`, runs `use` with its file, then removes it. */
export async function withWorkflowBundle<T>(workflowsPath: string, use: (codePath: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  try {
    const codePath = path.join(dir, 'workflow-bundle.js');
    await writeWorkflowBundleInChild(codePath, workflowsPath);
    return await use(codePath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

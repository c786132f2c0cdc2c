/**
 * `npm run bundle [-- <out>]`: builds the workflow bundle (workflows/index.ts and what it imports, as the worker's
 * sandbox loads it) into dist/workflow-bundle.js, so a worker started with WORKFLOW_BUNDLE_PATH pointing at it starts
 * without bundling (about 2 MB of code each time otherwise, built in a child process). Rebuild it with every release of
 * the workflows.
 */
import path from 'node:path';
import { writeWorkflowBundle } from '../worker/bundle';

async function run(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '../dist/workflow-bundle.js'));
  const bytes = await writeWorkflowBundle(out);
  console.log(`[bundle] ${out} (${(bytes / 1e6).toFixed(2)} MB); run workers with WORKFLOW_BUNDLE_PATH=${out}`);
}

run().catch((err: unknown) => {
  console.error(`[bundle] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

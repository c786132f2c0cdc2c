// The child process worker/bundle.ts starts to bundle the workflows (its second argument) into the file named by its
// first argument, then exits.
import { WORKFLOWS_PATH, writeWorkflowBundle } from './bundle';

writeWorkflowBundle(process.argv[2] ?? '', true, process.argv[3] ?? WORKFLOWS_PATH).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);

// The child process worker/bundle.ts starts to bundle the workflows into the file named by its argument, then exits.
import { writeWorkflowBundle } from './bundle';

writeWorkflowBundle(process.argv[2] ?? '', true).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);

import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
async function main() {
  const t0 = Date.now();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: '/tmp/tts/tts' }, extraArgs: process.argv[2] ? [process.argv[2]] : [] } });
  console.log('started', Date.now() - t0);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflowsPath: '/work/main/.tmpexp/wf.ts' });
  const r = await worker.runUntil(env.client.workflow.execute('sleeper', { taskQueue: 'q', workflowId: 'w' + Date.now() }));
  console.log(r, Date.now() - t0);
  await env.teardown();
}
main().catch((e) => { console.error(e); process.exit(1); });

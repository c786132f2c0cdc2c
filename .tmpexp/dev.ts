import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey } from '@temporalio/common';
async function main() {
  const t0 = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: '/root/.cache/amazon-pay-engine/temporal-cli-1.5.1/temporal' }, dbFilename: '/tmp/exp2/t.db', port: 17233, ui: true, uiPort: 18233, namespace: 'default', searchAttributes: [defineSearchAttributeKey('OrderId', 'KEYWORD'), defineSearchAttributeKey('AuthorizationExpiresAt', 'DATETIME')] } });
  console.log('started', Date.now() - t0);
  const r = await fetch('http://127.0.0.1:18233/').then(r=>r.status);
  console.log('ui', r);
  await env.teardown();
  console.log('down', Date.now() - t0);
}
main().catch((e) => { console.error(e); process.exit(1); });

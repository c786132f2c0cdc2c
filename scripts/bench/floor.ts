// The floor phase's driver side: a merchant of its own on the bench's simulator, the floor worker child, and one order's
// lifecycle (the shop's button signature and the simulator's buyer steps here, the Amazon calls in the floor workflow).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createAmazonPayClient, type WebStoreClient } from '../../lib/amazon-pay-client';
import { Secret } from '../../lib/config';
import { loadOrCreateDevMerchant, registerMerchant, type DevMerchant } from '../../simulator/dev-merchant';
import { ChildPart } from './child';
import { floorBuyerReturned, floorConfirmed, type FloorInput } from './floor-messages';
import type { benchFloor } from './floor-workflow';
import type { LifecycleTiming } from './lifecycle';
import { workerNodeArgs, type Stack } from './stack';
import { workerProcessEnv } from '../../worker/process-settings';

export interface Floor {
  worker: ChildPart;
  taskQueue: string;
  merchant: DevMerchant;
  /** Signs the floor merchant's buttons in this process, as the engine's API signs the engine's. */
  amazonPay: WebStoreClient;
  /** The workflow id of each order's floor workflow. */
  workflowId(orderId: string): string;
}

/**
 * A second merchant on the same simulator, registered without an IPN URL: the floor reads what it needs itself, and no
 * notification of its orders reaches the engine's webhook during the floor phase. (The simulator still builds and
 * signs each notification, as it does for the engine's merchant.) Its DATA_DIR holds only that merchant and the
 * simulator's certificate, which is all the engine's client builder reads.
 */
/** The floor's merchant, client and worker child (not started yet). */
export async function prepareFloor(s: Stack): Promise<Floor> {
  const dataDir = path.join(s.dataDir, 'floor');
  const merchant = loadOrCreateDevMerchant(dataDir);
  mkdirSync(path.join(dataDir, 'simulator'), { recursive: true });
  writeFileSync(path.join(dataDir, 'simulator', 'tls-cert.pem'), s.sim.caCertPem);
  await registerMerchant(s.sim, merchant);
  const taskQueue = `bench-floor-${randomUUID().slice(0, 8)}`;
  const worker = new ChildPart('floor-worker', path.resolve(__dirname, '../..'), 'scripts/bench/floor-worker.ts', { ...workerProcessEnv(), ...s.childEnv, DATA_DIR: dataDir, BENCH_FLOOR_QUEUE: taskQueue }, path.join(s.dataDir, 'logs'), (l) => l.includes('"worker running"'), workerNodeArgs);
  const amazonPay = createAmazonPayClient(
    { endpoint: 'simulator', simulatorAddress: s.sim.address, region: 'jp', sandbox: true, merchantId: merchant.merchantId, storeId: merchant.storeId, publicKeyId: merchant.publicKeyId, privateKey: new Secret(merchant.privateKeyPem), algorithm: 'AMZN-PAY-RSASSA-PSS-V2' },
    { simulatorCaPem: s.sim.caCertPem },
  );
  return { worker, taskQueue, merchant, amazonPay, workflowId: (orderId) => `floor-${orderId}` };
}

function must(step: string, r: { status: number; data?: unknown }, ok: number): void {
  if (r.status !== ok) throw new Error(`floor ${step}: ${r.status} ${JSON.stringify(r.data)}`);
}

/**
 * One order, the same buyer steps as the engine's lifecycle (scripts/bench/lifecycle.ts `checkout`) where the simulator
 * needs them: the button creates the session; sign-in associates the buyer (the shop learns the session id from the
 * review redirect that follows); the approval needs the session's update done first (amount, intent and result URL set:
 * no constraint left) and must come after it (an update of the payment details takes an earlier approval back); the
 * completion needs that approval. The workflow starts with the confirm update (Update-With-Start: one request), and
 * the buyer's return is a signal; the order is settled when the workflow has read its refund Refunded.
 */
export async function floorLifecycle(s: Stack, f: Floor, orderId: string, amount = 5000, refund = 1000): Promise<LifecycleTiming> {
  const startedAt = performance.now();
  const payloadJSON = JSON.stringify({ webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review' }, storeId: f.merchant.storeId, scopes: ['name', 'email'], merchantMetadata: { merchantReferenceId: orderId } });
  const signature = f.amazonPay.generateButtonSignature(payloadJSON);
  const button = await s.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON, signature, publicKeyId: f.merchant.publicKeyId });
  must('buyer button', button, 201);
  const id = button.data.checkoutSessionId;
  must('buyer sign-in', await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {}), 200);
  const input: FloorInput = { orderId, checkoutSessionId: id, amount, refund, currency: 'JPY', checkoutResultReturnUrl: 'https://shop.example/result' };
  const start = new WithStartWorkflowOperation<typeof benchFloor>('benchFloor', { workflowId: f.workflowId(orderId), taskQueue: f.taskQueue, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await s.client.workflow.executeUpdateWithStart(floorConfirmed, { startWorkflowOperation: start });
  const handle = await start.workflowHandle();
  must('buyer approval', await s.control('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {}), 200);
  await handle.signal(floorBuyerReturned);
  // Bounded as an engine order's settling is (30 s), so a stalled floor order cannot hold up the phase.
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    handle.result(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`floor ${orderId}: not settled after 30 s`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  if (result.refundState !== 'Refunded' || result.refunded !== refund) throw new Error(`floor ${orderId}: refund ${result.refundId} ${result.refundState}, ${result.refunded} of ${refund}`);
  return { orderId, startedAt, settledAt: performance.now() };
}

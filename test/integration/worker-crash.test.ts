/**
 * A worker process killed (SIGKILL) while its capture is at Amazon: Amazon commits the capture,
 * the answer is lost with the worker, and a restarted worker finishes the order — with exactly one
 * capture in the simulator's ledger, because the retry carries the same idempotency key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../helpers/http';
import { checkoutOrder, useTestStack, type TestStack } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');

interface LedgerEntry {
  type: string;
  status: string;
  amount: number;
  chargePermissionId: string;
  idempotencyKey: string | null;
}

function startWorkerProcess(s: TestStack): { child: ChildProcess; output: () => string } {
  // node itself with tsx's loader, not the tsx wrapper: SIGKILL must hit the worker, not a parent.
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      LOG_LEVEL: 'warn',
      DATA_DIR: s.dataDir,
      DATABASE_URL: s.db.url,
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      AMAZON_PAY_ENDPOINT: s.sim.address,
      AMAZON_PAY_MERCHANT_ID: s.merchant.merchantId,
      AMAZON_PAY_STORE_ID: s.merchant.storeId,
      AMAZON_PAY_PUBLIC_KEY_ID: s.merchant.publicKeyId,
      AMAZON_PAY_PRIVATE_KEY: s.merchant.privateKeyPem,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

describe('a worker killed mid-capture', () => {
  const workers: ChildProcess[] = [];
  // Declared before the stack: hooks run in declaration order, so the workers die before the stack stops.
  afterAll(() => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  });
  const s = useTestStack({ stack: { worker: false } });

  it('is replaced by a new worker that finishes the order with exactly one capture at Amazon', async () => {
    const first = startWorkerProcess(s);
    workers.push(first.child);
    const orderId = `CRASH-${Date.now()}`;
    const checkout = await checkoutOrder(s, orderId, { amount: 4200, paymentIntent: 'Authorize' });
    expect(checkout.body.paymentStatus).toBe('Authorized');

    // Amazon will hold the capture request 3 s before committing it: the worker dies meanwhile.
    await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 3000, count: 1 });
    const accepted = await s.call('POST', `/api/admin/orders/${orderId}/capture`, { role: 'editor', body: { amount: 4200, requestId: 'ship-1' } });
    expect([200, 202]).toContain(accepted.status);
    await waitFor(async () => (await s.db.prisma.prePaymentLog.count({ where: { orderId, action: 'capture' } })) === 1, 20_000, 100);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // Amazon committed the capture although nobody was left to hear the answer.
    const permission = checkout.body.chargePermissionId as string;
    const captures = async () => (await s.control<{ entries: LedgerEntry[] }>('GET', '/__sim/ledger')).data.entries.filter((e) => e.chargePermissionId === permission && e.type === 'capture');
    await waitFor(async () => (await captures()).length === 1, 10_000, 100);

    const second = startWorkerProcess(s);
    workers.push(second.child);
    // The lost attempt times out (30 s start-to-close) and is retried on the new worker with the same key.
    let result = { status: 0, body: {} as Record<string, unknown> };
    await waitFor(
      async () => {
        result = await s.call('POST', `/api/admin/orders/${orderId}/capture?waitMs=2000`, { role: 'editor', body: { amount: 4200, requestId: 'ship-1' } });
        return result.status === 200;
      },
      90_000,
      500,
    );
    expect(result.body).toMatchObject({ status: 'completed', result: { paymentStatus: 'Captured', captured: 4200 } });
    const ledger = await captures();
    expect(ledger.map((e) => [e.amount, e.status])).toEqual([[4200, 'completed']]);
    const log = await s.db.prisma.prePaymentLog.findMany({ where: { orderId, action: 'capture' } });
    expect(log).toHaveLength(1);
    expect(log[0].idempotencyKey).toBe(ledger[0].idempotencyKey);
    second.child.kill('SIGTERM');
  }, 180_000);
});

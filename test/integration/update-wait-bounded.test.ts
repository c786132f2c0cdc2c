/**
 * An action answered before its outcome (202 accepted) leaves no Temporal call running behind the answer. A poll that
 * outlived its request kept retrying inside the gRPC client after the process closed its connection, and the retry
 * timer then threw "Channel has been shut down" (a crash at every shutdown with an action under way).
 */
import { InterceptingCall, Metadata, status, type Interceptor, type StatusObject } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createOrdersGateway } from '../../api/orders';
import { amazonNotification, capture } from '../../workflows/messages';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

const s = useTestStack();

/** Counts the calls under way, from start to final status (retries included when it is the outermost interceptor). */
function counting(): { interceptor: Interceptor; running(): number } {
  let running = 0;
  const interceptor: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        running += 1;
        let ended = false;
        next(metadata, {
          onReceiveMetadata: (m: Metadata) => listener.onReceiveMetadata(m),
          onReceiveMessage: (m: unknown) => listener.onReceiveMessage(m),
          onReceiveStatus(st: StatusObject) {
            if (!ended) running -= 1;
            ended = true;
            listener.onReceiveStatus(st);
          },
        });
      },
    });
  return { interceptor, running: () => running };
}

/** The first poll for an update's outcome fails as an unreachable server would: the SDK retries it after a back-off. */
function firstPollUnavailable(): Interceptor {
  let failed = false;
  return (options, nextCall) => {
    if (failed || !options.method_definition.path.endsWith('/PollWorkflowExecutionUpdate')) return new InterceptingCall(nextCall(options));
    failed = true;
    return new InterceptingCall(nextCall(options), {
      start(_metadata, listener) {
        // As grpc-js ends a unary call that got no message: a null message, then the status.
        setImmediate(() => {
          listener.onReceiveMessage(null);
          listener.onReceiveStatus({ code: status.UNAVAILABLE, details: 'injected: server unavailable', metadata: new Metadata() });
        });
      },
      sendMessage() {},
      halfClose() {},
    });
  };
}

/**
 * An order busy for 4 s: a reconciliation's nudge makes it read its charge (a regular activity) and Amazon answers the
 * read after 4 s. A capture sent then is accepted at once and waits behind the read, so it outlives a wait of 200 ms.
 * (The capture's own Amazon call runs inside the workflow task that accepts it since order v15: a slow capture is
 * accepted, and answered, when Amazon answers it; docs/api.md.)
 */
async function captureBehindSlowRead(orderId: string, orders: ReturnType<ReturnType<typeof createOrdersGateway>['forShop']>): Promise<void> {
  const paid = await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' });
  expect(paid.body.paymentStatus).toBe('Authorized');
  await s.control('POST', '/__sim/faults', { operation: 'getCharge', kind: 'latency', latencyMs: 4_000, count: 1 });
  const chargeId = (await orders.state(orderId)).chargeIds[0];
  expect(await orders.act(orderId, amazonNotification, { objectType: 'CHARGE', objectId: chargeId, notificationId: `nudge-${orderId}` }, { waitMs: 0 })).toEqual({ done: false });
}

describe('an action answered before its outcome', () => {
  it('leaves no call to Temporal running once it has answered', async () => {
    const calls = counting();
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [calls.interceptor] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-${Date.now()}`;
      await captureBehindSlowRead(orderId, orders);
      const outcome = await orders.act(orderId, capture, { requestId: 'wait-cap', amount: 2000 }, { updateId: 'wait-cap', waitMs: 200 });
      expect(outcome).toEqual({ done: false });
      expect(calls.running()).toBe(0);
      // The capture itself goes on in the workflow and settles.
      await waitFor(async () => (await orders.state(orderId)).paymentStatus === 'Captured', 30_000, 200);
      expect(calls.running()).toBe(0);
    } finally {
      await connection.close();
    }
  }, 90_000);

  it('a capture whose own Amazon call is slow is answered when Amazon answers: the call runs in the task that accepts it', async () => {
    const calls = counting();
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [calls.interceptor] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-SLOW-${Date.now()}`;
      expect((await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
      await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 3_000, count: 1 });
      const started = Date.now();
      const outcome = await orders.act(orderId, capture, { requestId: 'slow-cap', amount: 2000 }, { updateId: 'slow-cap', waitMs: 200 });
      // Not 202 after 200 ms: Temporal holds the capture only once its task ends, with Amazon's answer (docs/api.md).
      expect(outcome).toMatchObject({ done: true, result: { paymentStatus: 'Captured', captured: 2000 } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(calls.running()).toBe(0);
    } finally {
      await connection.close();
    }
  }, 90_000);

  it('answers on time when the poll for the outcome is being retried, and the retry ends with it', async () => {
    // As lib/temporal-client.ts builds the API's connection: the count outermost, then the SDK's retry.
    const calls = counting();
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [calls.interceptor, makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), firstPollUnavailable()] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-RETRY-${Date.now()}`;
      await captureBehindSlowRead(orderId, orders);
      const outcome = await orders.act(orderId, capture, { requestId: 'wait-cap', amount: 2000 }, { updateId: 'wait-cap', waitMs: 200 });
      // Not the capture's result seconds later: the retried poll is bounded by the same grace.
      expect(outcome).toEqual({ done: false });
      // The retry fires once its back-off (about 100 ms) ends and fails at once: its deadline has passed.
      await waitFor(async () => calls.running() === 0, 2_000, 50);
      await waitFor(async () => (await orders.state(orderId)).paymentStatus === 'Captured', 30_000, 200);
    } finally {
      await connection.close();
    }
  }, 90_000);
});

/**
 * An action answered before its outcome (202 accepted) leaves no Temporal call running behind the answer. A poll that
 * outlived its request kept retrying inside the gRPC client after the process closed its connection, and the retry
 * timer then threw "Channel has been shut down" (a crash at every shutdown with an action under way).
 */
import { InterceptingCall, Metadata, status, type Interceptor, type StatusObject } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createOrdersGateway } from '../../api/orders';
import { capture } from '../../workflows/messages';
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

/** An order captured slowly: Amazon answers its capture after 4 s, so the action outlives a wait of 200 ms. */
async function slowCapture(orderId: string): Promise<void> {
  expect((await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
  await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 4_000, count: 1 });
}

describe('an action answered before its outcome', () => {
  it('leaves no call to Temporal running once it has answered', async () => {
    const calls = counting();
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [calls.interceptor] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-${Date.now()}`;
      await slowCapture(orderId);
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

  it('answers on time when the poll for the outcome is being retried, and the retry ends with it', async () => {
    // As lib/temporal-client.ts builds the API's connection: the count outermost, then the SDK's retry.
    const calls = counting();
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [calls.interceptor, makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), firstPollUnavailable()] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-RETRY-${Date.now()}`;
      await slowCapture(orderId);
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

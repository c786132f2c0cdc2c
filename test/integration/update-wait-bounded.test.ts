/**
 * An action answered before its outcome (202 accepted) leaves no Temporal call running behind the answer. A poll that
 * outlived its request kept retrying inside the gRPC client after the process closed its connection, and the retry
 * timer then threw "Channel has been shut down" (a crash at every shutdown with an action under way).
 */
import { InterceptingCall, type Interceptor, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { createOrdersGateway } from '../../api/orders';
import { capture } from '../../workflows/messages';
import { checkoutOrder, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/http';

const s = useTestStack();

describe('an action answered before its outcome', () => {
  it('leaves no call to Temporal running once it has answered', async () => {
    let running = 0;
    const counting: Interceptor = (options, nextCall) =>
      new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          running += 1;
          let ended = false;
          next(metadata, {
            onReceiveMetadata: (m: Metadata) => listener.onReceiveMetadata(m),
            onReceiveMessage: (m: unknown) => listener.onReceiveMessage(m),
            onReceiveStatus(status: StatusObject) {
              if (!ended) running -= 1;
              ended = true;
              listener.onReceiveStatus(status);
            },
          });
        },
      });
    const connection = await Connection.connect({ address: s.temporalAddress, interceptors: [counting] });
    try {
      const orders = createOrdersGateway(new Client({ connection }), s.taskQueue, s.db.prisma).forShop('default');
      const orderId = `WAIT-${Date.now()}`;
      expect((await checkoutOrder(s, orderId, { amount: 2000, paymentIntent: 'Authorize' })).body.paymentStatus).toBe('Authorized');
      // Amazon answers the capture after 12 s. The update is accepted when the workflow task that runs the call (a local
      // activity) heartbeats, at 80 % of its 10 s timeout, so the action outlives both the wait of 200 ms and its acceptance.
      await s.control('POST', '/__sim/faults', { operation: 'captureCharge', kind: 'latency', latencyMs: 12_000, count: 1 });
      const outcome = await orders.act(orderId, capture, { requestId: 'wait-cap', amount: 2000 }, { updateId: 'wait-cap', waitMs: 200 });
      expect(outcome).toEqual({ done: false });
      expect(running).toBe(0);
      // The capture itself goes on in the workflow and settles.
      await waitFor(async () => (await orders.state(orderId)).paymentStatus === 'Captured', 30_000, 200);
      expect(running).toBe(0);
    } finally {
      await connection.close();
    }
  }, 90_000);
});

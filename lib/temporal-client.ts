/**
 * The Temporal client the API (and scripts) use to start and message order workflows: one per
 * process, over a lazy connection so the API can start (and report 503) while Temporal is down.
 */
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import type { Config } from './config';
import { InflightCalls } from './lifecycle';
import { connectionOptions } from './temporal';

export interface TemporalClient {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

/** How long close() waits for calls still in flight (an order's deferred start, an update under way). */
export const TEMPORAL_DRAIN_MS = 10_000;

export async function createTemporalClient(config: Config, address: string, drainMs = TEMPORAL_DRAIN_MS): Promise<TemporalClient> {
  return drainedTemporalClient(connectionOptions(config, address), config.temporal.namespace, drainMs);
}

/**
 * A client whose close() first waits for the calls still in flight (the test stack's API uses it too): the SDK's
 * default retry interceptor, with the in-flight count outside it (a call counts until its last retry ends).
 */
export async function drainedTemporalClient(options: ConnectionOptions, namespace: string, drainMs = TEMPORAL_DRAIN_MS): Promise<TemporalClient> {
  const inflight = new InflightCalls();
  const connection = await Connection.lazy({ ...options, interceptors: [inflight.interceptor(), makeGrpcRetryInterceptor(defaultGrpcRetryOptions())] });
  const client = new Client({ connection, namespace });
  return {
    client,
    connection,
    async close() {
      // Closing under a call that is still retrying would throw from the retry's timer; such a connection is left to the
      // process's exit instead (the caller's lifecycle logs why).
      if (!(await inflight.drained(drainMs))) throw new Error(`${inflight.size} Temporal call(s) still retrying after ${drainMs / 1000} s; the connection closes with the process`);
      await connection.close();
    },
  };
}

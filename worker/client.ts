/**
 * The Temporal client the API (and scripts) use to start and message order workflows: one per
 * process, over a lazy connection so the API can start (and report 503) while Temporal is down.
 */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../lib/config';
import { connectionOptions } from '../lib/temporal';

export interface TemporalClient {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

export async function createTemporalClient(config: Config, address: string): Promise<TemporalClient> {
  const connection = await Connection.lazy(connectionOptions(config, address));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, connection, close: () => connection.close() };
}

/**
 * PostgreSQL for the engine: a real server from DATABASE_URL, or the embedded default, PGlite
 * (Postgres compiled to WASM) kept in DATA_DIR and served over the PostgreSQL wire protocol
 * (lib/pglite-wire.ts), so Prisma, `psql` and the migrator all talk to it like to any Postgres.
 */
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { PrismaClient } from '../prisma/generated/client';
import { servePglite } from './pglite-wire';

export { PrismaClient };

/** The URL of the embedded database served by `npm start` (or the external DATABASE_URL). */
export function databaseUrl(config: { database: { url?: { reveal(): string }; pglitePort: number } }): string {
  return config.database.url?.reveal() ?? embeddedUrl('127.0.0.1', config.database.pglitePort);
}

function embeddedUrl(host: string, port: number): string {
  return `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`;
}

export interface EmbeddedPostgres {
  /** postgresql:// URL of the socket server. */
  url: string;
  stop(): Promise<void>;
}

/** Fails with a clear message when something already listens on host:port. */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === 'EADDRINUSE' ? `${variable}: port ${port} on ${host} is already in use; choose another with ${variable}=<port>` : `${variable}: cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * Opens (or creates) the PGlite database in `<dataDir>/pglite` (`dataDir` undefined: in memory)
 * and serves it on host:port to several connections, each query batch and transaction atomic.
 */
export async function startEmbeddedPostgres(opts: { dataDir?: string; host?: string; port: number; maxConnections?: number }): Promise<EmbeddedPostgres> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.port !== 0) await assertPortFree(host, opts.port, 'PGLITE_PORT');
  let dbPath: string | undefined;
  if (opts.dataDir) {
    dbPath = path.join(opts.dataDir, 'pglite');
    mkdirSync(dbPath, { recursive: true });
  }
  const db = await PGlite.create(dbPath);
  const server = await servePglite(db, { host, port: opts.port, maxConnections: opts.maxConnections ?? 64 });
  const port = server.port;
  return {
    url: embeddedUrl(host, port),
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Prisma over node-postgres through the driver adapter: no native query engine involved. */
export function createPrismaClient(url: string, opts: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 10_000 });
  return new PrismaClient({ adapter });
}

/** Connects once to check that the database answers, with a clear message naming the variable. */
export async function checkDatabaseReachable(url: string, variable = 'DATABASE_URL'): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${variable}: cannot reach PostgreSQL (${reason})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

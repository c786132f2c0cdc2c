/**
 * PostgreSQL for the engine: a real server from DATABASE_URL, or the embedded default, PGlite
 * (Postgres compiled to WASM) kept in DATA_DIR and served over the PostgreSQL wire protocol
 * (lib/pglite-wire.ts), so Prisma, `psql` and the migrator all talk to it like to any Postgres;
 * connections authenticate with SCRAM-SHA-256 and the password kept in DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { PrismaClient } from '../prisma/generated/client';
import { servePglite } from './pglite-wire';

export { PrismaClient };

/** The URL of the embedded database served by `npm start` (its password read from DATA_DIR), or the external DATABASE_URL. */
export function databaseUrl(config: { dataDir: string; database: { url?: { reveal(): string }; pglitePort: number } }): string {
  const external = config.database.url?.reveal();
  if (external) return external;
  const file = passwordFile(config.dataDir);
  if (!existsSync(file)) {
    throw new Error(`DATABASE_URL: empty, and the embedded database's password (${file}) does not exist yet; start the stack with \`npm start\` on this DATA_DIR first, or set DATABASE_URL`);
  }
  return embeddedUrl('127.0.0.1', config.database.pglitePort, readFileSync(file, 'utf8').trim());
}

const EMBEDDED_USER = 'postgres';

function embeddedUrl(host: string, port: number, password: string): string {
  return `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@${host}:${port}/postgres?sslmode=disable`;
}

function passwordFile(dataDir: string): string {
  return path.join(dataDir, 'pglite-password');
}

/**
 * The embedded database's password: generated once (32 random bytes, hex) and kept in `<dataDir>/pglite-password`,
 * readable by this user only (mode 0600, tightened if it was looser). Without a data dir: a new one in memory.
 */
export function embeddedPassword(dataDir: string | undefined): string {
  if (dataDir === undefined) return randomBytes(32).toString('hex');
  const file = passwordFile(dataDir);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const password = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/.test(password)) throw new Error(`${file}: not a password this engine wrote; delete it to have a new one generated`);
  return password;
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
  const password = embeddedPassword(opts.dataDir);
  const db = await PGlite.create(dbPath);
  const server = await servePglite(db, { host, port: opts.port, maxConnections: opts.maxConnections ?? 64, auth: { user: EMBEDDED_USER, password } });
  const port = server.port;
  return {
    url: embeddedUrl(host, port, password),
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
    throw new Error(`${variable}: cannot reach PostgreSQL (${reason})`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

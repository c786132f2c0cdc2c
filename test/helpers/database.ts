/**
 * A fresh, migrated database per test file: a new database on the PostgreSQL server named by
 * DATABASE_URL (CI), or an in-memory PGlite served on a random loopback port (local default).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPrismaClient, startEmbeddedPostgres, type PrismaClient } from '../../lib/database';
import { applyMigrations } from '../../lib/migrate';

export interface TestDatabase {
  prisma: PrismaClient;
  url: string;
  /** `postgres` when a real server is used, `pglite` otherwise. */
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** An empty database (no migrations applied) and a way to drop it. */
export async function createEmptyDatabase(): Promise<{ url: string; kind: 'postgres' | 'pglite'; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pg = await startEmbeddedPostgres({ port: 0 });
    return { url: pg.url, kind: 'pglite', drop: () => pg.stop() };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    async drop() {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const db = await createEmptyDatabase();
  await applyMigrations(db.url);
  const prisma = createPrismaClient(db.url, { max: 4 });
  return {
    prisma,
    url: db.url,
    kind: db.kind,
    async close() {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

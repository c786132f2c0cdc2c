/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql the way `prisma migrate deploy` does,
 * for machines where Prisma's schema-engine binary is not available. It records each migration in
 * `_prisma_migrations` with Prisma's own columns (sha256 checksum, started_at, finished_at,
 * applied_steps_count), takes Prisma's advisory lock so it never races a real `prisma migrate
 * deploy` or a second engine process, and is idempotent: applied migrations are skipped.
 * Unlike Prisma it runs each migration in a transaction, so a failing one leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, type ClientBase } from 'pg';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../prisma/migrations');
/** The advisory lock id `prisma migrate` takes (schema-engine's constant). */
const PRISMA_ADVISORY_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Migrations that failed half-way (Prisma's P3009) or were edited after being applied. */
  problems: string[];
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Compares the migrations on disk with `_prisma_migrations`, without changing anything. */
export async function migrationStatus(db: ClientBase, migrations = readMigrations()): Promise<MigrationStatus> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  const rows = exists.rows[0]?.present
    ? (await db.query<MigrationRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')).rows
    : [];
  const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null).map((r) => r.migration_name);
  const problems = failed.map((name) => `migration ${name} failed earlier and must be resolved (prisma migrate resolve)`);
  for (const m of migrations) {
    const row = done.get(m.name);
    if (row && row.checksum !== m.checksum) problems.push(`migration ${m.name} was edited after it was applied`);
  }
  return {
    applied: migrations.filter((m) => done.has(m.name)).map((m) => m.name),
    pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name),
    problems,
  };
}

/**
 * Applies every pending migration to the database at `connectionString` and returns the names
 * applied. Throws (changing nothing more) on a failed or edited migration.
 */
export async function applyMigrations(connectionString: string, log: (msg: string) => void = () => undefined, migrations = readMigrations()): Promise<string[]> {
  // PGlite is a single Postgres session, where advisory locks do not exclude anyone: calls made
  // from this process are therefore also queued here.
  const previous = inProcessQueue;
  let release!: () => void;
  inProcessQueue = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    return await applyMigrationsLocked(connectionString, log, migrations);
  } finally {
    release();
  }
}

let inProcessQueue: Promise<void> = Promise.resolve();

async function applyMigrationsLocked(connectionString: string, log: (msg: string) => void, migrations: Migration[]): Promise<string[]> {
  const db = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
  await db.connect();
  const applied: string[] = [];
  try {
    await db.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await db.query(CREATE_MIGRATIONS_TABLE);
    const status = await migrationStatus(db, migrations);
    if (status.problems.length > 0) throw new Error(`cannot migrate: ${status.problems.join('; ')}`);
    for (const m of migrations.filter((x) => status.pending.includes(x.name))) {
      log(`applying migration ${m.name}`);
      await db.query('BEGIN');
      try {
        await db.query(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      applied.push(m.name);
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    await db.end();
  }
  return applied;
}

/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL (or to the embedded database of
 * a running `npm start`) without Prisma's schema engine, recording them as `prisma migrate
 * deploy` does. Where the engine is available, `npx prisma migrate deploy` does the same.
 */
import { ConfigError, loadConfig } from '../lib/config';
import { databaseUrl } from '../lib/database';
import { applyMigrations } from '../lib/migrate';

async function run(): Promise<void> {
  const config = loadConfig();
  const applied = await applyMigrations(databaseUrl(config), (msg) => console.log(msg));
  console.log(applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

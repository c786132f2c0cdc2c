/**
 * `npm run keys -- create <storefront|viewer|editor> --name <name>`: creates an API key and prints
 * it once, as the last token of the output. `keys list` shows keys (never the secret), `keys
 * revoke <id|prefix>` revokes one. Works on DATABASE_URL or the embedded database of a running
 * `npm start`.
 */
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from '../lib/api-keys';
import { ConfigError, loadConfig } from '../lib/config';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { applyMigrations } from '../lib/migrate';

const USAGE = `usage:
  npm run keys -- create <${ROLES.join('|')}> --name <name>
  npm run keys -- list
  npm run keys -- revoke <id|prefix>`;

class UsageError extends Error {}

async function run(): Promise<void> {
  const { positionals, values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { name: { type: 'string' } } });
  const [command, arg] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(USAGE);
  if (command === 'create' && (!arg || !(ROLES as readonly string[]).includes(arg))) throw new UsageError(`role must be one of ${ROLES.join(', ')}\n${USAGE}`);
  if (command === 'create' && !values.name?.trim()) throw new UsageError(`--name is required\n${USAGE}`);
  if (command === 'revoke' && !arg) throw new UsageError(USAGE);

  const config = loadConfig();
  const url = databaseUrl(config);
  await checkDatabaseReachable(url);
  await applyMigrations(url);
  const prisma = createPrismaClient(url, { max: 1 });
  try {
    if (command === 'create') {
      const created = await createApiKey(prisma, arg as Role, values.name!.trim());
      console.log(`created ${created.role} key "${created.name}" (id ${created.id}, prefix ${created.prefix}); it is shown only now:`);
      console.log(created.key);
    } else if (command === 'list') {
      const keys = await listApiKeys(prisma);
      if (keys.length === 0) console.log('no API keys');
      for (const k of keys) {
        console.log(`${k.id}  ${k.prefix}  ${k.role.padEnd(10)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}`);
      }
    } else {
      const n = await revokeApiKey(prisma, arg!);
      if (n === 0) throw new UsageError(`no active key with id or prefix "${arg}"`);
      console.log(`revoked ${n} key(s)`);
    }
  } finally {
    await prisma.$disconnect();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof UsageError ? err.message : `keys: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});

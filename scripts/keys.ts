/**
 * `npm run keys -- create <storefront|viewer|editor> --name <name>`: creates an API key and prints
 * it once, as the last token of the output. `keys list` shows keys (never the secret), `keys
 * revoke <id|prefix>` revokes one. Works on DATABASE_URL or the embedded database of a running
 * `npm start`. A creation or revocation is recorded in the audit log (docs/audit.md) in the same
 * transaction, by the OS user (role cli), naming the key's id and name, never the key.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from '../lib/api-keys';
import { appendInTransaction, auditRecord, type AuditActor } from '../lib/audit';
import { ConfigError, loadConfig } from '../lib/config';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { applyMigrations } from '../lib/migrate';
import { DEFAULT_SHOP_ID, SHOP_ID_PATTERN } from '../lib/names';
import type { PrismaClient } from '../prisma/generated/client';

/** Who runs the command: the OS user. */
function cliActor(): AuditActor {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.LOGNAME;
  }
  return { keyId: null, name: name || 'unknown', role: 'cli' };
}

/** What an operator typed to name a key, when it can be one (an id or a printed prefix); anything else is not kept. */
const keyReference = (arg: string): string | null => (/^[0-9a-f-]{36}$/i.test(arg) || /^apk_[a-z]{2}_[A-Za-z0-9_-]{0,5}$/.test(arg) ? arg : null);

const USAGE = `usage:
  npm run keys -- create <${ROLES.join('|')}> --name <name> [--shop <shop id>]
  npm run keys -- list [--shop <shop id>]
  npm run keys -- revoke <id|prefix>
A shop's key (storefront, viewer, editor) is the default shop's unless --shop names another; a platform key has none.`;

class UsageError extends Error {}

async function run(): Promise<void> {
  const { positionals, values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { name: { type: 'string' }, shop: { type: 'string' } } });
  const [command, arg] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(USAGE);
  if (command === 'create' && (!arg || !(ROLES as readonly string[]).includes(arg))) throw new UsageError(`role must be one of ${ROLES.join(', ')}\n${USAGE}`);
  if (command === 'create' && !values.name?.trim()) throw new UsageError(`--name is required\n${USAGE}`);
  if (command === 'revoke' && !arg) throw new UsageError(USAGE);
  if (values.shop !== undefined && !SHOP_ID_PATTERN.test(values.shop)) throw new UsageError(`--shop: expected a shop id (lower-case letters, digits, dashes)\n${USAGE}`);
  if (command === 'create' && arg === 'platform' && values.shop !== undefined) throw new UsageError(`a platform key belongs to no shop: leave out --shop\n${USAGE}`);

  const config = loadConfig();
  const url = databaseUrl(config);
  await checkDatabaseReachable(url);
  await applyMigrations(url);
  const prisma = createPrismaClient(url, { max: 1 });
  try {
    const actor = cliActor();
    if (command === 'create') {
      // The key and its audit entry commit together: no key exists without its entry.
      const created = await prisma.$transaction(async (tx) => {
        const shopId = arg === 'platform' ? null : (values.shop ?? DEFAULT_SHOP_ID);
        if (shopId !== null && (await tx.shop.count({ where: { shopId } })) === 0) throw new UsageError(`no shop ${shopId} (the platform makes shops: POST /api/platform/shops)`);
        const key = await createApiKey(tx as unknown as PrismaClient, arg as Role, values.name!.trim(), shopId);
        await appendInTransaction(tx, [auditRecord({ actor, action: 'api_key.create', objectId: key.id, shopId, source: { name: key.name, role: key.role, ...(shopId ? { shopId } : {}) }, outcomeStatus: 201 })]);
        return key;
      });
      console.log(`created ${created.role} key "${created.name}"${created.shopId ? ` of shop ${created.shopId}` : ''} (id ${created.id}, prefix ${created.prefix}); it is shown only now:`);
      console.log(created.key);
    } else if (command === 'list') {
      const keys = await listApiKeys(prisma, values.shop);
      if (keys.length === 0) console.log('no API keys');
      for (const k of keys) {
        console.log(`${k.id}  ${k.prefix}  ${k.role.padEnd(10)}  ${(k.shopId ?? '(platform)').padEnd(12)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}`);
      }
    } else {
      // One entry per key revoked (a prefix may name several), or one refused entry when none was.
      const n = await prisma.$transaction(async (tx) => {
        const active = await tx.apiKey.findMany({ where: { revokedAt: null }, select: { id: true } });
        const count = await revokeApiKey(tx as unknown as PrismaClient, arg!);
        const revoked = await tx.apiKey.findMany({ where: { id: { in: active.map((k) => k.id) }, revokedAt: { not: null } }, orderBy: { createdAt: 'asc' } });
        const entries = revoked.map((k) => auditRecord({ actor, action: 'api_key.revoke', objectId: k.id, shopId: k.shopId, source: { name: k.name, role: k.role }, outcomeStatus: 200 }));
        await appendInTransaction(tx, entries.length > 0 ? entries : [auditRecord({ actor, action: 'api_key.revoke', objectId: keyReference(arg!), outcomeStatus: 404, outcomeCode: 'not_found' })]);
        return count;
      });
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

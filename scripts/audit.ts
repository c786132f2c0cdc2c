/**
 * `npm run audit -- verify`: walks the audit log's hash chain from its first entry (docs/audit.md), recomputing each
 * entry's hash. Intact: prints the number of entries and the last hash, exits 0. Broken: names the first entry whose
 * link does not hold (an edited row, or a missing one: its prev_hash is not the hash of the entry before it) and exits
 * 1. Reads DATABASE_URL or the embedded database of a running `npm start`; changes nothing.
 */
import { parseArgs } from 'node:util';
import { verifyAuditLog } from '../lib/audit';
import { ConfigError, loadConfig } from '../lib/config';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';

const USAGE = `usage:
  npm run audit -- verify`;

class UsageError extends Error {}

async function run(): Promise<number> {
  const { positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: {} });
  if (positionals.length !== 1 || positionals[0] !== 'verify') throw new UsageError(USAGE);
  const config = loadConfig();
  const url = databaseUrl(config);
  await checkDatabaseReachable(url);
  const prisma = createPrismaClient(url, { max: 1 });
  try {
    const report = await verifyAuditLog(prisma).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'P2021') throw new Error('the audit_log table does not exist yet: apply the migrations (npm run migrate)', { cause: err });
      throw err;
    });
    if (report.ok) {
      console.log(`audit log intact: ${report.count} entries${report.lastId ? `, the last #${report.lastId} with hash ${report.lastHash}` : ''}`);
      return 0;
    }
    console.error(`audit log broken at entry ${report.break.id} (${report.break.kind}): ${report.break.message}`);
    console.error(`the ${report.count} entries before it are intact`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError || err instanceof UsageError ? err.message : `audit: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);

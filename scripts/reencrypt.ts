/**
 * `npm run reencrypt`: seals every stored secret again under ENGINE_MASTER_KEY (docs/shops.md, Secrets): each shop's
 * Amazon Pay private key and each event endpoint's signing secrets. To change the master key: set ENGINE_MASTER_KEY to
 * the new key and ENGINE_MASTER_KEY_PREVIOUS to the old one on every API and worker process (both open, the new one
 * seals), run this once, then remove ENGINE_MASTER_KEY_PREVIOUS. Idempotent; a secret under neither key stops it with
 * nothing written. Prints counts, never a secret.
 */
import { ConfigError, loadConfig } from '../lib/config';
import { checkDatabaseReachable, createPrismaClient, databaseUrl } from '../lib/database';
import { secretBoxFor } from '../lib/secret-box';
import { reencryptSecrets } from '../lib/shops';

async function run(): Promise<number> {
  const config = loadConfig();
  const url = databaseUrl(config);
  await checkDatabaseReachable(url);
  const box = secretBoxFor({ ...config.events, dataDir: config.dataDir });
  const prisma = createPrismaClient(url, { max: 1 });
  try {
    const done = await reencryptSecrets(prisma, box);
    console.log(`sealed again under master key ${box.keyId}: ${done.shops} shop private key(s), ${done.endpointSecrets} endpoint secret(s); the rest already were`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `reencrypt: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

/**
 * Generates the Prisma client into prisma/generated when schema.prisma changed since the last
 * generation (a fresh clone has none). `prisma generate` needs no engine binary, but the CLI looks
 * for the schema engine anyway and would try to download it: pointing PRISMA_SCHEMA_ENGINE_BINARY
 * at any existing file satisfies that check where the download is impossible.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const schema = path.join(root, 'prisma/schema.prisma');
const stamp = path.join(root, 'prisma/generated/.schema-hash');

function run(): void {
  const hash = createHash('sha256').update(readFileSync(schema)).update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && process.argv[2] !== '--force') return;
  const env = { ...process.env };
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', schema], {
      cwd: root,
      env: { ...env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
      stdio: 'pipe',
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(stderr.trim() || String(err), { cause: err });
  }
  writeFileSync(stamp, hash);
}

try {
  run();
} catch (err) {
  console.error(`prisma generate failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

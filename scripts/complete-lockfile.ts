/**
 * Restores package-lock.json entries for platform-specific optional packages (other operating
 * systems' builds of @swc/core, unrs-resolver, …) that `npm install` leaves out when the registry
 * it talks to does not serve them. Without those entries `npm ci` refuses the lock file as out of
 * sync, on every machine. The entries carry only what npm needs to skip them on other platforms
 * (version, os, cpu, libc, optional); npm never downloads a package whose platform does not match.
 *
 * Run after `npm install` on such a registry: `npx tsx scripts/complete-lockfile.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU: Record<string, string> = { arm64: 'arm64', x64: 'x64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x', loong64: 'loong64', riscv64: 'riscv64', mips64el: 'mips64el' };

/** Reads os/cpu/libc from names such as `core-linux-arm-gnueabihf` or `binding-win32-x64-msvc`. */
export function platformOf(name: string): { os: string; cpu: string; libc?: string } | undefined {
  const parts = name.split('/').pop()!.split('-');
  const osIndex = parts.findIndex((p) => OS.includes(p));
  if (osIndex < 0) return undefined;
  const cpu = CPU[parts[osIndex + 1] ?? ''];
  if (!cpu) return undefined;
  const rest = parts.slice(osIndex + 2).join('-');
  const libc = parts[osIndex] === 'linux' ? (rest.startsWith('musl') ? 'musl' : rest.startsWith('gnu') ? 'glibc' : undefined) : undefined;
  return { os: parts[osIndex], cpu, ...(libc ? { libc } : {}) };
}

function run(): void {
  const file = path.resolve(__dirname, '../package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
  const added: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const target = `node_modules/${dep}`;
      if (lock.packages[target] || lock.packages[`${key}/${target}`]) continue;
      const platform = platformOf(dep);
      if (!platform) continue;
      lock.packages[target] = {
        version,
        cpu: [platform.cpu],
        ...(entry.dev ? { dev: true } : {}),
        ...(platform.libc ? { libc: [platform.libc] } : {}),
        optional: true,
        os: [platform.os],
      };
      added.push(`${dep}@${version}`);
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length > 0 ? `added ${added.length} platform entries: ${added.join(', ')}` : 'lock file already complete');
}

if (require.main === module) run();

// A private PostgreSQL cluster for the bench and chaos stacks (Debian's binaries, loopback only, run as `postgres` when we are root), restartable to drop every connection.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface PrivatePostgres {
  url: string;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<v>/bin, or undefined when PostgreSQL is not installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  return versions.length ? path.join(root, versions[versions.length - 1], 'bin') : undefined;
}

export async function startPrivatePostgres(dir: string, port: number): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  const root = process.getuid?.() === 0;
  const asPg = (cmd: string, args: string[]) => execFileSync(root ? 'runuser' : path.join(bin, cmd), root ? ['-u', 'postgres', '--', path.join(bin, cmd), ...args] : args, { stdio: 'pipe' });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  if (root) execFileSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  asPg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const start = () => asPg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200`, 'start']);
  const stop = () => asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs: number) {
      stop();
      await new Promise((r) => setTimeout(r, downMs));
      start();
    },
    async stop() {
      try {
        stop();
      } catch {
        // already stopped
      }
    },
  };
}

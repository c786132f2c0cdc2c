/**
 * `npm start` as a user runs it: on embedded defaults it becomes ready, Ctrl-C stops every part
 * (no process or port left behind), and a second start on the same DATA_DIR is ready again with
 * the data intact. A wrong variable, a busy port or an unreachable service fails with one clear
 * line naming the variable, a non-zero exit, and nothing left running.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { databaseUrl } from '../../lib/database';
import { freePort, waitFor } from '../helpers/http';
import { npmStartCommand } from '../helpers/npm-start';

const ROOT = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const { command, args } = npmStartCommand();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function stackEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    AMAZON_PAY_ENDPOINT: '',
    PORT: String(await freePort()),
    PGLITE_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    SIMULATOR_PORT: String(await freePort()),
  };
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Processes whose command line mentions `dir` (the dev server's SQLite path lives there). */
function processesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo'));
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

async function stop(s: Started, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  s.child.kill(signal);
  const code = await s.exited;
  return { code, ms: Date.now() - t0 };
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
}

describe('npm start', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tempDir = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'engine-start-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('becomes ready, stops cleanly on Ctrl-C and restarts on the same DATA_DIR with its data', async () => {
    const dataDir = tempDir();
    const env = await stackEnv(dataDir);
    const api = `http://127.0.0.1:${env.PORT}`;
    // The embedded database's password is generated into DATA_DIR at the first start (lib/database.ts).
    const dbUrl = () => databaseUrl({ dataDir, database: { pglitePort: Number(env.PGLITE_PORT) } });
    const ports = [env.PORT, env.PGLITE_PORT, env.TEMPORAL_PORT, env.TEMPORAL_UI_PORT, env.SIMULATOR_PORT].map(Number);

    const first = start(env);
    children.push(first.child);
    await waitFor(() => ready(api), 240_000, 500);
    expect(first.output()).toContain(`Temporal UI`);
    expect(first.output()).toContain(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    expect(first.output()).toContain(api);
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

    const db = new Client({ connectionString: dbUrl() });
    await db.connect();
    await db.query(`INSERT INTO settings (shop_id, key, value, updated_at) VALUES ('default', 'restart-probe', '{"kept": true}', now())`);
    await db.end();

    const firstStop = await stop(first, 'SIGINT');
    expect(firstStop.code).toBe(0);
    expect(firstStop.ms).toBeLessThan(30_000);
    for (const port of ports) expect(await portOpen(port)).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);

    const second = start(env);
    children.push(second.child);
    await waitFor(() => ready(api), 120_000, 500);
    const db2 = new Client({ connectionString: dbUrl() });
    await db2.connect();
    const { rows } = await db2.query(`SELECT value FROM settings WHERE key = 'restart-probe'`);
    await db2.end();
    expect(rows).toEqual([{ value: { kept: true } }]);

    const secondStop = await stop(second, 'SIGTERM');
    expect(secondStop.code).toBe(0);
    for (const port of ports) expect(await portOpen(port)).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 420_000);

  it('refuses a wrong variable with one line naming it', async () => {
    const s = start({ ...(await stackEnv(tempDir())), PORT: 'abc', AMAZON_PAY_REGION: 'mars' });
    children.push(s.child);
    expect(await s.exited).toBe(1);
    const text = s.output();
    expect(text).toMatch(/PORT: expected a TCP port \(1-65535\), got "abc"/);
    expect(text).toMatch(/AMAZON_PAY_REGION: expected one of jp, eu, na/);
    noStackTrace(text);
  });

  it('names the busy port and leaves nothing running', async () => {
    const dataDir = tempDir();
    const env = await stackEnv(dataDir);
    const blocker = net.createServer().listen(Number(env.TEMPORAL_UI_PORT), '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const s = start(env);
      children.push(s.child);
      expect(await s.exited).toBe(1);
      expect(s.output()).toMatch(new RegExp(`TEMPORAL_UI_PORT: port ${env.TEMPORAL_UI_PORT} on 127.0.0.1 is already in use`));
      noStackTrace(s.output());
      for (const port of [env.PORT, env.PGLITE_PORT, env.TEMPORAL_PORT, env.SIMULATOR_PORT].map(Number)) expect(await portOpen(port)).toBe(false);
      expect(processesUsing(dataDir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('names DATABASE_URL when the database cannot be reached, without printing its password', async () => {
    const dataDir = tempDir();
    const env = await stackEnv(dataDir);
    const s = start({ ...env, DATABASE_URL: `postgresql://shop:s3cretpw@127.0.0.1:${await freePort()}/shop` });
    children.push(s.child);
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/DATABASE_URL: cannot reach PostgreSQL/);
    expect(s.output()).not.toContain('s3cretpw');
    noStackTrace(s.output());
    expect(processesUsing(dataDir)).toEqual([]);
  });

  it('names TEMPORAL_ADDRESS when the cluster cannot be reached and stops the embedded database again', async () => {
    const dataDir = tempDir();
    const env = await stackEnv(dataDir);
    const s = start({ ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    children.push(s.child);
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/TEMPORAL_ADDRESS: cannot reach Temporal at 127\.0\.0\.1:\d+/);
    noStackTrace(s.output());
    expect(await portOpen(Number(env.PGLITE_PORT))).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 60_000);
});

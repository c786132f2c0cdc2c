/**
 * Issue 13 item 10: Ctrl-C ends the engine cleanly even under load. Two defects made it end badly:
 * closing the API's Temporal client while a call sat in the SDK's retry back-off threw "Channel has
 * been shut down" from the retry's timer (uncaught), and `npm start` ran the engine under tsx's CLI,
 * which SIGKILLs its child when the child does not acknowledge a signal within ~60 ms — routine on a
 * busy event loop — so no part was stopped at all (exit 130).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApiKey } from '../../lib/api-keys';
import { createPrismaClient, databaseUrl } from '../../lib/database';
import { freePort, waitFor } from '../helpers/http';
import { npmStartCommand, ROOT } from '../helpers/npm-start';

function run(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('shutdown', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("closing the API's Temporal client while a call is retrying throws nothing uncaught", async () => {
    // Nothing listens on the port: the call is retried with back-off when close() comes.
    const p = run(process.execPath, ['--import', 'tsx', 'test/integration/fixtures/temporal-close-while-retrying.ts', `127.0.0.1:${await freePort()}`], {});
    children.push(p.child);
    const code = await p.exited;
    expect(p.output()).not.toContain('UNCAUGHT');
    expect(p.output()).toMatch(/kept open: 1 Temporal call\(s\) still retrying/);
    expect(p.output()).toContain('DONE');
    expect(code).toBe(0);
  }, 60_000);

  it('Ctrl-C under checkout load stops every part with exit 0 and no uncaught error', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'engine-stop-'));
    dirs.push(dataDir);
    const env: Record<string, string> = { DATA_DIR: dataDir, DATABASE_URL: '', TEMPORAL_ADDRESS: '', AMAZON_PAY_ENDPOINT: '', LOG_LEVEL: 'warn' };
    for (const k of ['PORT', 'PGLITE_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'SIMULATOR_PORT']) env[k] = String(await freePort());
    const api = `http://127.0.0.1:${env.PORT}`;
    const { command, args } = npmStartCommand();
    const engine = run(command, args, env);
    children.push(engine.child);
    await waitFor(async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200, 240_000, 500);

    // The banner names the embedded database without its password.
    const password = readFileSync(path.join(dataDir, 'pglite-password'), 'utf8').trim();
    expect(engine.output()).toContain('PostgreSQL (embedded)');
    expect(engine.output()).not.toContain(password);

    const prisma = createPrismaClient(databaseUrl({ dataDir, database: { pglitePort: Number(env.PGLITE_PORT) } }), { max: 1 });
    const storefront = (await createApiKey(prisma, 'storefront', 'load')).key;
    const viewer = (await createApiKey(prisma, 'viewer', 'load')).key;
    await prisma.$disconnect();

    // Six clients start orders and read them back (workflow starts, describes and queries in flight), bounded in count.
    let stopping = false;
    let answered = 0;
    const client = async (c: number) => {
      for (let i = 0; i < 300 && !stopping; i += 1) {
        const orderId = `STOP-${c}-${i}`;
        try {
          const r = await fetch(`${api}/api/checkouts`, {
            method: 'POST',
            headers: { authorization: `Bearer ${storefront}`, 'content-type': 'application/json' },
            body: JSON.stringify({ orderId, amount: { amount: 1000 + i, currency: 'JPY' }, reviewReturnUrl: 'https://shop.example/review', resultReturnUrl: 'https://shop.example/result' }),
          });
          await r.arrayBuffer();
          await (await fetch(`${api}/api/admin/orders/${orderId}`, { headers: { authorization: `Bearer ${viewer}` } })).arrayBuffer();
          answered += 1;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, c) => client(c));
    await waitFor(async () => answered >= 30, 60_000, 50);

    engine.child.kill('SIGINT');
    const code = await engine.exited;
    stopping = true;
    await Promise.all(clients);

    expect(engine.output()).not.toMatch(/Channel has been shut down|uncaught|unhandled/i);
    expect(code).toBe(0);
    expect(engine.output()).not.toContain(password);
    for (const port of [env.PORT, env.PGLITE_PORT, env.TEMPORAL_PORT, env.SIMULATOR_PORT].map(Number)) expect(await portOpen(port)).toBe(false);
  }, 360_000);
});

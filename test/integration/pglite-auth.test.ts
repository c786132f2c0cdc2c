/**
 * Issue 13 item 9: the embedded PostgreSQL refuses wrong credentials. Its password is generated
 * once into DATA_DIR (mode 0600) and connections authenticate with SCRAM-SHA-256; a wrong password,
 * another user, no password or a client that skips authentication get nothing.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { databaseUrl, startEmbeddedPostgres } from '../../lib/database';

const withCredentials = (url: string, user: string, password: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
};

async function connectError(url: string): Promise<string> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.end();
    return 'connected';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('embedded PostgreSQL authentication', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps a generated password in DATA_DIR (0600), the same across restarts, and the engine URL carries it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pglite-auth-'));
    dirs.push(dataDir);
    const file = path.join(dataDir, 'pglite-password');
    const pg = await startEmbeddedPostgres({ dataDir, port: 0 });
    const port = Number(new URL(pg.url).port);
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password).toMatch(/^[0-9a-f]{64}$/);
      const url = databaseUrl({ dataDir, database: { pglitePort: port } });
      expect(new URL(url).password).toBe(password);
      const c = new Client({ connectionString: url });
      await c.connect();
      expect((await c.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
      await c.end();
    } finally {
      await pg.stop();
    }
    const again = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect(new URL(again.url).password).toBe(readFileSync(file, 'utf8').trim());
      expect(await connectError(again.url)).toBe('connected');
    } finally {
      await again.stop();
    }
  });

  it('refuses a wrong password, another user and an empty password; the right one works', async () => {
    const pg = await startEmbeddedPostgres({ port: 0 });
    try {
      const right = new URL(pg.url).password;
      expect(await connectError(withCredentials(pg.url, 'postgres', 'postgres'))).toBe('28P01');
      // One character off (never the right password itself, whatever its last character is).
      const oneOff = `${right.slice(0, -1)}${right.endsWith('0') ? '1' : '0'}`;
      expect(await connectError(withCredentials(pg.url, 'postgres', oneOff))).toBe('28P01');
      expect(await connectError(withCredentials(pg.url, 'admin', right))).toBe('28P01');
      expect(await connectError(withCredentials(pg.url, 'postgres', ''))).not.toBe('connected');
      expect(await connectError(pg.url)).toBe('connected');
    } finally {
      await pg.stop();
    }
  });

  it('answers a client that skips authentication and sends a query with an error, never rows', async () => {
    const pg = await startEmbeddedPostgres({ port: 0 });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(pg.url).port) });
      await new Promise((r) => socket.once('connect', r));
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      const closed = new Promise((r) => socket.once('close', r));
      const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
      const startup = Buffer.alloc(8 + params.length);
      startup.writeInt32BE(startup.length, 0);
      startup.writeInt32BE(196608, 4);
      params.copy(startup, 8);
      const sql = Buffer.from("SELECT 'leaked'\0");
      const query = Buffer.alloc(5 + sql.length);
      query.write('Q', 0);
      query.writeInt32BE(4 + sql.length, 1);
      sql.copy(query, 5);
      socket.write(Buffer.concat([startup, query]));
      await closed;
      const all = Buffer.concat(received);
      expect(all[0]).toBe(0x52); // AuthenticationSASL first
      expect(all.readInt32BE(5)).toBe(10);
      expect(all.toString()).toContain('28P01');
      expect(all.toString()).not.toContain('leaked');
      expect(all.includes(Buffer.from([0x5a, 0, 0, 0, 5]))).toBe(false); // no ReadyForQuery
    } finally {
      await pg.stop();
    }
  });
});

/**
 * The embedded database under concurrency: many connections running parameterised queries and
 * transactions at once each get their own rows back, and a transaction sees no one else's writes.
 */
import net from 'node:net';
import { Client, Pool } from 'pg';
import { startEmbeddedPostgres } from '../../lib/database';

/** Frontend protocol messages, built by hand so a test controls exactly when each is sent. */
function msg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string) => Buffer.from(`${s}\0`);
const parse = (sql: string) => msg('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])]));
const bind = () => msg('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0, 0, 0, 0, 0])]));
const execute = () => msg('E', Buffer.concat([cstr(''), Buffer.from([0, 0, 0, 0])]));
const sync = () => msg('S', Buffer.alloc(0));

/** node-postgres's own SCRAM-SHA-256 client steps, so the raw connection authenticates like `pg` does. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sasl = require('pg/lib/crypto/sasl') as {
  startSession(mechanisms: string[]): { mechanism: string; response: string };
  continueSession(session: object, password: string, serverData: string): Promise<void>;
  finalizeSession(session: object, serverData: string): void;
};

/** A raw connection that has done the startup handshake (SCRAM with the URL's password) and collects the text of DataRows. */
async function rawConnection(url: string): Promise<{ socket: net.Socket; rows: string[]; ready: () => Promise<void> }> {
  const { port, password } = new URL(url);
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  await new Promise((r) => socket.once('connect', r));
  const rows: string[] = [];
  let buffer = Buffer.alloc(0);
  let readyCount = 0;
  let session: { mechanism: string; response: string } | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
      const len = 1 + buffer.readInt32BE(1);
      const m = buffer.subarray(0, len);
      buffer = buffer.subarray(len);
      if (m[0] === 0x52) {
        // Authentication: SASL (10), SASLContinue (11), SASLFinal (12), Ok (0).
        const code = m.readInt32BE(5);
        const data = m.subarray(9).toString();
        if (code === 10) {
          session = sasl.startSession(['SCRAM-SHA-256']);
          const size = Buffer.alloc(4);
          size.writeInt32BE(Buffer.byteLength(session.response), 0);
          socket.write(msg('p', Buffer.concat([cstr(session.mechanism), size, Buffer.from(session.response)])));
        } else if (code === 11) {
          const s = session!;
          void sasl.continueSession(s, decodeURIComponent(password), data).then(() => socket.write(msg('p', Buffer.from(s.response))));
        } else if (code === 12) sasl.finalizeSession(session!, data);
      }
      if (m[0] === 0x44) rows.push(m.subarray(11, 11 + m.readInt32BE(7)).toString()); // DataRow, first column
      if (m[0] === 0x5a) readyCount += 1; // ReadyForQuery
    }
  });
  const params = Buffer.concat([cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])]);
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  socket.write(startup);
  const waitReady = async (n: number) => {
    for (let i = 0; i < 200 && readyCount < n; i++) await new Promise((r) => setTimeout(r, 10));
    if (readyCount < n) throw new Error('no ReadyForQuery');
  };
  await waitReady(1);
  return { socket, rows, ready: () => waitReady(2) };
}

describe('embedded PostgreSQL (PGlite) served to several connections', () => {
  it("runs one connection's Parse/Bind/Execute as a unit even when another's arrive in between", async () => {
    const pg = await startEmbeddedPostgres({ port: 0 });
    const a = await rawConnection(pg.url);
    const b = await rawConnection(pg.url);
    try {
      a.socket.write(parse("SELECT 'from-a'"));
      await new Promise((r) => setTimeout(r, 50));
      b.socket.write(Buffer.concat([parse("SELECT 'from-b'"), bind(), execute(), sync()]));
      await b.ready();
      a.socket.write(Buffer.concat([bind(), execute(), sync()]));
      await a.ready();
      expect(a.rows).toEqual(['from-a']);
      expect(b.rows).toEqual(['from-b']);
    } finally {
      a.socket.destroy();
      b.socket.destroy();
      await pg.stop();
    }
  });

  it('never hands one connection the rows of another', async () => {
    const pg = await startEmbeddedPostgres({ port: 0 });
    const pool = new Pool({ connectionString: pg.url, max: 8 });
    try {
      await pool.query('CREATE TABLE t (id int primary key, label text)');
      await pool.query(`INSERT INTO t SELECT g, 'row-' || g FROM generate_series(1, 200) g`);
      const results = await Promise.all(
        Array.from({ length: 400 }, async (_, i) => {
          const id = (i % 200) + 1;
          const r = await pool.query<{ id: number; label: string }>('SELECT id, label FROM t WHERE id = $1', [id]);
          return r.rows[0]?.label === `row-${id}`;
        }),
      );
      expect(results.every(Boolean)).toBe(true);
    } finally {
      await pool.end();
      await pg.stop();
    }
  });

  it('keeps a transaction to itself until it ends, and rolls back one whose client vanished', async () => {
    const pg = await startEmbeddedPostgres({ port: 0 });
    const a = new Client({ connectionString: pg.url });
    const b = new Client({ connectionString: pg.url });
    await a.connect();
    await b.connect();
    try {
      await a.query('CREATE TABLE money (k text primary key, v int)');
      await a.query('BEGIN');
      await a.query(`INSERT INTO money VALUES ('x', 1)`);
      // b's query waits until a's transaction ends instead of running inside it.
      const seenByB = b.query<{ n: string }>('SELECT count(*) AS n FROM money');
      await a.query('ROLLBACK');
      expect((await seenByB).rows[0].n).toBe('0');

      const c = new Client({ connectionString: pg.url });
      await c.connect();
      await c.query('BEGIN');
      await c.query(`INSERT INTO money VALUES ('y', 2)`);
      (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      c.on('error', () => undefined);
      const after = await b.query<{ n: string }>('SELECT count(*) AS n FROM money');
      expect(after.rows[0].n).toBe('0');
    } finally {
      await a.end();
      await b.end();
      await pg.stop();
    }
  });
});

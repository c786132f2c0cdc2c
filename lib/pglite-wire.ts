/**
 * Serves one PGlite database over the PostgreSQL wire protocol to several client connections.
 *
 * PGlite is a single Postgres session. pglite-socket's server interleaves the *messages* of
 * different connections, so one connection's Parse/Bind/Execute can land between another's and
 * a client can receive another client's rows (we saw exactly that under load). Here each
 * connection's messages are grouped into batches that end with Sync or a simple Query, a batch
 * runs as one unit, and while a transaction is open no other connection runs at all. Session
 * state (SET, named prepared statements) is still shared, which the engine never relies on.
 */
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** One mutex for the whole database: the connection holding it runs its batches alone. */
class SessionLock {
  private owner: symbol | undefined;
  private waiters: { id: symbol; resolve: () => void }[] = [];

  async acquire(id: symbol): Promise<void> {
    if (this.owner === id) return;
    if (this.owner === undefined) {
      this.owner = id;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push({ id, resolve }));
  }

  release(id: symbol): void {
    if (this.owner !== id) return;
    const next = this.waiters.shift();
    this.owner = next?.id;
    next?.resolve();
  }

  /** Drops a closed connection from the queue (and releases the lock if it held it). */
  forget(id: symbol): void {
    this.waiters = this.waiters.filter((w) => w.id !== id);
    this.release(id);
  }
}

export interface PgliteWireServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  stop(): Promise<void>;
}

export async function servePglite(db: PGlite, opts: { host: string; port: number; maxConnections?: number }): Promise<PgliteWireServer> {
  const lock = new SessionLock();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    if (sockets.size >= (opts.maxConnections ?? 64)) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    const id = Symbol('connection');
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let batch: Uint8Array[] = [];
    let chain = Promise.resolve();
    let closed = false;

    const run = async (messages: Uint8Array[]) => {
      await lock.acquire(id);
      try {
        for (const message of messages) {
          if (closed) break;
          await db.execProtocolRawStream(message, { onRawData: (data) => void (closed || socket.write(data)) });
        }
      } finally {
        if (db.closed || !db.isInTransaction()) lock.release(id);
      }
    };

    const onClose = () => {
      if (closed) return;
      closed = true;
      sockets.delete(socket);
      chain = chain.then(async () => {
        // A client that vanished inside a transaction must not leave it open for everyone else.
        if (!db.closed && db.isInTransaction()) {
          await lock.acquire(id);
          await db.exec('ROLLBACK').catch(() => undefined);
        }
        lock.forget(id);
      });
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N');
            buffer = buffer.subarray(8);
            continue;
          }
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          }
          started = true;
          const startup = new Uint8Array(message);
          chain = chain.then(() => run([startup]));
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0]);
        const message = new Uint8Array(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (type === 'X') {
          socket.end();
          return;
        }
        batch.push(message);
        if (type === 'S' || type === 'Q') {
          const messages = batch;
          batch = [];
          chain = chain.then(() => run(messages)).catch((err: unknown) => {
            socket.destroy(err instanceof Error ? err : new Error(String(err)));
          });
        }
      }
    });
    socket.on('close', onClose);
    socket.on('error', onClose);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

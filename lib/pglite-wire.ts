/**
 * Serves one PGlite database over the PostgreSQL wire protocol to several client connections.
 *
 * PGlite is a single Postgres session. pglite-socket's server interleaves the *messages* of
 * different connections, so one connection's Parse/Bind/Execute can land between another's and
 * a client can receive another client's rows (we saw exactly that under load). Here each
 * connection's messages are grouped into batches that end with Sync or a simple Query, a batch
 * runs as one unit, and while a transaction is open no other connection runs at all. Session
 * state (SET, named prepared statements) is still shared, which the engine never relies on.
 *
 * Every connection must authenticate with SCRAM-SHA-256 (what PostgreSQL itself defaults to, and what
 * node-postgres, Prisma's adapter and psql all speak) as the one configured user with its password:
 * the password never crosses the socket, not even in a hash a listener could replay, and the server
 * proves it knows the verifier too. The server keeps only the salted verifier, as PostgreSQL does.
 * No TLS (SSLRequest is answered "N"): the server is meant for loopback.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
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

const SCRAM_ITERATIONS = 4096;

/** The SCRAM-SHA-256 verifier of a password (RFC 5802/7677): what the server keeps instead of the password. */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

export function scramVerifier(password: string, salt = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramVerifier {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** The server side of one SCRAM-SHA-256 exchange; each step returns the reply to send, or an error for the client. */
class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** The client-first message (from SASLInitialResponse) → server-first message. */
  first(mechanism: string, message: string): string | Error {
    if (mechanism !== 'SCRAM-SHA-256') return new Error(`SASL mechanism ${mechanism.slice(0, 40)} is not supported`);
    const m = /^([ny]),,(n=[^,]*,r=([!-+\--~]+))$/.exec(message);
    if (!m) return new Error('malformed SCRAM client-first message');
    this.clientFirstBare = m[2];
    this.nonce = m[3] + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    this.gs2 = `${m[1]},,`;
    return this.serverFirst;
  }

  private gs2 = '';

  /** The client-final message (from SASLResponse) → server-final message, or an error when the proof is wrong. */
  final(message: string): string | Error {
    const m = /^(c=([A-Za-z0-9+/=]+),r=([^,]+)),p=([A-Za-z0-9+/=]+)$/.exec(message);
    if (!m || Buffer.from(m[2], 'base64').toString() !== this.gs2 || m[3] !== this.nonce) return new Error('malformed SCRAM client-final message');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${m[1]}`;
    const proof = Buffer.from(m[4], 'base64');
    const signature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== signature.length) return new Error('wrong password');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i += 1) clientKey[i] = proof[i] ^ signature[i];
    if (!timingSafeEqual(createHash('sha256').update(clientKey).digest(), this.verifier.storedKey)) return new Error('wrong password');
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}

/** Backend messages of the authentication exchange. */
function backend(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
function authentication(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const c = Buffer.alloc(4);
  c.writeInt32BE(code, 0);
  return backend('R', Buffer.concat([c, data]));
}
function fatal(code: string, message: string): Buffer {
  const field = (t: string, v: string) => Buffer.from(`${t}${v}\0`, 'utf8');
  return backend('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]));
}

/** The startup message's parameters (user, database, …). */
function startupParameters(message: Uint8Array): Record<string, string> {
  const parts = Buffer.from(message.subarray(8)).toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}

export interface PgliteWireServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  stop(): Promise<void>;
}

export interface PgliteWireOptions {
  host: string;
  port: number;
  maxConnections?: number;
  /** The one user connections must authenticate as, and its password (SCRAM-SHA-256). */
  auth: { user: string; password: string };
}

export async function servePglite(db: PGlite, opts: PgliteWireOptions): Promise<PgliteWireServer> {
  const lock = new SessionLock();
  const verifier = scramVerifier(opts.auth.password);
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
    /** Set while the SCRAM exchange runs: the startup message waits here until the client has proved the password. */
    let pending: { startup: Uint8Array; user: string; scram: ScramExchange; step: 'first' | 'final' } | undefined;
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

    /** One message of the SCRAM exchange; false when the connection was refused (and is being closed). */
    const authenticate = (type: string, body: Buffer): boolean => {
      const p = pending!;
      const refuse = () => {
        socket.end(fatal('28P01', `password authentication failed for user "${p.user.slice(0, 63)}"`));
        pending = undefined;
        buffer = Buffer.alloc(0);
        return false;
      };
      if (type !== 'p') return refuse();
      if (p.step === 'first') {
        // SASLInitialResponse: mechanism name, then the length-prefixed client-first message.
        const end = body.indexOf(0);
        if (end < 0 || body.length < end + 5) return refuse();
        const mechanism = body.subarray(0, end).toString('latin1');
        const size = body.readInt32BE(end + 1);
        const reply = p.scram.first(mechanism, body.subarray(end + 5, end + 5 + Math.max(0, size)).toString('utf8'));
        if (reply instanceof Error) return refuse();
        p.step = 'final';
        socket.write(authentication(11, Buffer.from(reply, 'utf8'))); // AuthenticationSASLContinue
        return true;
      }
      const reply = p.scram.final(body.toString('utf8'));
      // The proof is checked first, so a wrong user learns nothing more than a wrong password.
      if (reply instanceof Error || p.user !== opts.auth.user) return refuse();
      socket.write(authentication(12, Buffer.from(reply, 'utf8'))); // AuthenticationSASLFinal
      const startup = p.startup;
      pending = undefined;
      // PGlite itself trusts the connection and answers AuthenticationOk, the parameters and ReadyForQuery.
      chain = chain.then(() => run([startup]));
      return true;
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
          const user = startupParameters(startup).user ?? '';
          pending = { startup, user, scram: new ScramExchange(verifier), step: 'first' };
          socket.write(authentication(10, Buffer.from('SCRAM-SHA-256\0\0', 'latin1'))); // AuthenticationSASL
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
        if (pending) {
          if (!authenticate(type, Buffer.from(message.subarray(5)))) return;
          continue;
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

/**
 * Start-up and shut-down of a process made of several parts: parts start in order, each
 * registering how to stop it; on failure or on SIGINT/SIGTERM they stop in reverse order, with a
 * deadline after which the process exits anyway, so nothing is left half-started.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import type { Logger } from './logger';

export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger, private readonly deadlineMs = 25_000) {}

  /** Registers a part's stop function; parts stop newest first. */
  onStop(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  async stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      const timer = setTimeout(() => {
        this.log.error(`shutdown took longer than ${this.deadlineMs / 1000}s, exiting anyway`);
        process.exit(1);
      }, this.deadlineMs);
      timer.unref();
      for (const part of this.stops.reverse()) {
        try {
          await part.stop();
          this.log.debug({ part: part.name }, 'stopped');
        } catch (err) {
          this.log.warn({ part: part.name, err: err instanceof Error ? err.message : String(err) }, 'error while stopping');
        }
      }
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  /**
   * Starts a process's parts: from now on SIGINT/SIGTERM stop them; if starting fails, the parts already started are
   * stopped (newest first) and the error is rethrown.
   */
  async start(startParts: () => Promise<void>): Promise<void> {
    this.handleSignals();
    try {
      await startParts();
    } catch (err) {
      await this.stopAll();
      throw err;
    }
  }

  /**
   * Stops everything on SIGINT/SIGTERM, then exits 0. Repeated signals (a terminal's Ctrl-C
   * reaches every process of the group, and tsx relays it once more) do not cut shutdown short.
   */
  handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopping) return;
      this.log.info({ signal }, 'stopping');
      void this.stopAll().then(() => process.exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

/**
 * One running stack per DATA_DIR: PGlite and the dev server's SQLite must not be opened twice.
 * A stale lock (its process gone) is taken over.
 */
export function lockDataDir(dataDir: string, lifecycle: Lifecycle): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'engine.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`DATA_DIR: ${dataDir} is in use by another running engine (pid ${pid}); stop it or choose another DATA_DIR`);
    }
  }
  writeFileSync(file, String(process.pid));
  lifecycle.onStop('data-dir lock', async () => rmSync(file, { force: true }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The message for a start-up failure: one line, no stack trace wall. */
export function describeStartupError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * Counts a gRPC connection's calls from start to final status, retries included, so a connection is closed only
 * once nothing uses it. Closing a Temporal client connection while a call waits in the SDK's retry back-off makes
 * the retry's timer throw "Channel has been shut down" outside any promise (an uncaught exception), which is what
 * Ctrl-C under load used to end with. Put {@link interceptor} first (outermost) in the connection's interceptors.
 */
export class InflightCalls {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  interceptor(): GrpcInterceptor {
    return (options, nextCall) => {
      const call = nextCall(options);
      const start = call.start.bind(call);
      call.start = (metadata, listener) => {
        this.count += 1;
        let done = false;
        const inner = (listener ?? {}) as { onReceiveMetadata?: (m: unknown) => void; onReceiveMessage?: (m: unknown) => void; onReceiveStatus?: (s: unknown) => void };
        start(metadata, {
          onReceiveMetadata: (m) => inner.onReceiveMetadata?.(m),
          onReceiveMessage: (m) => inner.onReceiveMessage?.(m),
          onReceiveStatus: (status) => {
            if (!done) {
              done = true;
              this.count -= 1;
              if (this.count === 0) for (const w of this.waiters.splice(0)) w();
            }
            inner.onReceiveStatus?.(status);
          },
        });
      };
      // nextCall's call is the InterceptingCall grpc-js made; its start is the only thing changed.
      return call as ReturnType<GrpcInterceptor>;
    };
  }

  /** Resolves true once no call is in flight, false if some still are after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }
}

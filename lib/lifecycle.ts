/**
 * Start-up and shut-down of a process made of several parts: parts start in order, each
 * registering how to stop it; on failure or on SIGINT/SIGTERM they stop in reverse order, with a
 * deadline after which the process exits anyway, so nothing is left half-started.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

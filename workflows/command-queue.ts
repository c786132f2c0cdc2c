// One command at a time, for the order and the subscription workflows: update handlers queue a command and wait for
// its stored result, the workflow's main loop runs the commands in order (never two Amazon calls of one workflow at
// once), a repeated key is answered with its first result instead of acting twice, and the results are carried over
// continue-as-new, which waits for the handlers still running.
import { allHandlersFinished, CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import { toUpdateFailure } from './failures';
import type { StoredResult } from './types';

/** A unit of work: its kind, the key its result is stored under, and for a caller's request its parameters' fingerprint. */
export interface QueuedCommand {
  kind: string;
  key: string;
  fingerprint?: string;
}

export interface CommandQueueOptions<K extends string> {
  /** Kinds nobody waits for (a notification's re-read, a period's charge): run, never answered. */
  unanswered: readonly K[];
  /** Kinds whose result stays once read, to answer a repeated request; without this every result stays. */
  kept?: readonly K[];
}

/** A timer behind a wait: its deadline (epoch ms), whether it has fired, and the scope that cancels it. */
interface Wake {
  at: number;
  fired: boolean;
  scope: CancellationScope;
}

export class CommandQueue<C extends QueuedCommand> {
  private readonly pending: C[] = [];
  private readonly queued = new Set<string>();
  private readonly results = new Map<string, StoredResult>();
  /** The parameters' fingerprint of each request queued or answered (a requestId reused with others is refused). */
  private readonly fingerprints = new Map<string, string>();
  private seq = 0;
  /** The one timer a steady wait keeps (see waitForCommand): its deadline, and whether it has fired. */
  private wake: Wake | undefined;
  /** The timers a keepLater wait keeps (see waitForCommand), none earlier than the deadline waited for. */
  private wakes: Wake[] = [];

  constructor(
    carried: ReadonlyArray<[string, StoredResult]>,
    private readonly options: CommandQueueOptions<C['kind']>,
  ) {
    for (const [k, v] of carried) {
      this.results.set(k, v);
      if (v.fingerprint !== undefined) this.fingerprints.set(k, v.fingerprint);
    }
  }

  /** A key of its own for a command that has none from the caller. */
  nextKey(kind: string): string {
    this.seq += 1;
    return `${kind}#${this.seq}`;
  }

  /** The key was queued or answered before. */
  known(key: string): boolean {
    return this.results.has(key) || this.queued.has(key);
  }

  /** The key's command has run and its result is kept. */
  answered(key: string): boolean {
    return this.results.has(key);
  }

  /**
   * Takes a command the workflow runs by itself (a recovery, docs/recovery.md) as request() takes a caller's: a request
   * of the same key waits for the result settled under it instead of running again, and one already queued is taken
   * off the queue (its caller is answered with that result).
   */
  take(cmd: C): void {
    const i = this.pending.findIndex((c) => c.key === cmd.key);
    if (i >= 0) this.pending.splice(i, 1);
    this.queued.add(cmd.key);
    if (cmd.fingerprint !== undefined) this.fingerprints.set(cmd.key, cmd.fingerprint);
  }

  /** The fingerprint a key was first taken with (undefined for a result kept before fingerprints were). */
  fingerprintOf(key: string): string | undefined {
    return this.fingerprints.get(key) ?? this.results.get(key)?.fingerprint;
  }

  /** Queues a command (once per key) and waits for its stored result: a repeated key never acts twice. */
  async request<T>(cmd: C): Promise<T> {
    if (!this.known(cmd.key)) {
      this.queued.add(cmd.key);
      if (cmd.fingerprint !== undefined) this.fingerprints.set(cmd.key, cmd.fingerprint);
      this.pending.push(cmd);
    }
    await condition(() => this.results.has(cmd.key));
    const r = this.results.get(cmd.key) as StoredResult;
    if (this.options.kept !== undefined && !this.options.kept.includes(cmd.kind)) this.results.delete(cmd.key);
    if (r.ok) return r.value as T;
    throw toUpdateFailure(r.code, r.message, r.details);
  }

  /** Queues a command nobody waits for. */
  enqueue(cmd: C): void {
    this.queued.add(cmd.key);
    this.pending.push(cmd);
  }

  /** The next command to run, taken off the queue. */
  next(): C | undefined {
    return this.pending.shift();
  }

  isEmpty(): boolean {
    return this.pending.length === 0;
  }

  /** A queued command matches. */
  some(match: (cmd: C) => boolean): boolean {
    return this.pending.some(match);
  }

  /** The first queued command that matches (still queued: the caller may update what it carries). */
  find(match: (cmd: C) => boolean): C | undefined {
    return this.pending.find(match);
  }

  /** The command has run: its result is stored for the caller (unless nobody waits for its kind). */
  settle(cmd: C, result: StoredResult): void {
    this.queued.delete(cmd.key);
    if (this.options.unanswered.includes(cmd.kind)) return;
    if (cmd.fingerprint !== undefined) this.fingerprints.set(cmd.key, cmd.fingerprint);
    this.results.set(cmd.key, cmd.fingerprint !== undefined ? { ...result, fingerprint: cmd.fingerprint } : result);
  }

  /** The workflow ends: the commands still queued are answered with this refusal instead of being left hanging. */
  refuseRest(refusal: StoredResult): void {
    for (const cmd of this.pending.splice(0)) {
      this.queued.delete(cmd.key);
      if (!this.options.unanswered.includes(cmd.kind)) this.results.set(cmd.key, refusal);
    }
  }

  /**
   * Waits for a command, or until `until` (epoch ms) when given. How the timers behind the wait are kept:
   * - `each`: one timer per wait, cancelled when a command comes first (runs before LEAN_ORDER).
   * - `steady` (LEAN_ORDER): the timer is kept across waits for the same deadline; it is cancelled and another
   *   started only when the deadline moves.
   * - `keepLater` (ORDER_V14): as steady, but a timer for a later deadline is kept while an earlier one is waited for
   *   (the deadline usually comes back: an authorization's expiry while a refund is polled). A timer earlier than
   *   the deadline is cancelled, so a wake is never early; every kept timer is cancelled when nothing is due.
   */
  async waitForCommand(until: number | undefined, mode: 'each' | 'steady' | 'keepLater'): Promise<void> {
    if (mode === 'each') {
      if (until === undefined) await condition(() => this.pending.length > 0);
      else await condition(() => this.pending.length > 0, Math.max(1, until - Date.now()));
      return;
    }
    if (mode === 'keepLater') {
      const stale = this.wakes.filter((w) => until === undefined || w.at < until);
      for (const w of stale) w.scope.cancel();
      this.wakes = this.wakes.filter((w) => !stale.includes(w));
      if (until !== undefined && !this.wakes.some((w) => w.at === until)) this.wakes.push(this.startWake(until));
      await condition(() => this.pending.length > 0 || this.wakes.some((w) => w.fired));
      this.wakes = this.wakes.filter((w) => !w.fired);
      return;
    }
    if (this.wake?.at !== until) {
      this.wake?.scope.cancel();
      this.wake = until === undefined ? undefined : this.startWake(until);
    }
    await condition(() => this.pending.length > 0 || this.wake?.fired === true);
    if (this.wake?.fired) this.wake = undefined;
  }

  private startWake(at: number): Wake {
    const scope = new CancellationScope();
    const wake: Wake = { at, fired: false, scope };
    scope
      .run(() => sleep(Math.max(1, at - Date.now())))
      .then(
        () => {
          wake.fired = true;
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
    return wake;
  }

  /**
   * Before continue-as-new: waits until every update handler has finished, but keeps serving (a handler waiting on a
   * queued command must not deadlock). True when the workflow may continue as new now, false when a command came first.
   */
  async handlersFinished(): Promise<boolean> {
    await condition(() => allHandlersFinished() || this.pending.length > 0);
    return this.pending.length === 0;
  }

  /** The newest results, for the next run. */
  carried(max: number): Array<[string, StoredResult]> {
    return [...this.results.entries()].slice(-max);
  }
}

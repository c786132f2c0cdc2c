/**
 * Readiness of the engine's dependencies, as `GET /readyz` reports it: the database answers,
 * every migration is applied, Temporal answers, and (when given) the namespace has what the
 * workflows need. Each check has a short deadline so a hung dependency makes the probe fail fast
 * instead of hanging it.
 */
import type { Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { migrationStatus, readMigrations } from './migrate';
import { withDeadline } from './deadline';

export interface Check {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: Check; migrations: Check; temporal: Check; namespace?: Check };
}

export interface ReadinessOptions {
  /** Resolves when the namespace exists with the workflows' search attributes, else throws saying what is missing. */
  namespace?: () => Promise<void>;
  /** When a Temporal call fails: what a plain connection meets (a TLS error, a refused port), instead of a deadline. */
  diagnose?: () => Promise<string | undefined>;
}

export interface ReadinessProbe {
  check(): Promise<Readiness>;
  close(): Promise<void>;
}

const DEADLINE_MS = 3_000;


const message = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : String(err));

export function createReadinessProbe(databaseUrl: string, temporal: Connection, opts: ReadinessOptions = {}): ReadinessProbe {
  const pool = new Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: DEADLINE_MS, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined); // a dropped idle connection is reported by the next check
  const migrations = readMigrations();

  async function checkDatabase(): Promise<{ database: Check; migrations: Check }> {
    let client;
    try {
      client = await withDeadline(pool.connect(), DEADLINE_MS, 'database');
    } catch (err) {
      return { database: { ok: false, detail: message(err) }, migrations: { ok: false, detail: 'database unreachable' } };
    }
    try {
      await withDeadline(client.query('SELECT 1'), DEADLINE_MS, 'database');
      const status = await withDeadline(migrationStatus(client, migrations), DEADLINE_MS, 'database');
      const problems = [...status.problems, ...(status.pending.length > 0 ? [`pending: ${status.pending.join(', ')}`] : [])];
      return { database: { ok: true }, migrations: problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') } };
    } catch (err) {
      return { database: { ok: false, detail: message(err) }, migrations: { ok: false, detail: 'database unreachable' } };
    } finally {
      client.release();
    }
  }

  // Calls still retrying inside the gRPC client must end before the connection may be closed.
  const inflight = new Set<Promise<unknown>>();

  /** Awaits a Temporal call within the deadline, keeping it in `inflight` until it has ended either way. */
  async function tracked(call: Promise<unknown>): Promise<void> {
    inflight.add(call);
    void call.then(
      () => inflight.delete(call),
      () => inflight.delete(call),
    );
    await withDeadline(call, DEADLINE_MS, 'Temporal');
  }

  async function checkTemporal(): Promise<Check> {
    try {
      await tracked(temporal.withDeadline(Date.now() + DEADLINE_MS, () => temporal.workflowService.getSystemInfo({})));
      return { ok: true };
    } catch (err) {
      const found = opts.diagnose ? await opts.diagnose().catch(() => undefined) : undefined;
      return { ok: false, detail: found ?? message(err) };
    }
  }

  async function checkNamespace(namespace: () => Promise<void>): Promise<Check> {
    try {
      await tracked(namespace());
      return { ok: true };
    } catch (err) {
      // The whole message: it ends with the commands that create what is missing.
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    async check() {
      const [db, temporalCheck] = await Promise.all([checkDatabase(), checkTemporal()]);
      const checks: Readiness['checks'] = { ...db, temporal: temporalCheck };
      if (opts.namespace) checks.namespace = temporalCheck.ok ? await checkNamespace(opts.namespace) : { ok: false, detail: 'Temporal unreachable' };
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    },
    async close() {
      await Promise.allSettled([...inflight]);
      await pool.end();
    },
  };
}

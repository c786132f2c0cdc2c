/**
 * The outbox relay (docs/events.md, Delivery): sends each pending `event_deliveries` row to its endpoint, signed,
 * in order per order and endpoint, and records what the endpoint answered.
 *
 * - Claimed with one UPDATE … FOR UPDATE SKIP LOCKED that sets a lease (locked_until): two relays never send one
 *   delivery at once, and a crashed relay's claim runs out so another takes the delivery over.
 * - Only the first pending delivery of each (endpoint, order) is claimable: "a delivery of an order's event waits while
 *   an earlier event of the same order is still pending for that endpoint". Delivered, refused, failed and canceled
 *   ones do not hold the later ones back.
 * - The answer decides (deliveryOutcome): 2xx delivered; 408, 429, 5xx, a timeout or an unreachable endpoint tried
 *   again with exponential backoff until giveUpAfterMs after the event was written, then failed; any other 4xx or a
 *   redirect (never followed) refused.
 * - At least once: a relay stopped or killed between the answer and the record sends it again; the shop deduplicates
 *   on the event id.
 */
import { eventDeliveries } from './metrics';
import { eventView } from './events';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signEvent } from './event-signature';
import { ENV_ENDPOINT_SOURCE } from './event-endpoints';
import type { SecretBox } from './secret-box';
import type { Logger } from './logger';
import type { Event, EventEndpoint, Prisma, PrismaClient } from '../prisma/generated/client';

export interface EventRelaySettings {
  /** How long an endpoint has to answer (docs/events.md: 10 s). */
  timeoutMs: number;
  /** The first retry's delay; each later one doubles (docs/events.md: 10 s). */
  initialBackoffMs: number;
  /** The longest delay between two tries (docs/events.md: 1 h). */
  maxBackoffMs: number;
  /** Tries end this long after the event was written (docs/events.md: 3 days); then the delivery is failed. */
  giveUpAfterMs: number;
  /** How long a claim holds a delivery; longer than timeoutMs, so a live relay's send never outlives its lease. */
  leaseMs: number;
  /** The most deliveries one relay claims at once and sends at once. */
  batch: number;
  /** How often an idle relay looks for due deliveries. */
  pollMs: number;
  /** How long stop() lets sends under way finish before cutting them (their deliveries are released, not counted). */
  stopTimeoutMs: number;
}

export const DEFAULT_RELAY_SETTINGS: EventRelaySettings = {
  timeoutMs: 10_000,
  initialBackoffMs: 10_000,
  maxBackoffMs: 3_600_000,
  giveUpAfterMs: 3 * 24 * 3_600_000,
  leaseMs: 120_000,
  batch: 8,
  pollMs: 500,
  stopTimeoutMs: 10_000,
};

export interface EventRelayDeps {
  prisma: PrismaClient;
  /** Opens the sealed secrets of endpoints made through the admin API. */
  secretBox: SecretBox;
  /** SHOP_WEBHOOK_SECRET, for the endpoint of source `env` (its URL is the endpoint row's: lib/event-endpoints.ts). */
  envEndpoint?: { url?: string; secret: { reveal(): string } };
  clock?: () => Date;
  log: Logger;
  fetch?: typeof fetch;
  /** [0, 1): the backoff's jitter. */
  random?: () => number;
  settings?: Partial<EventRelaySettings>;
}

export interface EventRelay {
  /** Starts the loop: polls every pollMs when idle, claims again at once when its claim was full or a send ended. */
  start(): void;
  /** Stops claiming and waits for the sends under way (at most stopTimeoutMs, then they are cut and released). */
  stop(): Promise<void>;
  /** One claim of up to `batch` due deliveries, each sent and recorded; answers how many were claimed (tests). */
  runOnce(): Promise<number>;
}

/** What an answer means (docs/events.md, Delivery): the one place the table is read. */
export type AnswerOutcome = 'delivered' | 'retry' | 'refused';

export function deliveryOutcome(answer: number | 'timeout' | 'unreachable'): AnswerOutcome {
  if (typeof answer !== 'number') return 'retry';
  if (answer >= 200 && answer < 300) return 'delivered';
  if (answer === 408 || answer === 429 || answer >= 500) return 'retry';
  return 'refused';
}

/** The delay before try `attempts + 1`: initial, doubling, capped, shortened by up to 10 % at random (never longer). */
export function backoffMs(attempts: number, s: Pick<EventRelaySettings, 'initialBackoffMs' | 'maxBackoffMs'>, random: () => number = Math.random): number {
  const base = Math.min(s.maxBackoffMs, s.initialBackoffMs * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
  return Math.round(base * (1 - 0.1 * random()));
}

const MAX_ERROR = 500;
const truncate = (text: string) => (text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text);

interface Claimed {
  id: bigint;
  eventRowId: bigint;
  endpointId: string;
  attempts: number;
  leaseUntil: Date;
}

/** How one send ended, before it is recorded. */
type SendResult =
  | { kind: 'answered'; status: number; error: string | null }
  | { kind: 'failed'; error: string }
  | { kind: 'not_sent'; error: string }
  | { kind: 'stopped' };

export function createEventRelay(deps: EventRelayDeps): EventRelay {
  const s: EventRelaySettings = { ...DEFAULT_RELAY_SETTINGS, ...deps.settings };
  for (const [name, value] of Object.entries(s)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`event relay: ${name} must be a positive number, got ${String(value)}`);
  }
  if (s.leaseMs <= s.timeoutMs) throw new Error(`event relay: leaseMs (${s.leaseMs}) must be longer than timeoutMs (${s.timeoutMs}), or another relay takes a delivery over while it is being sent`);
  const clock = deps.clock ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const random = deps.random ?? Math.random;
  const log = deps.log;
  const stopSignal = new AbortController();

  let running = false;
  let loop: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  /** A wake-up that came while the loop was not sleeping (during a claim): the next sleep returns at once. */
  let woken = false;
  const wakeUp = () => {
    if (wake) wake();
    else woken = true;
  };

  /** Claims up to `limit` due deliveries, each the first pending one of its endpoint and order (see the file comment). */
  async function claim(limit: number): Promise<Claimed[]> {
    const now = clock();
    const leaseUntil = new Date(now.getTime() + s.leaseMs);
    const nowText = now.toISOString();
    const rows = await deps.prisma.$queryRaw<Array<{ id: bigint; event_row_id: bigint; endpoint_id: string; attempts: number }>>`
      UPDATE event_deliveries d SET locked_until = ${leaseUntil.toISOString()}::timestamptz
      WHERE d.id IN (
        SELECT c.id FROM event_deliveries c
        JOIN event_endpoints ep ON ep.id = c.endpoint_id
        WHERE c.status = 'pending'
          AND c.next_attempt_at <= ${nowText}::timestamptz
          AND (c.locked_until IS NULL OR c.locked_until < ${nowText}::timestamptz)
          AND ep.enabled AND ep.deleted_at IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM event_deliveries e
            WHERE e.endpoint_id = c.endpoint_id AND e.order_id = c.order_id AND e.status = 'pending' AND e.seq < c.seq
          )
        ORDER BY c.next_attempt_at, c.id
        LIMIT ${limit}
        FOR UPDATE OF c SKIP LOCKED
      )
      RETURNING d.id, d.event_row_id, d.endpoint_id, d.attempts`;
    return rows.map((r) => ({ id: BigInt(r.id), eventRowId: BigInt(r.event_row_id), endpointId: r.endpoint_id, attempts: Number(r.attempts), leaseUntil }));
  }

  /** The secrets to sign with, current first; throws (with a reason that names no secret) when one cannot be had. */
  function secretsOf(endpoint: EventEndpoint, now: Date): string[] {
    if (endpoint.source === ENV_ENDPOINT_SOURCE) {
      if (!deps.envEndpoint) throw new Error('SHOP_WEBHOOK_SECRET is not set on this worker process: set SHOP_WEBHOOK_URL and SHOP_WEBHOOK_SECRET alike on every process');
      return [deps.envEndpoint.secret.reveal()];
    }
    if (!endpoint.secretSealed) throw new Error('the endpoint has no secret');
    const secrets = [deps.secretBox.open(endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      secrets.push(deps.secretBox.open(endpoint.previousSecretSealed));
    }
    return secrets;
  }

  async function send(event: Event, endpoint: EventEndpoint, at: Date): Promise<SendResult> {
    let secrets: string[];
    try {
      secrets = secretsOf(endpoint, at);
    } catch (err) {
      return { kind: 'not_sent', error: `not sent, no secret to sign with: ${err instanceof Error ? err.message : String(err)}` };
    }
    const body = JSON.stringify(eventView(event));
    const headers = {
      'content-type': 'application/json',
      [EVENT_ID_HEADER]: event.eventId,
      [EVENT_TYPE_HEADER]: event.type,
      [SIGNATURE_HEADER]: signEvent(body, secrets, Math.floor(at.getTime() / 1000)),
    };
    try {
      // A redirect would send the signed event elsewhere: never followed, read as a refusal (docs/events.md).
      const res = await doFetch(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([AbortSignal.timeout(s.timeoutMs), stopSignal.signal]) });
      await res.body?.cancel().catch(() => undefined);
      const status = res.status;
      if (deliveryOutcome(status) === 'delivered') return { kind: 'answered', status, error: null };
      const location = status >= 300 && status < 400 ? res.headers.get('location') : null;
      return { kind: 'answered', status, error: `the endpoint answered HTTP ${status}${status >= 300 && status < 400 ? ` (a redirect${location ? ` to ${location}` : ''}, not followed)` : ''}` };
    } catch (err) {
      if (stopSignal.signal.aborted) return { kind: 'stopped' };
      // Read by shape, not instanceof: fetch's errors may come from another realm (a test's VM context).
      const e = (err ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return { kind: 'failed', error: `no answer within ${s.timeoutMs} ms` };
      return { kind: 'failed', error: `endpoint unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)}` };
    }
  }

  /** Sends one claimed delivery and records the outcome, if this relay still holds the claim. */
  async function deliver(c: Claimed, event: Event | undefined, endpoint: EventEndpoint | undefined): Promise<void> {
    const held = { id: c.id, status: 'pending', lockedUntil: c.leaseUntil };
    if (!event || !endpoint) {
      await deps.prisma.eventDelivery.updateMany({ where: held, data: { lockedUntil: null } });
      return;
    }
    const at = clock();
    const result = await send(event, endpoint, at);
    if (result.kind === 'stopped') {
      // Cut by stop(): nobody knows whether the endpoint got it; released for the next relay, not counted.
      await deps.prisma.eventDelivery.updateMany({ where: held, data: { lockedUntil: null } });
      return;
    }
    const now = clock();
    const attempts = c.attempts + 1;
    const tried = { attempts, lastAttemptAt: at, lockedUntil: null, lastStatusCode: result.kind === 'answered' ? result.status : null };
    const outcome = result.kind === 'answered' ? deliveryOutcome(result.status) : 'retry';
    const error = result.error;
    let recorded: 'delivered' | 'refused' | 'retried' | 'failed' | 'not_sent';
    let data: Prisma.EventDeliveryUpdateManyMutationInput;
    if (outcome === 'delivered') {
      recorded = 'delivered';
      data = { ...tried, status: 'delivered', deliveredAt: now, lastError: null };
    } else if (outcome === 'refused') {
      recorded = 'refused';
      data = { ...tried, status: 'refused', lastError: error && truncate(error) };
    } else {
      const giveUpAt = event.createdAt.getTime() + s.giveUpAfterMs;
      if (now.getTime() >= giveUpAt) {
        recorded = 'failed';
        data = { ...tried, status: 'failed', lastError: error && truncate(`${error}; gave up ${Math.round(s.giveUpAfterMs / 3_600_000)} h after the event was written`) };
      } else {
        recorded = result.kind === 'not_sent' ? 'not_sent' : 'retried';
        const next = Math.min(now.getTime() + backoffMs(attempts, s, random), giveUpAt);
        data = { ...tried, nextAttemptAt: new Date(next), lastError: error && truncate(error) };
      }
    }
    const { count } = await deps.prisma.eventDelivery.updateMany({ where: held, data });
    eventDeliveries.inc({ outcome: recorded });
    const context = { deliveryId: String(c.id), eventId: event.eventId, type: event.type, orderId: event.orderId, seq: event.seq, endpointId: endpoint.id, attempts, status: tried.lastStatusCode };
    if (count === 0) log.warn(context, 'event delivery outcome not recorded: the claim ran out or the delivery was canceled meanwhile');
    else if (recorded === 'delivered') log.debug(context, 'event delivered');
    else if (recorded === 'retried' || recorded === 'not_sent') log.info({ ...context, error }, 'event delivery will be tried again');
    else log.warn({ ...context, error }, `event delivery ${recorded}`);
  }

  /** Starts the sends of claimed deliveries (events and endpoints read in two queries); each promise records its outcome. */
  async function startSends(claimed: Claimed[]): Promise<Promise<void>[]> {
    if (claimed.length === 0) return [];
    const [events, endpoints] = await Promise.all([
      deps.prisma.event.findMany({ where: { id: { in: claimed.map((c) => c.eventRowId) } } }),
      deps.prisma.eventEndpoint.findMany({ where: { id: { in: [...new Set(claimed.map((c) => c.endpointId))] } } }),
    ]);
    return claimed.map((c) =>
      deliver(
        c,
        events.find((e) => e.id === c.eventRowId),
        endpoints.find((ep) => ep.id === c.endpointId),
      ).catch((err: unknown) => {
        // The database failed under the record: the claim runs out and the delivery is sent again (at least once).
        log.warn({ deliveryId: String(c.id), err: err instanceof Error ? err.message : String(err) }, 'event delivery outcome not recorded; it is sent again when its claim runs out');
      }),
    );
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim(s.batch);
    await Promise.all(await startSends(claimed));
    return claimed.length;
  }

  function sleep(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wake === done) wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      const free = s.batch - inFlight.size;
      if (free <= 0) {
        await Promise.race([...inFlight, sleep(s.pollMs)]);
        continue;
      }
      let claimed: Claimed[];
      let sends: Promise<void>[];
      try {
        claimed = await claim(free);
        sends = await startSends(claimed);
        failures = 0;
      } catch (err) {
        failures += 1;
        const delay = Math.min(30_000, s.pollMs * 2 ** Math.min(failures, 10));
        log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'event relay could not claim deliveries');
        await sleep(delay);
        continue;
      }
      for (const p of sends) {
        const tracked: Promise<void> = p.finally(() => {
          inFlight.delete(tracked);
          // An order's next event may be due now: look again at once.
          wakeUp();
        });
        inFlight.add(tracked);
      }
      if (claimed.length < free && running) await sleep(s.pollMs);
    }
  }

  return {
    start() {
      if (running || stopSignal.signal.aborted) return;
      running = true;
      loop = run();
      log.info({ pollMs: s.pollMs, batch: s.batch, timeoutMs: s.timeoutMs }, 'event relay running');
    },
    async stop() {
      if (!loop) return;
      running = false;
      wakeUp();
      const bound = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
      const finished = await bound(loop.then(() => Promise.all(inFlight)), s.stopTimeoutMs);
      if (!finished) {
        log.warn({ inFlight: inFlight.size }, 'event relay stop: cutting the sends still under way (their deliveries are released)');
        stopSignal.abort();
        await bound(Promise.all(inFlight), 5_000);
      }
      stopSignal.abort();
      loop = undefined;
    },
    runOnce,
  };
}

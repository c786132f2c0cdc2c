// Transport faults injected per operation and count: HTTP 500/503/429, added latency, timeouts, commit-then-drop.
import { z } from 'zod';

export const OPERATIONS = [
  'createCheckoutSession',
  'getCheckoutSession',
  'updateCheckoutSession',
  'completeCheckoutSession',
  'getChargePermission',
  'updateChargePermission',
  'closeChargePermission',
  'createCharge',
  'getCharge',
  'captureCharge',
  'cancelCharge',
  'createRefund',
  'getRefund',
  'getBuyer',
  'getDispute',
  'deliveryTrackers',
] as const;

export const faultSchema = z.strictObject({
  /** SDK method name (createCharge, captureCharge, …) or '*' for every operation. */
  operation: z.string().refine((op) => op === '*' || (OPERATIONS as readonly string[]).includes(op), {
    message: `unknown operation; use '*' or one of ${OPERATIONS.join(', ')}`,
  }),
  kind: z.enum(['error', 'latency', 'timeout', 'commitThenDrop']),
  /** For `error`: 500 InternalServerError, 503 ServiceUnavailable or 429 TooManyRequests. */
  status: z.union([z.literal(500), z.literal(503), z.literal(429)]).optional(),
  /** For `latency`: delay before processing; for `timeout`: how long to hold the socket before destroying it (default 30 s). */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** How many matching requests the fault hits (default 1). */
  count: z.number().int().min(1).max(100_000).optional(),
});

export type FaultSpec = z.infer<typeof faultSchema>;

const KIND_ALIASES: Record<string, FaultSpec['kind']> = {
  error: 'error',
  http: 'error',
  status: 'error',
  latency: 'latency',
  delay: 'latency',
  slow: 'latency',
  timeout: 'timeout',
  hang: 'timeout',
  commitThenDrop: 'commitThenDrop',
  'commit-then-drop': 'commitThenDrop',
  commit_then_drop: 'commitThenDrop',
  drop: 'commitThenDrop',
  dropResponse: 'commitThenDrop',
};

/**
 * Accepts the documented shape plus common spellings (`type`/`mode` for kind, `commit-then-drop`,
 * `delayMs`/`ms` for latencyMs, `times` for count; a bare `status` means an HTTP error).
 */
export function normalizeFault(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const o: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const alias of ['type', 'mode', 'fault']) {
    if (o.kind === undefined && typeof o[alias] === 'string') o.kind = o[alias];
    delete o[alias];
  }
  if (o.kind === undefined && o.status !== undefined) o.kind = 'error';
  if (typeof o.kind === 'string' && KIND_ALIASES[o.kind] !== undefined) o.kind = KIND_ALIASES[o.kind];
  for (const alias of ['delayMs', 'ms', 'durationMs', 'timeoutMs']) {
    if (o.latencyMs === undefined && typeof o[alias] === 'number') o.latencyMs = o[alias];
    delete o[alias];
  }
  if (o.count === undefined && typeof o.times === 'number') o.count = o.times;
  delete o.times;
  if (o.operation === undefined || o.operation === 'all' || o.operation === 'any') o.operation = '*';
  // An SDK method name in any letter case; an unknown name would silently never match, so it is rejected.
  if (typeof o.operation === 'string' && o.operation !== '*') {
    const known = OPERATIONS.find((op) => op.toLowerCase() === (o.operation as string).trim().toLowerCase());
    o.operation = known ?? o.operation;
  }
  return o;
}

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}


export class FaultTable {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: this.nextId++, remaining: spec.count ?? 1 };
    this.faults.push(fault);
    return fault;
  }

  /** The first fault matching `operation`, consumed by one. */
  take(operation: string): ActiveFault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.operation === operation || f.operation === '*'));
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  list(): ActiveFault[] {
    return [...this.faults];
  }

  clear(): void {
    this.faults = [];
  }
}

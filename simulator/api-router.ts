// The Checkout API v2 endpoint (/live/v2, /sandbox/v2, /v2): signature check, routing, faults, idempotency, Amazon's errors.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import * as charges from './charge-ops';
import * as sessions from './checkout-session-ops';
import * as disputes from './dispute-ops';
import type { SimCore } from './core';
import { AmazonError, DECLINE_CODES } from './errors';
import type { FaultTable } from './faults';
import * as ids from './ids';
import type { ReleaseEnvironment } from './model';
import type { OpContext, OpResult } from './op-context';
import { headerValue, verifyRequest } from './signature';
import { sweep } from './transitions';

type Handler = (ctx: OpContext, id: string, body: unknown) => OpResult;

interface Route {
  method: string;
  pattern: RegExp;
  operation: string;
  handler: Handler;
  /** POST operations that must carry `x-amz-pay-idempotency-key`. */
  keyRequired?: boolean;
}

const ID = '([^/]+)';
const ROUTES: Route[] = [
  { method: 'POST', pattern: /^checkoutSessions$/, operation: 'createCheckoutSession', handler: (c, _id, b) => sessions.createCheckoutSession(c, b), keyRequired: true },
  { method: 'GET', pattern: new RegExp(`^checkoutSessions/${ID}$`), operation: 'getCheckoutSession', handler: (c, id) => sessions.getCheckoutSession(c, id) },
  { method: 'PATCH', pattern: new RegExp(`^checkoutSessions/${ID}$`), operation: 'updateCheckoutSession', handler: sessions.updateCheckoutSession },
  { method: 'POST', pattern: new RegExp(`^checkoutSessions/${ID}/complete$`), operation: 'completeCheckoutSession', handler: sessions.completeCheckoutSession },
  { method: 'GET', pattern: new RegExp(`^chargePermissions/${ID}$`), operation: 'getChargePermission', handler: (c, id) => charges.getChargePermission(c, id) },
  { method: 'PATCH', pattern: new RegExp(`^chargePermissions/${ID}$`), operation: 'updateChargePermission', handler: charges.updateChargePermission },
  { method: 'DELETE', pattern: new RegExp(`^chargePermissions/${ID}/close$`), operation: 'closeChargePermission', handler: charges.closeChargePermission },
  { method: 'POST', pattern: /^charges$/, operation: 'createCharge', handler: (c, _id, b) => charges.createCharge(c, b), keyRequired: true },
  { method: 'GET', pattern: new RegExp(`^charges/${ID}$`), operation: 'getCharge', handler: (c, id) => charges.getCharge(c, id) },
  { method: 'POST', pattern: new RegExp(`^charges/${ID}/capture$`), operation: 'captureCharge', handler: charges.captureCharge, keyRequired: true },
  { method: 'DELETE', pattern: new RegExp(`^charges/${ID}/cancel$`), operation: 'cancelCharge', handler: charges.cancelCharge },
  { method: 'POST', pattern: /^refunds$/, operation: 'createRefund', handler: (c, _id, b) => charges.createRefund(c, b), keyRequired: true },
  { method: 'GET', pattern: new RegExp(`^refunds/${ID}$`), operation: 'getRefund', handler: (c, id) => charges.getRefund(c, id) },
  { method: 'GET', pattern: new RegExp(`^buyers/${ID}$`), operation: 'getBuyer', handler: (c, id) => charges.getBuyer(c, id) },
  { method: 'GET', pattern: new RegExp(`^disputes/${ID}$`), operation: 'getDispute', handler: (c, id) => disputes.getDispute(c, id) },
  { method: 'POST', pattern: /^deliveryTrackers$/, operation: 'deliveryTrackers', handler: (c, _id, b) => disputes.createDeliveryTracker(c, b) },
];

/**
 * `[live/|sandbox/]v2/<resource>`, with one optional trailing slash: the .NET SDK ends every path
 * with `/`, and the Java SDK's getRefund asks for `refunds/{id}/`; Amazon serves both.
 */
export const API_PATH = /^\/(?:(live|sandbox)\/)?v2\/(.+?)\/?$/;

export interface ApiDeps {
  sim: SimCore;
  faults: FaultTable;
  log: Logger;
  /** Accepted x-amz-pay-host values. */
  hosts: () => string[];
  baseUrl: () => string;
  /** Timers of held (timeout-fault) requests, cleared on close. */
  held: Set<NodeJS.Timeout>;
}

const REGION: Record<string, string> = { us: 'na', na: 'na', de: 'eu', uk: 'eu', eu: 'eu', jp: 'jp' };

function environmentOf(publicKeyId: string, pathEnv: string | undefined): ReleaseEnvironment {
  const upper = publicKeyId.toUpperCase();
  if (upper.startsWith('SANDBOX')) return 'Sandbox';
  if (upper.startsWith('LIVE')) return 'Live';
  if (pathEnv === 'sandbox') return 'Sandbox';
  if (pathEnv === 'live') return 'Live';
  throw new AmazonError('InvalidRequest', 'The public key id is not environment specific: call /live/v2/... or /sandbox/v2/....');
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AmazonError('InvalidRequestFormat', 'The request body is not valid JSON.');
  }
}

/** JSON with object keys sorted at every level, so equal values hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sleep = (ms: number, held: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      held.delete(t);
      resolve();
    }, ms);
    held.add(t);
  });

export function createApiHandler(deps: ApiDeps) {
  const { sim, faults, log } = deps;
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = ids.requestId();
    res.setHeader('x-amz-pay-request-id', requestId);
    const url = new URL(req.originalUrl, 'https://simulator.invalid');
    const match = API_PATH.exec(url.pathname);
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result: OpResult;
    let dropAfterCommit = false;
    let operation = 'unknown';
    try {
      if (!match) throw new AmazonError('ResourceNotFound', 'No such resource.');
      const [, pathEnv, resource] = match;
      sweep(sim);
      const auth = verifyRequest(
        { method: req.method, path: url.pathname, rawQuery: url.search.replace(/^\?/, ''), headers: req.headers, body: raw },
        { hosts: deps.hosts(), nowMs: Date.now(), publicKeyPem: (id) => sim.merchants.get(id)?.publicKeyPem },
      );
      const merchant = sim.merchants.get(auth.publicKeyId);
      if (!merchant) throw new AmazonError('UnauthorizedAccess', 'Unknown public key id.');
      const env = environmentOf(auth.publicKeyId, pathEnv);
      const candidates = ROUTES.filter((r) => r.pattern.test(resource));
      if (candidates.length === 0) throw new AmazonError('ResourceNotFound', `The resource '${resource}' does not exist.`);
      const route = candidates.find((r) => r.method === req.method);
      if (!route) throw new AmazonError('UnsupportedOperation', `${req.method} is not supported on '${resource}'.`);
      operation = route.operation;
      const id = decodeURIComponent(route.pattern.exec(resource)?.[1] ?? '');

      const fault = faults.take(route.operation);
      if (fault?.kind === 'error') {
        const status = fault.status ?? 500;
        const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'InternalServerError';
        throw new AmazonError(code, `Simulated ${code}.`, status);
      }
      if (fault?.kind === 'timeout') {
        log.debug({ operation }, 'fault: holding request without answering');
        await sleep(fault.latencyMs ?? 30_000, deps.held);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 1_000, deps.held);
      dropAfterCommit = fault?.kind === 'commitThenDrop';

      const body = req.method === 'GET' ? {} : parseJson(raw);
      // Amazon enforces idempotency on POST only; on GET/PATCH/DELETE the header has no effect (docs/amazon-pay.md, Idempotency keys).
      // The header is still recorded (e.g. on the ledger's cancel entry) but neither checked nor stored there.
      const sentKey = headerValue(req.headers, 'x-amz-pay-idempotency-key');
      const key = req.method === 'POST' ? sentKey : undefined;
      if (key !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(key)) {
        throw new AmazonError('InvalidHeaderValue', 'x-amz-pay-idempotency-key must be 1-32 characters of a-z, A-Z, 0-9, - and _.');
      }
      if (route.keyRequired && (key === undefined || key === '')) {
        throw new AmazonError('MissingHeaderValue', 'The x-amz-pay-idempotency-key header is missing; it is required for this operation.');
      }
      const simulationCode = headerValue(req.headers, 'x-amz-pay-simulation-code');
      const region = REGION[(headerValue(req.headers, 'x-amz-pay-region') ?? '').toLowerCase()] ?? 'na';
      const ctx: OpContext = { sim, merchant, env, region, idempotencyKey: key ?? sentKey, simulationCode, baseUrl: deps.baseUrl() };
      sim.recordCall({ at: new Date(sim.clock.now()).toISOString(), merchantId: merchant.merchantId, publicKeyId: merchant.publicKeyId, operation: route.operation, objectId: id || null });

      const storeKey = req.method === 'POST' && key ? `${merchant.merchantId}|${env}|${key}` : undefined;
      // The request's values, not its bytes: the same JSON with its keys in another order is the same request.
      const hash = createHash('sha256').update(`${req.method} ${resource}\n${simulationCode ?? ''}\n`).update(canonicalJson(body)).digest('hex');
      const saved = storeKey === undefined ? undefined : sim.idempotency.get(storeKey);
      if (saved && saved.hash !== hash) {
        throw new AmazonError('DuplicateIdempotencyKey', `The idempotency key '${key}' was already used with a different request.`);
      }
      if (saved) {
        result = { status: saved.status, body: saved.body };
      } else {
        try {
          result = route.handler(ctx, id, body);
        } catch (err) {
          if (!(err instanceof AmazonError)) throw err;
          result = { status: err.status, body: err.body() };
          if (storeKey && DECLINE_CODES.has(err.reasonCode)) sim.idempotency.set(storeKey, { hash, status: result.status, body: result.body });
          throw err;
        }
        if (storeKey) sim.idempotency.set(storeKey, { hash, status: result.status, body: result.body });
        sim.dirty = true;
      }
    } catch (err) {
      if (err instanceof AmazonError) {
        result = { status: err.status, body: err.body() };
      } else {
        log.error({ err, operation }, 'simulator bug');
        result = { status: 500, body: { reasonCode: 'InternalServerError', message: 'Unexpected simulator error.' } };
      }
    }
    log.debug({ operation, method: req.method, path: url.pathname, status: result.status, requestId }, 'api call');
    if (dropAfterCommit) {
      log.debug({ operation }, 'fault: committed, dropping the response');
      req.socket.destroy();
      return;
    }
    res.status(result.status).type('application/json').send(JSON.stringify(result.body));
  };
}

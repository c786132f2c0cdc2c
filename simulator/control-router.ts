// The /__sim control API: merchants, ledger, reset, clock, delays, faults, IPN controls and the buyer steps as JSON.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { FAKE_BUYERS, findBuyer } from './buyers';
import { buyerApprove, buyerCancel, createSession } from './checkout-session-ops';
import { DEFAULT_DELAYS, ZERO_DELAYS, type SimCore } from './core';
import { disputeStateSchema, disputeView, openDisputeSchema, openDispute, setDisputeState } from './dispute-ops';
import { AmazonError } from './errors';
import { faultSchema, normalizeFault, type FaultTable } from './faults';
import * as ids from './ids';
import { ipnControlSchema, type IpnDispatcher } from './ipn';
import type { MerchantRecord, ReleaseEnvironment } from './model';
import { createCheckoutSessionSchema, validate } from './schemas';
import { verifyButtonSignature } from './signature';
import { simulationEffect } from './simulation-codes';
import { permissionBalance, setPermissionState, sweep } from './transitions';
import { permissionView } from './views';
import { createPublicKey } from 'node:crypto';

export interface ControlDeps {
  sim: SimCore;
  faults: FaultTable;
  ipn: IpnDispatcher;
  snsCertPem: string;
  allowRemoteControl: boolean;
  saveSnapshot: () => void;
}

const merchantSchema = z.strictObject({
  // Amazon's own ids look like A1B2C3D4E5F6G7 / SANDBOX-AH…, but tests register whatever ids they like:
  // anything printable without spaces or commas (a comma would break the authorization header).
  merchantId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'expected a merchant id (printable characters, no spaces)'),
  storeId: z.string().min(1).max(256),
  publicKeyId: z.string().regex(/^[A-Za-z0-9._:@+=/-]{1,128}$/, 'expected a public key id (letters, digits, - _ . : @ + = /)'),
  publicKeyPem: z.string().refine((pem) => {
    try {
      createPublicKey(pem);
      return true;
    } catch {
      return false;
    }
  }, 'expected a PEM public key'),
  notificationUrl: z.string().url().nullish(),
  ipnSignatureVersion: z.enum(['1', '2']).optional(),
  region: z.enum(['na', 'eu', 'jp']).optional(),
});

const buttonSchema = z.strictObject({
  /** The exact string the merchant signed; an object is accepted and JSON.stringify-ed as the SDK's generateButtonSignature does. */
  payloadJSON: z.preprocess((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v), z.string().min(2)),
  signature: z.string().min(1),
  publicKeyId: z.string().min(1),
  algorithm: z.enum(['AMZN-PAY-RSASSA-PSS', 'AMZN-PAY-RSASSA-PSS-V2']).nullish().transform((v) => v ?? undefined),
  /** For keys without a SANDBOX-/LIVE- prefix (checkout.js `sandbox` option); default true. */
  sandbox: z.boolean().nullish().transform((v) => v ?? undefined),
  buyerId: z.string().nullish().transform((v) => v ?? undefined),
});

/** null and '' mean "no code", like an absent field (scripts often send `{simulationCode: null}`). */
const permissionSimulationSchema = z.strictObject({
  /** Applied to the next createCharge calls on the permission (a transient code `simulationRepeat` times). */
  simulationCode: z.string().min(1),
  simulationRepeat: z.number().int().min(1).max(1000).optional(),
});

const permissionStateSchema = z.strictObject({
  state: z.enum(['Chargeable', 'NonChargeable', 'Closed']),
  /** e.g. PaymentMethodExpired (NonChargeable), BuyerCanceled or AmazonClosed (Closed). */
  reasonCode: z.string().min(1).max(64).optional(),
});

const approveSchema = z.strictObject({
  simulationCode: z.string().nullish().transform((v) => (v === null || v === undefined || v === '' ? undefined : v)),
  /** How many attempts a transient simulation code (SoftDeclined, TransactionTimedOut, ProcessingFailure) fails; default 1. */
  simulationRepeat: z.number().int().min(1).max(1000).nullish().transform((v) => v ?? undefined),
  buyerId: z.string().nullish().transform((v) => v ?? undefined),
});

const delaysSchema = z.strictObject({
  mode: z.enum(['zero', 'default']).optional(),
  pendingAuthorizationMs: z.number().int().min(0).optional(),
  pendingCaptureMs: z.number().int().min(0).optional(),
  refundMs: z.number().int().min(0).optional(),
});

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || (addr ?? '').startsWith('127.');
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AmazonError('InvalidParameterValue', `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

/** Verifies a button payload (payloadJSON byte-identical to what the merchant signed) and returns the merchant and body. */
export function verifyButton(sim: SimCore, input: { payloadJSON: string; signature: string; publicKeyId: string; algorithm?: string; sandbox?: boolean }) {
  const merchant = sim.merchants.get(input.publicKeyId);
  if (!merchant) throw new AmazonError('UnauthorizedAccess', `The public key id '${input.publicKeyId}' is not registered.`);
  if (!verifyButtonSignature(merchant.publicKeyPem, input.payloadJSON, input.signature, input.algorithm)) {
    throw new AmazonError('InvalidRequestSignature', 'Invalid Signature: the button signature does not match payloadJSON.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(input.payloadJSON);
  } catch {
    throw new AmazonError('InvalidRequestFormat', 'payloadJSON is not valid JSON.');
  }
  const upper = input.publicKeyId.toUpperCase();
  const env: ReleaseEnvironment = upper.startsWith('LIVE') ? 'Live' : upper.startsWith('SANDBOX') ? 'Sandbox' : input.sandbox === false ? 'Live' : 'Sandbox';
  return { merchant, env, payload };
}

export function checkoutFromButton(sim: SimCore, input: { payloadJSON: string; signature: string; publicKeyId: string; algorithm?: string; sandbox?: boolean }): string {
  const { merchant, env, payload } = verifyButton(sim, input);
  const body = validate(createCheckoutSessionSchema, payload);
  return createSession(sim, merchant, env, merchant.region, body).id;
}

export function createControlRouter(deps: ControlDeps): Router {
  const { sim, faults, ipn } = deps;
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/sns/:file', (_req, res) => {
    res.type('application/x-pem-file').send(deps.snsCertPem);
  });
  r.get('/sns/unsubscribe', (_req, res) => {
    res.type('text/xml').send('<UnsubscribeResponse><ResponseMetadata><RequestId>simulator</RequestId></ResponseMetadata></UnsubscribeResponse>');
  });

  r.use((req: Request, _res: Response, next: NextFunction) => {
    if (!deps.allowRemoteControl && !isLoopback(req.socket.remoteAddress)) {
      next(new AmazonError('UnauthorizedAccess', 'Simulator control endpoints answer loopback clients only.', 403));
      return;
    }
    sweep(sim);
    next();
  });

  r.post('/merchants', (req, res) => {
    const b = parse(merchantSchema, req.body);
    for (const [key, m] of sim.merchants) if (m.merchantId === b.merchantId && key !== b.publicKeyId && m.storeId !== b.storeId) sim.merchants.delete(key);
    const m: MerchantRecord = {
      merchantId: b.merchantId,
      storeId: b.storeId,
      publicKeyId: b.publicKeyId,
      publicKeyPem: b.publicKeyPem,
      notificationUrl: b.notificationUrl ?? undefined,
      ipnSignatureVersion: b.ipnSignatureVersion ?? '2',
      region: b.region ?? 'jp',
    };
    sim.merchants.set(m.publicKeyId, m);
    // Every key of this merchant shares its notification URL.
    for (const other of sim.merchants.values()) if (other.merchantId === m.merchantId) other.notificationUrl = m.notificationUrl;
    sim.dirty = true;
    res.status(201).json(m);
  });
  r.get('/merchants', (_req, res) => {
    res.json({ merchants: [...sim.merchants.values()] });
  });

  r.get('/ledger', (req, res) => {
    const q = req.query;
    const entries = sim.ledger.filter(
      (e) =>
        (typeof q.chargeId !== 'string' || e.chargeId === q.chargeId) &&
        (typeof q.merchantId !== 'string' || e.merchantId === q.merchantId) &&
        (typeof q.chargePermissionId !== 'string' || e.chargePermissionId === q.chargePermissionId),
    );
    res.json({ entries });
  });

  // Which merchant signed each call (newest last), optionally of one merchant or for one object.
  r.get('/calls', (req, res) => {
    const q = req.query;
    res.json({
      calls: sim.calls.filter((c) => (typeof q.merchantId !== 'string' || c.merchantId === q.merchantId) && (typeof q.objectId !== 'string' || c.objectId === q.objectId)),
    });
  });

  r.post('/reset', (req, res) => {
    const b = parse(z.object({ merchants: z.boolean().optional() }), req.body);
    sim.reset(b.merchants ?? false);
    faults.clear();
    ipn.reset();
    res.json({ ok: true });
  });

  r.get('/clock', (_req, res) => {
    res.json({ now: new Date(sim.now()).toISOString(), nowMs: sim.now(), offsetMs: sim.clock.offset, mode: sim.clock.mode });
  });
  r.post('/clock/advance', (req, res) => {
    // Whole milliseconds; a numeric string ("1000") or a fraction (rounded) is accepted too.
    const ms = z.preprocess((v) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), z.number().finite().min(0).max(10 * 365 * 24 * 3600 * 1000));
    const b = parse(z.strictObject({ ms }), req.body);
    sim.clock.advance(Math.round(b.ms));
    sim.dirty = true;
    const applied = sweep(sim);
    res.json({ now: new Date(sim.now()).toISOString(), nowMs: sim.now(), offsetMs: sim.clock.offset, transitions: applied });
  });

  r.get('/delays', (_req, res) => {
    res.json(sim.delays);
  });
  r.post('/delays', (req, res) => {
    const b = parse(delaysSchema, req.body);
    const base = b.mode === 'zero' ? ZERO_DELAYS : b.mode === 'default' ? DEFAULT_DELAYS : sim.delays;
    sim.delays = {
      pendingAuthorizationMs: b.pendingAuthorizationMs ?? base.pendingAuthorizationMs,
      pendingCaptureMs: b.pendingCaptureMs ?? base.pendingCaptureMs,
      refundMs: b.refundMs ?? base.refundMs,
    };
    res.json(sim.delays);
  });

  r.get('/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });
  r.post('/faults', (req, res) => {
    const body: unknown = req.body;
    const specs = Array.isArray(body) ? body : [body];
    const added = specs.map((s) => faults.add(parse(faultSchema, normalizeFault(s))));
    res.status(201).json({ faults: added });
  });
  r.delete('/faults', (_req, res) => {
    faults.clear();
    res.json({ faults: [] });
  });

  r.get('/ipn', (_req, res) => {
    res.json({ deliveries: ipn.deliveries });
  });
  r.post('/ipn/controls', (req, res) => {
    ipn.addControl(parse(ipnControlSchema, req.body));
    res.status(201).json({ ok: true });
  });
  r.delete('/ipn/controls', (_req, res) => {
    ipn.clearControls();
    res.json({ ok: true });
  });
  r.post('/ipn/flush', (_req, res) => {
    res.json({ sent: ipn.flush() });
  });

  r.get('/buyers', (_req, res) => {
    res.json({ buyers: FAKE_BUYERS });
  });
  r.post('/buyer/checkout', (req, res) => {
    const b = parse(buttonSchema, req.body);
    const checkoutSessionId = checkoutFromButton(sim, b);
    res.status(201).json({ checkoutSessionId });
  });
  r.post('/buyer/checkout-sessions/:id/approve', (req, res) => {
    const b = parse(approveSchema, req.body);
    if (b.buyerId !== undefined && !findBuyer(b.buyerId)) throw new AmazonError('InvalidParameterValue', `Unknown buyerId ${b.buyerId}; see GET /__sim/buyers.`);
    res.json(buyerApprove(sim, String(req.params.id), b));
  });
  r.post('/buyer/checkout-sessions/:id/cancel', (req, res) => {
    res.json(buyerCancel(sim, String(req.params.id)));
  });
  r.post('/buyer/signin', (req, res) => {
    const b = parse(buttonSchema, req.body);
    const { merchant, payload } = verifyButton(sim, b);
    const p = parse(z.object({ signInReturnUrl: z.string().url(), storeId: z.string() }).loose(), payload);
    if (p.storeId !== merchant.storeId) throw new AmazonError('InvalidParameterValue', `The value '${p.storeId}' provided for 'storeId' is invalid.`);
    const buyerId = b.buyerId ?? FAKE_BUYERS[0].buyerId;
    if (!findBuyer(buyerId)) throw new AmazonError('InvalidParameterValue', `Unknown buyerId ${buyerId}.`);
    const buyerToken = ids.buyerToken();
    sim.buyerTokens.set(buyerToken, { buyerId, merchantId: merchant.merchantId, createdAt: sim.now() });
    sim.dirty = true;
    const url = new URL(p.signInReturnUrl);
    url.searchParams.set('buyerToken', buyerToken);
    res.status(201).json({ buyerToken, redirectUrl: url.toString() });
  });

  // What Amazon or the buyer does to a (recurring) permission between charges.
  r.post('/charge-permissions/:id/simulation', (req, res) => {
    const b = parse(permissionSimulationSchema, req.body);
    const p = sim.permissions.get(String(req.params.id));
    if (!p) throw new AmazonError('ResourceNotFound', `No charge permission ${String(req.params.id)}.`);
    simulationEffect(b.simulationCode);
    p.simulationCode = b.simulationCode;
    p.simulationRemaining = b.simulationRepeat ?? 1;
    sim.dirty = true;
    res.json(permissionView(p, permissionBalance(sim, p)));
  });
  r.post('/charge-permissions/:id/state', (req, res) => {
    const b = parse(permissionStateSchema, req.body);
    const p = sim.permissions.get(String(req.params.id));
    if (!p) throw new AmazonError('ResourceNotFound', `No charge permission ${String(req.params.id)}.`);
    if (p.state === 'Closed') throw new AmazonError('InvalidChargePermissionStatus', 'The Charge Permission is Closed; it cannot change any more.');
    // Chargeable again means the buyer fixed the payment method: a decline simulated on the permission is over.
    if (b.state === 'Chargeable') {
      p.simulationCode = undefined;
      p.simulationRemaining = undefined;
    }
    setPermissionState(sim, p, b.state, sim.now(), b.reasonCode ?? (b.state === 'NonChargeable' ? 'PaymentMethodExpired' : b.state === 'Closed' ? 'BuyerCanceled' : undefined));
    sim.dirty = true;
    res.json(permissionView(p, permissionBalance(sim, p)));
  });

  r.post('/charges/:chargeId/disputes', (req, res) => {
    res.status(201).json(disputeView(openDispute(sim, String(req.params.chargeId), parse(openDisputeSchema, req.body))));
  });
  r.post('/disputes/:id/state', (req, res) => {
    res.json(disputeView(setDisputeState(sim, String(req.params.id), parse(disputeStateSchema, req.body))));
  });
  r.get('/disputes', (_req, res) => {
    res.json({ disputes: [...sim.disputes.values()].map(disputeView) });
  });
  r.get('/delivery-trackers', (req, res) => {
    const q = req.query;
    res.json({ deliveryTrackers: sim.deliveryTrackers.filter((d) => typeof q.chargePermissionId !== 'string' || d.chargePermissionId === q.chargePermissionId) });
  });

  r.post('/snapshot', (_req, res) => {
    deps.saveSnapshot();
    res.json({ ok: true });
  });

  r.use((_req: Request, res: Response) => {
    res.status(404).json({ reasonCode: 'ResourceNotFound', message: 'No such simulator control endpoint.' });
  });
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AmazonError) {
      res.status(err.status).json(err.body());
      return;
    }
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    res.status(status).json({ reasonCode: status === 400 ? 'InvalidRequestFormat' : 'InternalServerError', message: err instanceof Error ? err.message : 'error' });
  });
  return r;
}

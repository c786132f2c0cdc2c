// Test helpers: a simulator on port 0 with a temp data dir, a dev merchant, an SDK client and /__sim calls.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Secret, type AmazonPayConfig } from '../../lib/config';
import { createAmazonPayClient, type AmazonPayResponse, type WebStoreClient } from '../../lib/amazon-pay-client';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index';
import { loadOrCreateDevMerchant, registerMerchant, simRequest, type DevMerchant } from '../../simulator/dev-merchant';
import { useStarted } from '../helpers/hooks';

export interface TestSim {
  sim: RunningSimulator;
  merchant: DevMerchant;
  client: WebStoreClient;
  dataDir: string;
  control: <T = Record<string, unknown>>(method: string, pathname: string, body?: unknown) => Promise<{ status: number; data: T }>;
  stop: () => Promise<void>;
}

export function clientConfig(sim: RunningSimulator, m: { publicKeyId: string; privateKeyPem: string }, algorithm: AmazonPayConfig['algorithm'] = 'AMZN-PAY-RSASSA-PSS-V2'): AmazonPayConfig {
  return {
    endpoint: 'simulator',
    simulatorAddress: sim.address,
    region: 'jp',
    sandbox: true,
    merchantId: undefined,
    storeId: undefined,
    publicKeyId: m.publicKeyId,
    privateKey: new Secret(m.privateKeyPem),
    algorithm,
  };
}

export async function startTestSim(opts: Partial<SimulatorOptions> = {}, notificationUrl?: string): Promise<TestSim> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'amzn-sim-'));
  const sim = await startSimulator({ port: 0, dataDir, logLevel: 'silent', clock: 'manual', ...opts });
  const merchant = loadOrCreateDevMerchant(dataDir);
  await registerMerchant(sim, merchant, notificationUrl);
  const client = createAmazonPayClient(clientConfig(sim, merchant), { simulatorCaPem: sim.caCertPem });
  const t: TestSim = {
    sim,
    merchant,
    client,
    dataDir,
    // Reads t.sim at call time: a test may replace the simulator (restart).
    control: async <T,>(method: string, pathname: string, body?: unknown) => {
      const r = await simRequest(t.sim, method, pathname, body);
      return { status: r.status, data: r.data as T };
    },
    stop: async () => {
      await t.sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** The simulator for the tests of this file (see useStarted); `resetFaults` clears injected faults after each test. */
export function useTestSim(opts: Partial<SimulatorOptions> = {}, { resetFaults = false }: { resetFaults?: boolean } = {}): TestSim {
  const t = useStarted('simulator', () => startTestSim(opts), (sim) => sim.stop());
  if (resetFaults) {
    afterEach(async () => {
      await t.control('DELETE', '/__sim/faults');
    });
  }
  return t;
}

export const key = (): string => randomUUID().replace(/-/g, '');

export const yen = (amount: number) => ({ amount: String(amount), currencyCode: 'JPY' });

/** The SDK rejects with the axios error; this returns Amazon's status and body instead. */
export async function failure(p: Promise<AmazonPayResponse>): Promise<{ status: number; reasonCode: string; message: string }> {
  try {
    const r = await p;
    throw new Error(`expected a failure, got HTTP ${r.status} ${JSON.stringify(r.data)}`);
  } catch (err) {
    const e = err as { response?: { status: number; data: { reasonCode: string; message: string } } };
    if (!e.response) throw err;
    return { status: e.response.status, reasonCode: e.response.data.reasonCode, message: e.response.data.message };
  }
}

export interface StatusBody {
  state: string;
  reasonCode?: string | null;
  reasons?: { reasonCode: string }[] | null;
}
export interface PriceBody {
  amount: string;
  currencyCode: string;
}
export interface SessionBody {
  checkoutSessionId: string;
  chargePermissionId: string | null;
  chargeId: string | null;
  statusDetails: StatusBody;
  constraints: { constraintId: string }[];
  webCheckoutDetails: { amazonPayRedirectUrl: string | null };
  shippingAddress: { countryCode: string; stateOrRegion: string | null } | null;
  shippingAddressList: unknown;
  buyer: { buyerId: string; name: string } | null;
}
export interface PermissionBody {
  chargePermissionId: string;
  chargePermissionType: string;
  statusDetails: StatusBody;
  limits: { amountLimit: PriceBody; amountBalance: PriceBody } | null;
}
export interface ChargeBody {
  chargeId: string;
  chargePermissionId: string;
  chargeAmount: PriceBody;
  captureAmount: PriceBody | null;
  refundedAmount: PriceBody | null;
  statusDetails: StatusBody;
}
export interface RefundBody {
  refundId: string;
  chargeId: string;
  refundAmount: PriceBody;
  statusDetails: StatusBody;
}
export interface LedgerBody {
  type: string;
  status: string;
  amount: number;
  currency: string;
  chargeId: string;
  refundId: string | null;
  idempotencyKey: string | null;
  reasonCode: string | null;
}
type Json = Record<string, unknown>;

export const body = <T,>(r: AmazonPayResponse): T => r.data as T;

export interface CheckoutOptions {
  amount?: number;
  currencyCode?: string;
  intent?: 'Confirm' | 'Authorize' | 'AuthorizeWithCapture';
  simulationCode?: string;
  simulationRepeat?: number;
  canHandlePendingAuthorization?: boolean;
  chargePermissionType?: 'OneTime' | 'Recurring';
}

/** Button → buyer sign-in → shop update → buyer approval: a session ready for completeCheckoutSession. */
export async function readySession(t: TestSim, o: CheckoutOptions = {}): Promise<string> {
  const payload = {
    webCheckoutDetails: { checkoutReviewReturnUrl: 'https://shop.example/review', checkoutCancelUrl: 'https://shop.example/cancel' },
    storeId: t.merchant.storeId,
    scopes: ['name', 'email', 'shippingAddress', 'billingAddress'],
    ...(o.chargePermissionType ? { chargePermissionType: o.chargePermissionType } : {}),
    ...(o.chargePermissionType === 'Recurring' ? { recurringMetadata: { frequency: { unit: 'Month', value: '1' } } } : {}),
  };
  const payloadJSON = JSON.stringify(payload);
  const signature = t.client.generateButtonSignature(payloadJSON);
  const created = await t.control<{ checkoutSessionId: string }>('POST', '/__sim/buyer/checkout', { payloadJSON, signature, publicKeyId: t.merchant.publicKeyId });
  if (created.status !== 201) throw new Error(`button checkout failed: ${JSON.stringify(created.data)}`);
  const id = created.data.checkoutSessionId;
  const review = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, {});
  if (review.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(review.data)}`);
  await t.client.updateCheckoutSession(id, {
    webCheckoutDetails: { checkoutResultReturnUrl: 'https://shop.example/result' },
    paymentDetails: {
      paymentIntent: o.intent ?? 'Authorize',
      chargeAmount: { amount: String(o.amount ?? 1500), currencyCode: o.currencyCode ?? 'JPY' },
      canHandlePendingAuthorization: o.canHandlePendingAuthorization ?? false,
    },
  });
  const body: Json = {};
  if (o.simulationCode) body.simulationCode = o.simulationCode;
  if (o.simulationRepeat) body.simulationRepeat = o.simulationRepeat;
  const approve = await t.control<{ redirectUrl: string }>('POST', `/__sim/buyer/checkout-sessions/${id}/approve`, body);
  if (approve.status !== 200) throw new Error(`approval failed: ${JSON.stringify(approve.data)}`);
  return id;
}

/** A completed checkout; returns the session body (chargePermissionId, chargeId). */
export async function completedCheckout(t: TestSim, o: CheckoutOptions = {}): Promise<SessionBody> {
  const id = await readySession(t, o);
  const r = await t.client.completeCheckoutSession(id, { chargeAmount: { amount: String(o.amount ?? 1500), currencyCode: o.currencyCode ?? 'JPY' } });
  return r.data as SessionBody;
}

export async function ledger(t: TestSim, query = ''): Promise<LedgerBody[]> {
  const r = await t.control<{ entries: LedgerBody[] }>('GET', `/__sim/ledger${query}`);
  return r.data.entries;
}

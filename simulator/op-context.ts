// What every API operation receives (merchant, environment, headers) and returns, plus owned-record lookup.
import type { SimCore } from './core';
import { notFound } from './errors';
import type { MerchantRecord, ReleaseEnvironment } from './model';

export interface OpContext {
  sim: SimCore;
  merchant: MerchantRecord;
  env: ReleaseEnvironment;
  /** Normalised region (na/eu/jp) from `x-amz-pay-region`. */
  region: string;
  idempotencyKey?: string;
  /** `x-amz-pay-simulation-code`, honoured on sandbox requests only. */
  simulationCode?: string;
  /** https://host:port of the simulator, for amazonPayRedirectUrl. */
  baseUrl: string;
}

export interface OpResult {
  status: number;
  body: unknown;
}

interface Owned {
  merchantId: string;
  env: ReleaseEnvironment;
}

/** A record of this merchant and environment, else Amazon's 404 (other merchants' ids do not exist for you). */
export function owned<T extends Owned>(map: Map<string, T>, id: string, ctx: OpContext, what: string): T {
  const rec = map.get(id);
  if (!rec || rec.merchantId !== ctx.merchant.merchantId || rec.env !== ctx.env) throw notFound(what, id);
  return rec;
}

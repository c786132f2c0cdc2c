// Identifiers in Amazon's shapes: S03-/P03-/B03- permissions, -C/-R suffixes, UUID sessions, amzn1 buyer ids.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const REGION_DIGITS: Record<string, string> = { na: '01', us: '01', eu: '02', de: '02', uk: '02', jp: '03' };

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
  return out;
}

export { alnumUpper } from '../lib/dev-merchant';

/** `S03-1234567-1234567` (sandbox), `P03-…` (live) or `B03-…` (recurring). */
export function chargePermissionId(region: string, sandbox: boolean, recurring: boolean): string {
  const letter = recurring ? 'B' : sandbox ? 'S' : 'P';
  return `${letter}${REGION_DIGITS[region] ?? '01'}-${digits(7)}-${digits(7)}`;
}

export const chargeId = (permissionId: string): string => `${permissionId}-C${digits(6)}`;
export const refundId = (permissionId: string): string => `${permissionId}-R${digits(6)}`;
export const checkoutSessionId = (): string => randomUUID();
export const buyerToken = (): string => randomBytes(24).toString('base64url');
export const requestId = (): string => randomUUID();

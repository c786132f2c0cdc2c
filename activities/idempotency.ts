// Idempotency keys for Amazon's x-amz-pay-idempotency-key: derived from workflow id + action + requestId, never from the attempt.
import { createHash } from 'node:crypto';

export interface IdempotencyKeyParts {
  workflowId: string;
  /** complete, capture, createCharge, cancel, refund, reauthorize... */
  action: string;
  requestId: string;
  /**
   * Bumped only by the workflow after Amazon ANSWERED with a retryable decline, so the next try is
   * a new request; activity retries after a lost answer keep it and reuse the key.
   */
  declineRetry?: number;
}

/** A 32-character [A-Za-z0-9_-] key (Amazon's limit): base64url of SHA-256 over the parts. */
export function idempotencyKey(parts: IdempotencyKeyParts): string {
  const material = [parts.workflowId, parts.action, parts.requestId, String(parts.declineRetry ?? 0)].join('\u0000');
  return createHash('sha256').update(material).digest('base64url').slice(0, 32);
}

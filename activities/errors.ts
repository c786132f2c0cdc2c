// Turns whatever the SDK threw (axios error, network error, SDK exception) into a typed ApplicationFailure whose type is the reason code.
import { ApplicationFailure } from '@temporalio/common';
import { failureDetails } from '../lib/amazon-errors';

export type { AmazonFailureDetails } from '../lib/amazon-errors';

interface AxiosLikeError {
  response?: { status?: number; data?: unknown };
  code?: string;
  message?: string;
}

/** axios's own codes for requests that got no answer (the E* ones come from Node's sockets and DNS). */
const NETWORK_CODES = new Set(['ERR_NETWORK', 'ERR_CANCELED', 'ERR_BAD_RESPONSE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

function asAxiosLike(err: unknown): AxiosLikeError | undefined {
  return typeof err === 'object' && err !== null ? (err as AxiosLikeError) : undefined;
}

/** The reason code, HTTP status and Amazon message of an SDK error. */
export function classifyAmazonError(err: unknown): { code: string; httpStatus?: number; amazonMessage?: string } {
  const e = asAxiosLike(err);
  const response = e?.response;
  if (response && typeof response.status === 'number') {
    const data = typeof response.data === 'object' && response.data !== null ? (response.data as { reasonCode?: unknown; message?: unknown }) : {};
    const reasonCode = typeof data.reasonCode === 'string' && data.reasonCode !== '' ? data.reasonCode : undefined;
    const amazonMessage = typeof data.message === 'string' ? data.message : undefined;
    if (reasonCode) return { code: reasonCode, httpStatus: response.status, amazonMessage };
    // No reason code: fall back on the status, as Amazon's retry guidance does.
    const s = response.status;
    const code = s === 429 ? 'TooManyRequests' : s === 503 ? 'ServiceUnavailable' : s >= 500 || s === 408 || s === 425 ? 'InternalServerError' : 'InvalidRequest';
    return { code, httpStatus: s, amazonMessage };
  }
  // No response: a network error or timeout (axios sets err.code), or the SDK failed before sending
  // (it throws plain strings such as "Not a valid algorithm", or key errors from crypto).
  if (e && typeof e.code === 'string' && (/^E[A-Z0-9_]+$/.test(e.code) || NETWORK_CODES.has(e.code))) {
    return { code: 'NetworkError', amazonMessage: `${e.code}: ${e.message ?? ''}`.trim() };
  }
  const text = typeof err === 'string' ? err : e?.message;
  return { code: 'AmazonPaySDKClientException', amazonMessage: text };
}

/** The ApplicationFailure an activity throws for an SDK error: retryable only for transient codes. */
export function toApplicationFailure(err: unknown, operation: string): ApplicationFailure {
  const { code, httpStatus, amazonMessage } = classifyAmazonError(err);
  const details = failureDetails(code, operation, httpStatus, amazonMessage);
  return ApplicationFailure.create({
    type: code,
    message: `${operation}: ${code}${amazonMessage ? ` (${amazonMessage})` : ''}`,
    nonRetryable: details.retry !== 'transient',
    details: [details],
  });
}

/**
 * The API's error shape, `{error: {code, message, details?}}`, and the conversions into it from
 * validation failures (zod) and body-parser errors. Codes are stable and machine-readable;
 * messages are for people.
 */
import { ShopNotConfiguredError } from '../lib/amazon-pay-engine';
import { MerchantTakenError } from '../lib/merchant-credentials';
import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../lib/logger';
import { currencyRefusal } from '../lib/money';

export class ApiError extends Error {
  /** Headers the answer carries besides the error (e.g. the Deprecation of the request's shape). */
  headers: Record<string, string> = {};
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * 422 currency_mismatch where the API itself knows the currency to compare with (a subscription's, a recurring plan's
 * against its checkout's); an order's updates are checked by the order's workflow, by the same rule (lib/money.ts).
 */
export function currencyMismatchError(given: string, expected: string): ApiError | undefined {
  const why = currencyRefusal(given, expected);
  return why === undefined ? undefined : new ApiError(422, 'currency_mismatch', why, { currency: given, orderCurrency: expected });
}

export interface ErrorBody {
  /** `requestId` is the request's X-Request-Id: what a caller quotes so the details can be found in the logs. */
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function errorBody(code: string, message: string, details?: unknown, requestId?: string): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }), ...(requestId === undefined ? {} : { requestId }) } };
}

/** The request id api/app.ts gave this request (echoed in X-Request-Id). */
export function requestIdOf(res: Response): string | undefined {
  const id = res.get('x-request-id');
  return typeof id === 'string' ? id : undefined;
}

/** Zod issues as `[{path: "amount.currency", message}]`. */
export function validationDetails(err: ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * The answer to an error a request may meet on purpose (ApiError, validation, body-parser errors), or undefined for an
 * unknown failure. Used by the API's error handler and by the console, which calls the admin use-cases in-process.
 */
export function knownErrorAnswer(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } | undefined {
  if (err instanceof ApiError) return { status: err.status, body: errorBody(err.code, err.message, err.details), headers: err.headers };
  if (err instanceof ZodError) return { status: 400, body: errorBody('invalid_request', 'The request is not valid', validationDetails(err)) };
  // A shop without Amazon Pay credentials (lib/amazon-pay-engine.ts): it can take no payment until they are entered.
  if (err instanceof ShopNotConfiguredError) return { status: 409, body: errorBody(err.code, err.message) };
  // Each merchant is one shop's (lib/merchant-credentials.ts): nothing was written.
  if (err instanceof MerchantTakenError) return { status: 409, body: errorBody('merchant_taken', err.message, { field: err.field }) };
  const bp = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
  if (bp.type === 'entity.parse.failed') return { status: 400, body: errorBody('invalid_json', 'The request body is not valid JSON') };
  if (bp.type === 'entity.too.large' || bp.status === 413) return { status: 413, body: errorBody('payload_too_large', 'The request body is too large') };
  if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') return { status: 415, body: errorBody('unsupported_media_type', 'The request body encoding is not supported') };
  return undefined;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = knownErrorAnswer(err);
    if (known) {
      res.set(known.headers ?? {}).status(known.status).json(known.body);
      return;
    }
    // Unknown failures: the details go to the log only, the caller gets a fixed message and the id to quote.
    ((res.locals.log as Logger | undefined) ?? log).error({ err, method: req.method, path: req.path }, 'unhandled API error');
    if (res.headersSent) return;
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side; the request may be retried', undefined, requestIdOf(res)));
  };
}

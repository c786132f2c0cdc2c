/**
 * The API's error shape, `{error: {code, message, details?}}`, and the conversions into it from
 * validation failures (zod) and body-parser errors. Codes are stable and machine-readable;
 * messages are for people.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../lib/logger';

export class ApiError extends Error {
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

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof ApiError) {
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    if (err instanceof ZodError) {
      res.status(400).json(errorBody('invalid_request', 'The request is not valid', validationDetails(err)));
      return;
    }
    const bp = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
    if (bp.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('invalid_json', 'The request body is not valid JSON'));
      return;
    }
    if (bp.type === 'entity.too.large' || bp.status === 413) {
      res.status(413).json(errorBody('payload_too_large', 'The request body is too large'));
      return;
    }
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
      res.status(415).json(errorBody('unsupported_media_type', 'The request body encoding is not supported'));
      return;
    }
    // Unknown failures: the details go to the log only, the caller gets a fixed message and the id to quote.
    ((res.locals.log as Logger | undefined) ?? log).error({ err, method: req.method, path: req.path }, 'unhandled API error');
    if (res.headersSent) return;
    res.status(500).json(errorBody('internal_error', 'Something went wrong on our side; the request may be retried', undefined, requestIdOf(res)));
  };
}

// Amazon Pay's error model: reason codes, their HTTP statuses and the `{reasonCode, message}` body.

const STATUS_BY_CODE: Record<string, number> = {
  InvalidHeaderValue: 400,
  InvalidRequest: 400,
  InvalidParameterValue: 400,
  InvalidRequestFormat: 400,
  MissingHeader: 400,
  MissingHeaderValue: 400,
  MissingParameterValue: 400,
  UnrecognizedField: 400,
  InvalidSandboxSimulationSpecified: 400,
  DuplicateIdempotencyKey: 400,
  InvalidParameterCombination: 400,
  CurrencyMismatch: 400,
  InvalidAPIVersion: 400,
  UnauthorizedAccess: 401,
  InvalidAccountStatus: 403,
  InvalidRequestSignature: 403,
  InvalidAuthorizationToken: 403,
  ResourceNotFound: 404,
  UnsupportedOperation: 405,
  RequestNotSupported: 405,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
};

/** Every other documented code (state, amount and decline errors) is a 422. */
export function statusOf(reasonCode: string): number {
  return STATUS_BY_CODE[reasonCode] ?? 422;
}

/** Decline outcomes: the only error responses saved under an idempotency key (money was attempted). */
export const DECLINE_CODES = new Set([
  'SoftDeclined',
  'HardDeclined',
  'PaymentMethodNotAllowed',
  'AmazonRejected',
  'MFANotCompleted',
  'TransactionTimedOut',
  'ProcessingFailure',
  'CheckoutSessionCanceled',
]);

export class AmazonError extends Error {
  readonly status: number;
  constructor(
    readonly reasonCode: string,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'AmazonError';
    this.status = status ?? statusOf(reasonCode);
  }
  body(): { reasonCode: string; message: string } {
    return { reasonCode: this.reasonCode, message: this.message };
  }
}

export const notFound = (what: string, id: string): AmazonError =>
  new AmazonError('ResourceNotFound', `${what} with id ${id} was not found`);

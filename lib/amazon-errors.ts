// The one classifier of Amazon Pay reason codes (docs/amazon-pay.md, Errors): each code's kind, retry class, HTTP status,
// log channel and buyer (ja/en) and admin texts. Pure data and functions, no Node built-ins: the workflows, the activities
// and the API all import it, and every list they use (decline codes, retryable declines, the API's status per code) is
// derived from it, as stripe-node derives its error classes from one status/type table (src/Error.ts). It also reads
// what the SDK threw as a reason code (classifyAmazonError).

/**
 * How a failure is retried:
 * - `transient`: nothing happened at Amazon or the answer was lost; the activity is retried by
 *   Temporal with the SAME idempotency key (throttling, 5xx, network errors, timeouts).
 * - `decline`: Amazon answered with a decline worth another try; the workflow retries a bounded
 *   number of times with a FRESH idempotency key (the same key would replay the stored decline).
 * - `never`: hard errors; recorded and reported, never retried.
 */
export type RetryClass = 'transient' | 'decline' | 'never';

/**
 * What a code says happened, which decides how the API answers it:
 * - `decline`: the buyer's payment was refused; the buyer must act (402, the buyer's message).
 * - `amount`: the amount or currency does not fit (422).
 * - `state`: an Amazon object is not in a state that allows the call, or not ready for it (409).
 * - `unavailable`: Amazon could not be reached or was overloaded; try again later (503, the buyer's message).
 * - `general`: the request or the merchant's set-up is wrong, or Amazon failed in a way the buyer cannot fix (502).
 */
export type ErrorKind = 'decline' | 'amount' | 'state' | 'unavailable' | 'general';

/**
 * Where a code comes from: `call`, the reasonCode of a failed API call; `object`, a statusDetails.reasonCode (or a
 * constraint id) read from an Amazon object (a notification, polling, reconcile), never thrown by a call.
 */
export type ErrorOrigin = 'call' | 'object';

/** docs/product-rules.md, Recovery and logs: general API errors and payment errors are logged separately. */
export type LogChannel = 'api' | 'payment';

export interface Text {
  ja: string;
  en: string;
}

export interface CatalogEntry {
  kind: ErrorKind;
  retry: RetryClass;
  origin: ErrorOrigin;
  log: LogChannel;
  buyer: Text;
  admin: Text;
  /** The API's status for this code when it is not its kind's (KIND_HTTP_STATUS). */
  httpStatus?: number;
  /** The API's message for this code when it is not its kind's choice of the buyer's or admin's English text. */
  apiMessage?: string;
  /** Messages that differ when the code comes from a particular operation. */
  byOperation?: Partial<Record<'updateCheckoutSession' | 'completeCheckoutSession', { buyer: Text; admin?: Text }>>;
}

/** What every Amazon failure carries in `details[0]`, so the workflow and the API can show it without looking it up again. */
export interface AmazonFailureDetails {
  code: string;
  retry: RetryClass;
  httpStatus?: number;
  operation: string;
  buyerMessage: Text;
  adminMessage: Text;
  /** Amazon's own message (the "debug detail" of the history row). */
  amazonMessage?: string;
  log: LogChannel;
}

/** The API's HTTP status for each kind (stripe-node: 402 for a card error, and so on). */
export const KIND_HTTP_STATUS: Readonly<Record<ErrorKind, number>> = { decline: 402, amount: 422, state: 409, unavailable: 503, general: 502 };

/** Kinds whose API message is the buyer's text (the caller shows it to the buyer); the others answer with the admin's. */
const BUYER_FACING: ReadonlySet<ErrorKind> = new Set(['decline', 'unavailable']);

const TECHNICAL: Text = { ja: '技術的なエラーが発生しました。', en: 'A technical error occurred.' };
const INTERNAL: Text = {
  ja: '内部処理エラー。取引を処理できませんでした。もう一度お試しください。',
  en: 'Internal processing error. The transaction could not be processed. Please try again.',
};
const DECLINED: Text = {
  ja: 'お支払い方法は拒否されました。別の支払い方法を選択してもう一度お試しください。',
  en: 'Your payment method was declined. Please choose another payment method and try again.',
};
const SESSION_EXPIRED_COMPLETE: Text = {
  ja: 'セッションは期限切れです。注文処理を最初からやり直してください。',
  en: 'Your session has expired. Please start the order again from the beginning.',
};
const ORDER_CANCELED: Text = { ja: 'ご注文はキャンセルされました。', en: 'Your order was canceled.' };
const PAYMENT_CLOSED: Text = { ja: 'ご注文のお支払いは終了しました。', en: 'The payment for your order is closed.' };
const INVALID_STATE_ADMIN: Text = {
  ja: '取引のステータスにより、実行しようとした処理が無効です。',
  en: 'The operation is not valid in the current state of the transaction.',
};

/** A failed call's code that is about a payment (logged with payments). */
function payment(kind: ErrorKind, buyer: Text, admin: Text, retry: RetryClass = 'never'): CatalogEntry {
  return { kind, retry, origin: 'call', log: 'payment', buyer, admin };
}

/** A status reason or constraint read from an Amazon object: logged with payments, never retried. */
function status(kind: ErrorKind, buyer: Text, admin: Text): CatalogEntry {
  return { kind, retry: 'never', origin: 'object', log: 'payment', buyer, admin };
}

/** A general API error: logged to the API channel, technical message for the buyer. */
function general(admin: string): CatalogEntry {
  return { kind: 'general', retry: 'never', origin: 'call', log: 'api', buyer: TECHNICAL, admin: same(admin) };
}

/** One text in both languages (the admin texts of general errors are Amazon's own English). */
function same(text: string): Text {
  return { ja: text, en: text };
}

/** Amazon unreachable or overloaded: retried by the activity with the same idempotency key. */
function unavailable(admin: Text, buyer: Text = TECHNICAL): CatalogEntry {
  return { kind: 'unavailable', retry: 'transient', origin: 'call', log: 'api', buyer, admin };
}

export const ERROR_CATALOG = {
  // --- General errors (docs/amazon-pay.md, Errors; logged as API errors) ---
  InvalidParameterValue: general('A parameter value is invalid.'),
  InvalidHeaderValue: general('A header value is invalid.'),
  InvalidRequestFormat: general('The request body is not valid JSON or not in the expected format.'),
  InvalidRequest: general('The request is invalid.'),
  MissingHeaderValue: general('A required header value is missing.'),
  MissingHeader: general('A required header is missing.'),
  MissingParameterValue: general('A required parameter is missing.'),
  UnrecognizedField: general('The request contains a field Amazon does not recognise.'),
  DuplicateIdempotencyKey: general('The idempotency key was already used with a different request.'),
  CurrencyMismatch: {
    kind: 'amount',
    retry: 'never',
    origin: 'call',
    log: 'api',
    buyer: TECHNICAL,
    admin: { ja: '購入手続きを始めた時の通貨は取引完了する動作に使った通貨と異なります。', en: 'The currency differs from the one used when checkout started.' },
    byOperation: { completeCheckoutSession: { buyer: INTERNAL } },
  },
  UnauthorizedAccess: general('The merchant is not authorised for this call: check the keys and the environment.'),
  InvalidAccountStatus: general('The merchant account is not in a state that allows this call.'),
  InvalidRequestSignature: general('Amazon could not verify the request signature: check the private key and public key id.'),
  ResourceNotFound: {
    kind: 'general',
    retry: 'never',
    origin: 'call',
    log: 'api',
    httpStatus: 410,
    apiMessage: 'Amazon Pay does not know this object: it expired, or it belongs to another merchant',
    buyer: TECHNICAL,
    admin: { ja: '「Checkout Session」を使った時から30日間が立っている。どの動作を行っていてもこのエラーが返却されます。', en: 'The object does not exist, or 30 days have passed since the checkout session was used; every call now fails.' },
    byOperation: {
      updateCheckoutSession: {
        buyer: { ja: 'セッション期限切れです。注文処理を最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。', en: 'Your session has expired. Please start the order again. We apologise for the inconvenience.' },
      },
      completeCheckoutSession: { buyer: SESSION_EXPIRED_COMPLETE },
    },
  },
  RequestNotSupported: general('The request is not supported.'),
  UnsupportedOperation: general('The operation is not supported.'),
  InternalServerError: unavailable(same('Amazon Pay had an internal server error; retried with backoff.')),
  TooManyRequests: unavailable(same('Amazon Pay throttled the request; retried with backoff.')),
  ServiceUnavailable: unavailable(
    { ja: 'Amazon Pay が一時的に利用できません。', en: 'Amazon Pay is temporarily unavailable; retried with backoff.' },
    { ja: 'Amazonのサーバーに技術的な問題が発生しています。もう一度お試しください。', en: "Amazon's servers are having technical problems. Please try again." },
  ),
  AmazonPaySDKClientException: {
    kind: 'general',
    retry: 'never',
    origin: 'call',
    log: 'api',
    buyer: { ja: 'Amazon Payの設定に問題があります。管理画面から再確認した上でもう一度お試しください。', en: 'There is a problem with the Amazon Pay settings. Please check them in the admin screen and try again.' },
    admin: { ja: 'SDK がリクエストを作成できませんでした(設定を確認してください)。', en: 'The SDK could not build or sign the request: check the Amazon Pay settings.' },
  },
  NetworkError: unavailable(same('Amazon Pay could not be reached or did not answer in time; retried with the same idempotency key.')),
  InvalidSandboxSimulationSpecified: general('The sandbox simulation code is not valid for this call.'),
  InvalidParameterCombination: general('The request combines parameters that cannot go together.'),
  InvalidAPIVersion: general('The API version is not valid.'),
  InvalidAuthentication: general('The request could not be authenticated.'),
  InvalidAuthorizationToken: general('The authorization token is not valid.'),

  // --- Updating a checkout session; the *NotSet codes are an Open session's constraint ids (a request the engine built
  // without them is the engine's fault: a technical error for the buyer) ---
  InvalidCheckoutSessionStatus: {
    kind: 'state',
    retry: 'never',
    origin: 'call',
    log: 'payment',
    buyer: INTERNAL,
    admin: INVALID_STATE_ADMIN,
    byOperation: {
      updateCheckoutSession: {
        buyer: { ja: '注文処理をできない状態になっています。注文手続きを最初からやり直してください。ご不便をおかけしてしまい申し訳ございません。', en: 'The order can no longer be processed. Please start the order again. We apologise for the inconvenience.' },
      },
    },
  },
  CheckoutResultReturnUrlNotSet: status('general', TECHNICAL, { ja: 'checkoutResultReturnUrl が設定されていません。', en: 'The checkout session has no checkoutResultReturnUrl.' }),
  ChargeAmountNotSet: status('general', TECHNICAL, { ja: '請求金額が設定されていません。', en: 'The checkout session has no charge amount.' }),
  PaymentIntentNotSet: status('general', TECHNICAL, { ja: '処理区分が設定されていません。', en: 'The checkout session has no payment intent.' }),
  // A constraint of an Open checkout session, not a decline (docs/amazon-pay.md, Checkout session): the buyer has
  // not signed in or chosen a payment method yet. Nothing was refused, so no decline retry and no Declined order: it is
  // the session's state (409), and the buyer's next step is to choose a payment method at Amazon.
  BuyerNotAssociated: status(
    'state',
    { ja: 'Amazonアカウントからお支払い方法を選択してからもう一度お試しください。', en: 'Please choose a payment method in your Amazon account and try again.' },
    { ja: '購入者が支払い方法を選択していません。', en: 'No buyer or payment method is associated with the checkout session yet.' },
  ),

  // --- Completing a checkout session, charges and refunds ---
  CheckoutSessionCanceled: payment('decline',
    { ja: '選択された支払い方法に問題がありました。もう一度お試しください。', en: 'There was a problem with the selected payment method. Please try again.' },
    { ja: 'お支払い方法は拒否されたか、それとも処理中に取引はキャンセルされました。', en: 'The payment method was declined or the transaction was canceled during processing.' },
  ),
  TransactionAmountExceeded: payment('amount',
    { ja: '最高取引金額を超えています。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。', en: 'The maximum transaction amount was exceeded. If you changed your cart in another window or tab, close it and try again.' },
    { ja: '最高取引金額を超えています。', en: 'The transaction amount exceeds the allowed maximum.' },
  ),
  AmountMismatch: payment('amount',
    { ja: '取引金額が変更されました。別ウィンドウ・タブで商品追加や数量変更を行っていただければ、それらのウィンドウ・タブを閉じてからもう一度お試しください。', en: 'The transaction amount changed. If you changed your cart in another window or tab, close it and try again.' },
    { ja: '購入確定した時の金額は取引完了する動作に指定した金額と異なります。', en: 'The amount differs from the amount confirmed at checkout.' },
  ),
  InvalidChargeStatus: payment('state', INTERNAL, INVALID_STATE_ADMIN),
  InvalidChargePermissionStatus: payment('state', INTERNAL, INVALID_STATE_ADMIN),
  TransactionCountExceeded: payment('amount', INTERNAL, { ja: '取引回数の上限を超えています。', en: 'Too many transactions on this charge permission.' }),
  PeriodicAmountExceeded: payment('amount', INTERNAL, { ja: '期間内の取引金額の上限を超えています。', en: 'The amount allowed for this period is exceeded.' }),
  SoftDeclined: payment('decline',
    DECLINED,
    { ja: '支払いはソフトに却下されました。繰り返し再試行しても失敗する場合は、購入者に連絡して、別の支払い方法を選択してもらいます。', en: 'Soft decline. If retries keep failing, ask the buyer to choose another payment method.' },
    'decline',
  ),
  HardDeclined: payment('decline',
    DECLINED,
    { ja: '支払いは却下されました。再試行はできないため、購入者に連絡し別の支払い方法を選択してもらいます。', en: 'Declined. It cannot be retried: ask the buyer to choose another payment method.' },
  ),
  PaymentMethodNotAllowed: payment('decline',
    DECLINED,
    { ja: '購入者が選択した支払い方法は、この請求では許可されていません。', en: "The buyer's payment method is not allowed for this charge." },
  ),
  AmazonRejected: payment('decline',
    DECLINED,
    { ja: 'アマゾンが請求を拒否しました。関連する課金許可もキャンセルされません。', en: 'Amazon rejected the charge.' },
  ),
  MFANotCompleted: payment('decline',
    INTERNAL,
    { ja: 'このトランザクションを処理するには、購入者が多要素認証（MFA）を完了する必要があります。', en: 'The buyer must complete multi-factor authentication for this transaction.' },
  ),
  TransactionTimedOut: payment('decline',
    { ja: '取引はタイムアウトエラー、Amazonが注文を処理できませんでした。もう一度お試しください。ご不便をおかけしてしまい申し訳ございません。', en: 'The transaction timed out and Amazon could not process the order. Please try again. We apologise for the inconvenience.' },
    { ja: 'Amazonが承認を処理するのに十分な時間がなかったため、請求は拒否されました。', en: 'Amazon did not have enough time to authorize, so the charge was declined.' },
    'decline',
  ),
  ProcessingFailure: payment('decline',
    { ja: 'Amazonが注文を処理できませんでした。もう一度お試しください。ご不便をおかけしてしまい申し訳ございません。', en: 'Amazon could not process the order. Please try again. We apologise for the inconvenience.' },
    { ja: '内部処理エラーのため、Amazonは請求を処理できませんでした。充電許可が充電可能状態にある場合にのみ、充電を再試行する必要があります。', en: 'Amazon could not process the charge due to an internal error. Retry only while the charge permission is chargeable.' },
    'decline',
  ),

  // --- Status reasons: statusDetails.reasonCode of a Canceled or Declined charge, a Declined refund, a Canceled
  // checkout session, and the reasons of a NonChargeable or Closed charge permission (Amazon Pay API v2 object pages).
  // They come from reading an object (a notification, polling, reconcile), not from a failed call: never retried.
  MerchantCanceled: status('state',
    ORDER_CANCELED,
    { ja: '販売事業者(この管理画面またはAPI)がオーソリをキャンセルしました。', en: 'The merchant (this engine or its API) canceled the authorization.' },
  ),
  ExpiredUnused: status('state',
    { ja: 'お支払いの有効期限が切れました。もう一度ご注文手続きを行ってください。', en: 'Your payment authorization expired. Please place the order again.' },
    { ja: 'オーソリは30日以内に売上請求されなかったため期限切れになりました。請求するには購入者に再度お支払い手続きを依頼してください。', en: 'The authorization expired unused after 30 days without a capture; to charge, ask the buyer to pay again.' },
  ),
  AmazonCanceled: status('state',
    { ja: 'Amazonによりお取引がキャンセルされました。別のお支払い方法でもう一度お試しください。', en: 'Amazon canceled the transaction. Please try again with another payment method.' },
    { ja: 'Amazonが取引(オーソリ、支払い許可またはチェックアウト)をキャンセルしました。', en: 'Amazon canceled the transaction (charge, charge permission or checkout session).' },
  ),
  ChargePermissionCanceled: status('state',
    ORDER_CANCELED,
    { ja: '支払い許可(Charge Permission)が未処理のオーソリごとクローズされたため、オーソリもキャンセルされました。', en: 'The charge permission was closed with its pending charges canceled, which canceled this charge.' },
  ),
  BuyerCanceled: status('state',
    { ja: 'お支払い手続きはキャンセルされました。', en: 'The payment was canceled.' },
    { ja: '購入者がチェックアウトまたはAmazonアカウント上の支払い許可をキャンセルしました。', en: 'The buyer canceled the checkout, or the charge permission from their Amazon account.' },
  ),
  MerchantClosed: status('state',
    PAYMENT_CLOSED,
    { ja: '販売事業者が支払い許可(Charge Permission)をクローズしました。', en: 'The merchant closed the charge permission.' },
  ),
  AmazonClosed: status('state',
    PAYMENT_CLOSED,
    { ja: 'Amazonが支払い許可(Charge Permission)をクローズしました(全額の売上請求後など)。', en: 'Amazon closed the charge permission (for instance once the full amount was captured).' },
  ),
  Expired: status('state',
    { ja: 'お支払い手続きの有効期限が切れました。もう一度ご注文手続きを行ってください。', en: 'The payment session expired. Please place the order again.' },
    { ja: '期限切れです:チェックアウトセッションは24時間以内に完了されず、または支払い許可は有効期間(通常180日)を過ぎました。', en: 'Expired: the checkout session was not completed within 24 hours, or the charge permission outlived its validity (180 days for a one-time payment).' },
  ),
  Declined: status('decline', DECLINED, { ja: 'お支払い方法が拒否されたため、チェックアウトはキャンセルされました。', en: 'The checkout session was canceled because the payment method was declined.' }),
  MFAFailed: status('decline',
    { ja: '本人認証(多要素認証)が完了しませんでした。もう一度お試しいただくか、別のお支払い方法を選択してください。', en: 'Identity verification (multi-factor authentication) was not completed. Please try again or choose another payment method.' },
    { ja: '購入者が多要素認証(MFA)を完了しなかったため、請求できません。', en: 'The buyer did not complete multi-factor authentication, so the charge cannot proceed.' },
  ),
  PaymentMethodInvalid: status('decline', DECLINED, { ja: '購入者のお支払い方法が無効です。購入者に別のお支払い方法への変更を依頼してください。', en: "The buyer's payment method is invalid; ask the buyer to change it." }),
  PaymentMethodDeleted: status('decline', DECLINED, { ja: '購入者がお支払い方法を削除しました。購入者に別のお支払い方法の登録を依頼してください。', en: 'The buyer deleted the payment method; ask the buyer to set another one.' }),
  PaymentMethodExpired: status('decline', DECLINED, { ja: '購入者のお支払い方法(カード)の有効期限が切れています。購入者に更新を依頼してください。', en: "The buyer's payment method (card) has expired; ask the buyer to update it." }),
  PaymentMethodNotSet: status('state',
    { ja: 'お支払い方法が設定されていません。Amazonアカウントでお支払い方法を選択してください。', en: 'No payment method is set. Please choose one in your Amazon account.' },
    { ja: '支払い許可にお支払い方法が設定されていません。', en: 'The charge permission has no payment method set.' },
  ),
  BillingAddressDeleted: status('state',
    { ja: '請求先住所が削除されました。Amazonアカウントで請求先住所を登録してください。', en: 'The billing address was deleted. Please add one in your Amazon account.' },
    { ja: '購入者が請求先住所を削除したため、請求できません。', en: 'The buyer deleted the billing address, so the permission cannot be charged.' },
  ),
  ChargeInProgress: status('state',
    { ja: 'お支払いを処理中です。しばらくお待ちください。', en: 'Your payment is being processed. Please wait a moment.' },
    { ja: 'この支払い許可で別のオーソリを処理中です。完了後に再度請求できます。', en: 'Another charge is being processed on this charge permission; it can be charged again once that one finishes.' },
  ),
  RecurringFrequencyNotSet: status('general', TECHNICAL, { ja: '継続課金の頻度(recurringMetadata.frequency)が設定されていません。', en: 'The checkout session has no recurring frequency (recurringMetadata.frequency).' }),
  AmountNotSet: status('general', TECHNICAL, { ja: '金額が設定されていません。', en: 'No amount is set.' }),
} satisfies Record<string, CatalogEntry>;

export type CatalogCode = keyof typeof ERROR_CATALOG;

/** What a code Amazon gave that is not in the catalog (or no code at all) is taken for. */
export const UNKNOWN_ERROR: CatalogEntry = general('Unexpected error from Amazon Pay.');

export function isCatalogCode(code: string): code is CatalogCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code);
}

export function catalogEntry(code: string): CatalogEntry {
  return isCatalogCode(code) ? ERROR_CATALOG[code] : UNKNOWN_ERROR;
}

const ENTRIES = Object.entries(ERROR_CATALOG) as [CatalogCode, CatalogEntry][];
const codesWhere = (keep: (e: CatalogEntry) => boolean): ReadonlySet<string> => new Set(ENTRIES.filter(([, e]) => keep(e)).map(([code]) => code));

/** Codes of failed calls that end in a declined payment (the buyer must act), as opposed to request or state errors. */
export const DECLINE_CODES: ReadonlySet<string> = codesWhere((e) => e.kind === 'decline' && e.origin === 'call');

/** Declines worth another try with a fresh idempotency key (the workflow bounds how many). */
export const RETRYABLE_DECLINE_CODES: ReadonlySet<string> = codesWhere((e) => e.retry === 'decline');

/** Codes after which Amazon may or may not have acted: retried by the activity with the same idempotency key. */
export const TRANSIENT_CODES: ReadonlySet<string> = codesWhere((e) => e.retry === 'transient');

/** The codes of one kind. */
export function codesOfKind(kind: ErrorKind): ReadonlySet<string> {
  return codesWhere((e) => e.kind === kind);
}

/**
 * The admin text of a history row's message that is a reason code, or a comma-separated list of them (a cancel's
 * reason, a closed permission's reasons); undefined for any other text, which stays as written.
 */
export function reasonCodesText(message: string, lang: keyof Text = 'ja'): string | undefined {
  const codes = message.split(',').map((c) => c.trim());
  if (!codes.every((c) => isCatalogCode(c))) return undefined;
  return codes.map((c) => ERROR_CATALOG[c as CatalogCode].admin[lang]).join(' ');
}

/** Buyer and admin messages for a code, honouring per-operation wording. */
export function messagesFor(code: string, operation?: string): { buyer: Text; admin: Text; retry: RetryClass; log: LogChannel } {
  const entry = catalogEntry(code);
  const special = operation === 'updateCheckoutSession' || operation === 'completeCheckoutSession' ? entry.byOperation?.[operation] : undefined;
  return { buyer: special?.buyer ?? entry.buyer, admin: special?.admin ?? entry.admin, retry: entry.retry, log: entry.log };
}

/** The details an activity puts on the failure of an Amazon call: the catalog's reading of the code, for the operation really called. */
export function failureDetails(code: string, operation: string, httpStatus?: number, amazonMessage?: string): AmazonFailureDetails {
  const m = messagesFor(code, operation);
  return { code, retry: m.retry, httpStatus, operation, buyerMessage: m.buyer, adminMessage: m.admin, amazonMessage, log: m.log };
}

/** The failure details of `value` when it is an AmazonFailureDetails (what `details[0]` of an Amazon failure holds). */
export function asFailureDetails(value: unknown): AmazonFailureDetails | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const d = value as Partial<AmazonFailureDetails>;
  return typeof d.code === 'string' && d.buyerMessage !== undefined && d.adminMessage !== undefined ? (d as AmazonFailureDetails) : undefined;
}

// --- Reading what the SDK threw (axios error, network error, SDK exception) as a reason code ---

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

/** How the API answers a reason code: status, message, and the details (code, buyer's and admin's texts) for the caller. */
export interface ReasonAnswer {
  status: number;
  message: string;
  details: { reasonCode: string; buyerMessage: Text; adminMessage: Text };
}

/**
 * The API's answer for a reason code. `carried`: the texts the failure brought from the activity that met it (the
 * operation it really called); without them, the catalog's texts for the code.
 */
export function reasonAnswer(code: string, carried?: { buyer: Text; admin: Text }): ReasonAnswer {
  const entry = catalogEntry(code);
  const texts = carried ?? { buyer: entry.buyer, admin: entry.admin };
  // Never the failure's own text: it may carry what Amazon's SDK put in it (a signing string, a URL). It is logged.
  const message = entry.apiMessage ?? (BUYER_FACING.has(entry.kind) ? texts.buyer.en : texts.admin.en);
  return { status: entry.httpStatus ?? KIND_HTTP_STATUS[entry.kind], message, details: { reasonCode: code, buyerMessage: texts.buyer, adminMessage: texts.admin } };
}

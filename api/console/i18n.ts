// Console wording in Japanese (the WCEX manual's labels) and English, and money/date formatting.
export type Lang = 'ja' | 'en';

export const PAYMENT_STATUS_LABELS: Record<string, { ja: string; en: string }> = {
  CheckoutPending: { ja: '決済手続き中', en: 'Checkout pending' },
  AuthorizationPending: { ja: '与信(処理中)', en: 'Authorization pending' },
  Authorized: { ja: '与信', en: 'Authorized' },
  CapturePending: { ja: '売上計上(処理中)', en: 'Capture pending' },
  Captured: { ja: '売上計上', en: 'Captured' },
  Canceled: { ja: '取消', en: 'Canceled' },
  Declined: { ja: '与信拒否', en: 'Declined' },
  AuthorizationExpired: { ja: '与信期限切れ', en: 'Authorization expired' },
  RefundPending: { ja: '返金(処理中)', en: 'Refund pending' },
  Refunded: { ja: '返金済', en: 'Refunded' },
  RefundDeclined: { ja: '返金拒否', en: 'Refund declined' },
  Abandoned: { ja: '未完了(放棄)', en: 'Abandoned' },
  Recurring: { ja: '継続課金', en: 'Recurring' },
};

export const ORDER_STATUS_LABELS: Record<string, { ja: string; en: string }> = {
  New: { ja: '新規受付', en: 'New' },
  Backordered: { ja: '取り寄せ中', en: 'Backordered' },
  Shipped: { ja: '発送済み', en: 'Shipped' },
  Cancelled: { ja: 'キャンセル', en: 'Cancelled' },
};

export const HISTORY_KIND_LABELS: Record<string, { ja: string; en: string }> = {
  authorize: { ja: '与信', en: 'Authorize' },
  capture: { ja: '売上計上', en: 'Capture' },
  cancel: { ja: '取消', en: 'Cancel' },
  refund_started: { ja: '返金(受付)', en: 'Refund started' },
  refund: { ja: '返金', en: 'Refund' },
  expire: { ja: '与信期限切れ', en: 'Expired' },
  notification: { ja: '通知', en: 'Notification' },
};

const T = {
  appTitle: { ja: 'Amazon Pay 管理画面', en: 'Amazon Pay console' },
  signIn: { ja: 'サインイン', en: 'Sign in' },
  signOut: { ja: 'サインアウト', en: 'Sign out' },
  apiKey: { ja: 'APIキー (viewer / editor)', en: 'API key (viewer / editor)' },
  apiKeyHelp: { ja: '`npm run keys` で作成したキーを入力してください。キーは暗号化されたHttpOnlyクッキーにのみ保存されます。', en: 'Paste a key made with `npm run keys`. It is kept only in an encrypted HttpOnly cookie.' },
  badKey: { ja: 'キーが無効か、管理画面で使えない種類です。', en: 'The key is unknown, revoked, or not a viewer/editor key.' },
  orders: { ja: '受注リスト', en: 'Orders' },
  recovery: { ja: '決済直前ログ一覧', en: 'Pre-payment log' },
  settings: { ja: '決済設定', en: 'Settings' },
  orderId: { ja: '注文番号', en: 'Order id' },
  orderDate: { ja: '受注日', en: 'Date' },
  buyer: { ja: '購入者', en: 'Buyer' },
  amount: { ja: '金額', en: 'Amount' },
  paymentStatus: { ja: '決済状況', en: 'Payment status' },
  orderStatus: { ja: '対応状況', en: 'Order status' },
  chargeId: { ja: '決済ID', en: 'Charge id' },
  paymentInfo: { ja: '決済情報', en: 'Payment information' },
  any: { ja: 'すべて', en: 'Any' },
  from: { ja: '開始日', en: 'From' },
  to: { ja: '終了日', en: 'To' },
  search: { ja: '検索 (注文番号・メール)', en: 'Search (order id, e-mail)' },
  expiringDays: { ja: '与信期限がN日以内', en: 'Authorization expires within N days' },
  filter: { ja: '絞り込み', en: 'Filter' },
  reset: { ja: 'リセット', en: 'Reset' },
  next: { ja: '次のページ', en: 'Next page' },
  first: { ja: '最初のページ', en: 'First page' },
  noOrders: { ja: '該当する受注はありません。', en: 'No orders match.' },
  viewOnly: { ja: '閲覧のみの権限です (viewer)。決済操作はできません。', en: 'View-only access (viewer): payment actions are not available.' },
  temporal: { ja: 'Temporal UIでワークフローを見る', en: 'Open the workflow in Temporal UI' },
  ids: { ja: '識別子', en: 'Identifiers' },
  chargePermissionId: { ja: 'Charge Permission ID', en: 'Charge permission id' },
  checkoutSessionId: { ja: 'Checkout Session ID', en: 'Checkout session id' },
  paymentIntent: { ja: '処理区分', en: 'Payment intent' },
  authExpires: { ja: '与信期限', en: 'Authorization expires' },
  amounts: { ja: '金額', en: 'Amounts' },
  orderAmount: { ja: '注文金額', en: 'Order amount' },
  authorized: { ja: '与信額', en: 'Authorized' },
  captured: { ja: '売上計上額', en: 'Captured' },
  refunded: { ja: '返金済額', en: 'Refunded' },
  refundPending: { ja: '返金処理中', en: 'Refund pending' },
  capturable: { ja: '売上計上可能額', en: 'Capturable' },
  refundable: { ja: '返金可能額', en: 'Refundable' },
  history: { ja: '決済履歴', en: 'Payment history' },
  at: { ja: '処理日時', en: 'Time' },
  objectId: { ja: '決済ID', en: 'Amazon object id' },
  kind: { ja: '処理区分', en: 'Kind' },
  result: { ja: '処理結果', en: 'Result' },
  details: { ja: '詳細', en: 'Details' },
  debugDetail: { ja: 'デバッグ情報', en: 'Debug detail' },
  captureAction: { ja: '売上計上する', en: 'Capture' },
  captureAmount: { ja: '売上計上額', en: 'Capture amount' },
  cancelAction: { ja: '取消する', en: 'Cancel payment' },
  cancelReason: { ja: '取消理由 (任意)', en: 'Reason (optional)' },
  refundAction: { ja: '返金する', en: 'Refund' },
  refundAmount: { ja: '返金価格', en: 'Refund amount' },
  statusAction: { ja: '対応状況を変更', en: 'Change order status' },
  confirmTitle: { ja: '確認', en: 'Confirm' },
  confirmOk: { ja: '実行する', en: 'Confirm' },
  confirmCancel: { ja: '戻る', en: 'Back' },
  done: { ja: '完了しました', en: 'Done' },
  accepted: { ja: '受け付けました。処理中です…', en: 'Accepted; processing…' },
  lastError: { ja: '最後のエラー', en: 'Last error' },
  pendingTimers: { ja: '待機中のタイマー', en: 'Pending timers' },
  backToList: { ja: '受注リストへ戻る', en: 'Back to orders' },
  refresh: { ja: '再読込', en: 'Refresh' },
  redrive: { ja: 'Amazonから再取得', en: 'Re-read from Amazon' },
  action: { ja: '操作', en: 'Action' },
  status: { ja: '状態', en: 'Status' },
  createdAt: { ja: '記録日時', en: 'Logged at' },
  noRecovery: { ja: '復旧が必要な記録はありません。', en: 'Nothing needs recovery.' },
  recoveryHelp: {
    ja: 'Amazonへの決済呼び出しの直前に記録したログです。結果が不明、またはAmazonで成功したのに受注が進んでいないものを表示します。',
    en: 'Written before each money-moving call to Amazon: calls whose outcome is unknown, or that succeeded at Amazon while the order never got past checkout.',
  },
  save: { ja: '設定を更新', en: 'Save settings' },
  saved: { ja: '設定を更新しました。', en: 'Settings saved.' },
  credentials: { ja: 'Amazon Pay 認証情報 (環境変数から読み込み)', en: 'Amazon Pay credentials (from environment variables)' },
  shop: { ja: 'ショップ設定', en: 'Shop settings' },
  language: { ja: 'English', en: '日本語' },
  forbidden: { ja: 'この操作の権限がありません。', en: 'You are not allowed to do this.' },
  lastPage: { ja: '最後のページです。', en: 'Last page.' },
} satisfies Record<string, { ja: string; en: string }>;

export type TextKey = keyof typeof T;

export function t(lang: Lang, key: TextKey): string {
  return T[key][lang];
}

export function label(table: Record<string, { ja: string; en: string }>, value: string | null | undefined, lang: Lang): string {
  if (!value) return '-';
  return table[value]?.[lang] ?? value;
}

/** Decimal places of a currency's minor unit (JPY 0, USD/EUR 2). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(m: { amount: number; currency: string } | null | undefined, lang: Lang): string {
  if (!m) return '-';
  const digits = minorDigits(m.currency);
  const major = m.amount / 10 ** digits;
  if (m.currency === 'JPY' && lang === 'ja') return `${major.toLocaleString('ja-JP')}円`;
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-US', { style: 'currency', currency: m.currency }).format(major);
}

/** Dates in Japan time, as the shop's admins read them. */
export function formatDate(d: string | Date | null | undefined): string {
  if (!d) return '-';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return '-';
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(date);
}

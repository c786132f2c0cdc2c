// Console wording in Japanese (the WCEX manual's labels) and English, and money/date formatting.
import type { AuditAction } from '../../lib/audit';
import type { EventType } from '../../lib/event-types';

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
  delivery_tracker: { ja: '配送追跡', en: 'Delivery tracker' },
  refund_approval: { ja: '返金承認', en: 'Refund approval' },
};

/** A shop's status (docs/shops.md): a suspended shop's keys are refused, its data kept. */
export const SHOP_STATUS_LABELS: Record<string, { ja: string; en: string }> = {
  active: { ja: '稼働中', en: 'Active' },
  suspended: { ja: '停止中', en: 'Suspended' },
};

/** What a shop's key may do (lib/api-keys.ts SHOP_ROLES), as the platform chooses one. */
export const KEY_ROLE_LABELS: Record<string, { ja: string; en: string }> = {
  storefront: { ja: 'storefront (購入手続き)', en: 'storefront (checkout)' },
  viewer: { ja: 'viewer (閲覧)', en: 'viewer (read only)' },
  editor: { ja: 'editor (決済操作・設定)', en: 'editor (payment actions, settings)' },
};

/** 継続課金: a subscription's state (docs/product-rules.md, Recurring charges). Suspended needs the admin: a decline or a non-chargeable permission. */
export const SUBSCRIPTION_STATUS_LABELS: Record<string, { ja: string; en: string }> = {
  Active: { ja: '有効', en: 'Active' },
  Paused: { ja: '一時停止', en: 'Paused' },
  Suspended: { ja: '停止中(要対応)', en: 'Suspended (action needed)' },
  Canceled: { ja: '解約', en: 'Canceled' },
  Closed: { ja: '終了', en: 'Closed' },
};

/** Delivery of the events the engine sends the shop about a subscription. */
export const SHOP_EVENT_STATUS_LABELS: Record<string, { ja: string; en: string }> = {
  pending: { ja: '送信待ち', en: 'Pending' },
  delivered: { ja: '送信済', en: 'Delivered' },
  failed: { ja: '送信失敗', en: 'Failed' },
  skipped: { ja: '送信しない(設定)', en: 'Skipped (settings)' },
  recorded: { ja: '記録のみ(送信先なし)', en: 'Recorded (no shop URL)' },
  refused: { ja: '受信拒否(4xx)', en: 'Refused (4xx)' },
  canceled: { ja: '中止(送信先削除)', en: 'Canceled (endpoint deleted)' },
};

/**
 * The events the engine sends the shop (docs/events.md, Types), as the console names them. Keyed by lib/event-types.ts's
 * EventType, so a type added there fails the type check until it is named here too.
 */
export const EVENT_TYPE_LABELS: Record<EventType, { ja: string; en: string }> = {
  'checkout.completed': { ja: '購入手続き完了', en: 'Checkout completed' },
  'checkout.abandoned': { ja: '購入手続き放棄', en: 'Checkout abandoned' },
  'payment.authorization_pending': { ja: '与信(処理中)', en: 'Authorization pending' },
  'payment.authorized': { ja: '与信', en: 'Authorized' },
  'payment.declined': { ja: '与信拒否', en: 'Declined' },
  'payment.capture_pending': { ja: '売上計上(処理中)', en: 'Capture pending' },
  'payment.captured': { ja: '売上計上', en: 'Captured' },
  'payment.capture_failed': { ja: '売上計上失敗', en: 'Capture failed' },
  'payment.canceled': { ja: '取消', en: 'Canceled' },
  'refund.pending': { ja: '返金(処理中)', en: 'Refund pending' },
  'refund.succeeded': { ja: '返金完了', en: 'Refund succeeded' },
  'refund.declined': { ja: '返金拒否', en: 'Refund declined' },
  'authorization.expiring': { ja: '与信期限が近い', en: 'Authorization expiring' },
  'authorization.expired': { ja: '与信期限切れ', en: 'Authorization expired' },
  'order.status_changed': { ja: '対応状況の変更', en: 'Order status changed' },
  'dispute.opened': { ja: 'チャージバック発生', en: 'Dispute opened' },
  'dispute.updated': { ja: 'チャージバック更新', en: 'Dispute updated' },
  'dispute.closed': { ja: 'チャージバック終了', en: 'Dispute closed' },
  'charge_permission.closed': { ja: '支払い許可の終了 (これ以上売上計上できません)', en: 'Charge permission closed (nothing more can be captured)' },
  'recurring.charge.succeeded': { ja: '継続課金 成功', en: 'Recurring charge succeeded' },
  'recurring.charge.failed': { ja: '継続課金 失敗', en: 'Recurring charge failed' },
  'subscription.paused': { ja: '継続課金 一時停止', en: 'Subscription paused' },
  'subscription.resumed': { ja: '継続課金 再開', en: 'Subscription resumed' },
  'subscription.suspended': { ja: '継続課金 停止(要対応)', en: 'Subscription suspended' },
  'subscription.canceled': { ja: '継続課金 解約', en: 'Subscription canceled' },
  'subscription.closed': { ja: '継続課金 終了', en: 'Subscription closed' },
};

/** The audit log's actions (lib/audit.ts AUDIT_ACTIONS), as the console names them: an action added there is named here too. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, { ja: string; en: string }> = {
  'order.capture': { ja: '売上計上', en: 'Capture' },
  'order.cancel': { ja: '取消', en: 'Cancel payment' },
  'order.refund': { ja: '返金', en: 'Refund' },
  'order.status': { ja: '対応状況の変更', en: 'Order status' },
  'refund_approval.approve': { ja: '返金の承認', en: 'Refund approved' },
  'refund_approval.reject': { ja: '返金の却下', en: 'Refund rejected' },
  'subscription.pause': { ja: '継続課金 一時停止', en: 'Subscription paused' },
  'subscription.resume': { ja: '継続課金 再開', en: 'Subscription resumed' },
  'subscription.cancel': { ja: '継続課金 解約', en: 'Subscription canceled' },
  'subscription.charge': { ja: '継続課金 今すぐ課金', en: 'Subscription charged now' },
  'recovery.redrive': { ja: 'Amazonから再取得', en: 'Re-read from Amazon' },
  'settings.update': { ja: '決済設定の変更', en: 'Settings changed' },
  'event_endpoint.create': { ja: 'イベント送信先の追加', en: 'Endpoint added' },
  'event_endpoint.update': { ja: 'イベント送信先の変更', en: 'Endpoint changed' },
  'event_endpoint.rotate_secret': { ja: 'シークレットの再発行', en: 'Secret rotated' },
  'event_endpoint.delete': { ja: 'イベント送信先の削除', en: 'Endpoint deleted' },
  'event.resend': { ja: 'イベントの再送', en: 'Event resent' },
  'member.link': { ja: '会員連携', en: 'Member linked' },
  'member.unlink': { ja: '会員連携の解除', en: 'Member unlinked' },
  'api_key.create': { ja: 'APIキーの作成', en: 'API key created' },
  'api_key.revoke': { ja: 'APIキーの失効', en: 'API key revoked' },
  'shop.create': { ja: 'ショップの作成', en: 'Shop created' },
  'shop.suspend': { ja: 'ショップの停止', en: 'Shop suspended' },
  'shop.reactivate': { ja: 'ショップの再開', en: 'Shop reactivated' },
  'console.switch_shop': { ja: '表示するショップの切替', en: 'Switched shop' },
  'console.sign_in': { ja: '管理画面へのサインイン', en: 'Console sign-in' },
  'console.sign_out': { ja: '管理画面からのサインアウト', en: 'Console sign-out' },
  'route.unknown': { ja: '存在しない操作', en: 'Unknown route' },
};

const T = {
  appTitle: { ja: 'Amazon Pay 管理画面', en: 'Amazon Pay console' },
  signIn: { ja: 'サインイン', en: 'Sign in' },
  signOut: { ja: 'サインアウト', en: 'Sign out' },
  apiKey: { ja: 'APIキー (viewer / editor / platform)', en: 'API key (viewer / editor / platform)' },
  apiKeyHelp: { ja: '`npm run keys` で作成したキーを入力してください。キーは暗号化されたHttpOnlyクッキーにのみ保存されます。', en: 'Paste a key made with `npm run keys`. It is kept only in an encrypted HttpOnly cookie.' },
  badKey: { ja: 'キーが無効か、管理画面で使えない種類です (ショップが停止中の場合も使えません)。', en: 'The key is unknown, revoked, not a viewer/editor/platform key, or its shop is suspended.' },
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
  // Second approval for large refunds (docs/product-rules.md, Refund approval): the order page's panel, the approvals page, the settings.
  approvals: { ja: '承認待ち', en: 'Approvals' },
  approvalsTitle: { ja: '承認待ちの返金', en: 'Refunds waiting for approval' },
  orderApprovals: { ja: '承認待ちの返金', en: 'Refunds waiting for approval' },
  approvalsHelp: {
    ja: '設定のしきい値を超える返金は、依頼した編集者とは別の編集者が承認するまで実行されません (Amazonへの返金は承認後に行われます)。期限までに承認されない返金は取り消されます。',
    en: 'A refund above the threshold in the settings runs only once an editor other than the one who asked approves it (nothing is refunded at Amazon before). One not approved in time expires.',
  },
  noApprovals: { ja: '承認待ちの返金はありません。', en: 'No refund waits for approval.' },
  requestedBy: { ja: '依頼者', en: 'Requested by' },
  approvedBy: { ja: '承認者', en: 'Approved by' },
  requestedAt: { ja: '依頼日時', en: 'Requested at' },
  approvalExpiresAt: { ja: '承認期限', en: 'Expires' },
  approveAction: { ja: '承認する', en: 'Approve' },
  rejectAction: { ja: '却下する', en: 'Reject' },
  rejectReason: { ja: '却下理由 (任意)', en: 'Reason (optional)' },
  approveConfirm: { ja: 'この返金を承認して実行する', en: 'Approve and run this refund' },
  rejectConfirm: { ja: 'この返金を却下する', en: 'Reject this refund' },
  ownApproval: { ja: 'あなたが依頼した返金です。別の編集者が承認または却下する必要があります。', en: 'You asked for this refund: another editor must approve or reject it.' },
  approvalsViewOnly: { ja: '閲覧のみの権限です (viewer)。承認・却下はできません。', en: 'View-only access (viewer): refunds cannot be approved or rejected.' },
  approvalDone: { ja: '返金を承認しました。返金を実行しています。', en: 'Refund approved; it is being refunded.' },
  approvalRejected: { ja: '返金を却下しました。返金は行われません。', en: 'Refund rejected; nothing is refunded.' },
  approvalAccepted: { ja: '受け付けました。処理中です…', en: 'Accepted; processing…' },
  approverIsRequester: { ja: 'この返金を依頼した本人は承認・却下できません。別の編集者が承認する必要があります。', en: 'The editor who asked for this refund cannot approve or reject it: another editor must.' },
  approvalNotFound: { ja: 'この返金はもう承認待ちではありません (承認・却下済みか、期限切れです)。', en: 'This refund no longer waits for approval (decided already, or expired).' },
  approvalExpired: { ja: 'この返金の承認期限が過ぎました。必要ならもう一度返金を依頼してください。', en: 'The approval of this refund expired; ask for the refund again if it is still needed.' },
  refundApprovalSettings: { ja: '高額返金の承認', en: 'Approval of large refunds' },
  refundApprovalAboveHelp: {
    ja: '通貨ごとに、この金額を超える返金は別の編集者の承認が必要になります。空欄の通貨は承認なしで返金されます。',
    en: 'Per currency, a refund above this amount needs another editor to approve it. A currency left empty refunds without approval.',
  },
  refundApprovalAbove: { ja: '承認が必要な返金額 (超える場合)', en: 'Approval needed above' },
  refundApprovalHours: { ja: '承認期限 (時間、1〜720)', en: 'Approval expires after (hours, 1-720)' },
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
  credentials: { ja: 'Amazon Pay 認証情報', en: 'Amazon Pay credentials' },
  shop: { ja: 'ショップ設定', en: 'Shop settings' },
  language: { ja: 'English', en: '日本語' },
  forbidden: { ja: 'この操作の権限がありません。', en: 'You are not allowed to do this.' },
  lastPage: { ja: '最後のページです。', en: 'Last page.' },
  subscriptions: { ja: '継続課金', en: 'Subscriptions' },
  subscriptionList: { ja: '継続課金一覧', en: 'Subscriptions' },
  subscription: { ja: '継続課金', en: 'Subscription' },
  subscriptionId: { ja: '継続課金ID', en: 'Subscription id' },
  subscriptionStatus: { ja: '継続課金の状態', en: 'Subscription status' },
  plan: { ja: 'プラン', en: 'Plan' },
  period: { ja: '回', en: 'Period' },
  periodsCharged: { ja: '課金回数', en: 'Periods charged' },
  nextChargeAt: { ja: '次回課金日', en: 'Next charge' },
  startedAt: { ja: '開始日', en: 'Started' },
  noSubscriptions: { ja: '該当する継続課金はありません。', en: 'No subscriptions match.' },
  charges: { ja: '課金明細', en: 'Charges' },
  failures: { ja: '失敗した回', en: 'Failed periods' },
  events: { ja: 'ショップへの通知', en: 'Events sent to the shop' },
  eventType: { ja: '種類', en: 'Type' },
  attempts: { ja: '試行回数', en: 'Attempts' },
  noEvents: { ja: '通知はまだありません。', en: 'No events yet.' },
  pauseAction: { ja: '一時停止する', en: 'Pause' },
  resumeAction: { ja: '再開する', en: 'Resume' },
  cancelSubscriptionAction: { ja: '解約する', en: 'Cancel subscription' },
  cancelSubscriptionReason: { ja: '解約理由 (任意・Amazonに送信)', en: 'Reason (optional, sent to Amazon)' },
  chargeNowAction: { ja: '今すぐ課金する', en: 'Charge now' },
  chargeNowAmount: { ja: '課金額', en: 'Amount' },
  subscriptionViewOnly: { ja: '閲覧のみの権限です (viewer)。継続課金の操作はできません。', en: 'View-only access (viewer): subscription actions are not available.' },
  backToSubscriptions: { ja: '継続課金一覧へ戻る', en: 'Back to subscriptions' },
  recurringOf: { ja: 'この注文は継続課金の課金分です', en: 'This order is a charge of a subscription' },
  recurringFirst: { ja: '初回(申込み時の決済)', en: 'first charge (the checkout)' },
  adminMessage: { ja: '対応方法', en: 'What to do' },
  suspendedHelp: {
    ja: '課金が停止しています。原因を確認し、支払い方法が利用可能になってから「再開する」を押してください (Amazonで課金できない間は再開できません)。',
    en: 'Charging has stopped. Find the cause and press Resume once the payment method can be charged again (Resume is refused while Amazon cannot charge the permission).',
  },
  pausedHelp: { ja: '一時停止中は課金されません。「再開する」で次回課金日から再開します。', en: 'Nothing is charged while paused; Resume starts again from the next charge date.' },
  // The order page's chargebacks and delivery trackers (views-disputes.ts) and its checkout section (views-checkout.ts).
  disputes: { ja: 'チャージバック・異議申し立て', en: 'Chargebacks and disputes' },
  disputeId: { ja: 'ID', en: 'ID' },
  disputeState: { ja: '状態', en: 'State' },
  disputeReason: { ja: '理由', en: 'Reason' },
  updatedAt: { ja: '更新日時', en: 'Updated' },
  noProtection: {
    ja: 'この注文は購入者が入力した住所を使用しているため、Amazon Payのチャージバック保護の対象外です。',
    en: 'This order used the buyer-entered address: Amazon Pay chargeback protection does not apply.',
  },
  trackers: { ja: '配送追跡 (Amazonへの通知)', en: 'Delivery tracking (sent to Amazon)' },
  carrier: { ja: '配送業者', en: 'Carrier' },
  trackingNumber: { ja: '追跡番号', en: 'Tracking number' },
  trackerStatus: { ja: '送信状況', en: 'Status' },
  checkout: { ja: '購入手続き', en: 'Checkout' },
  checkoutMode: { ja: '購入方法', en: 'Checkout' },
  checkoutStandard: { ja: '通常 (Amazon Pay)', en: 'Standard (Amazon Pay)' },
  checkoutQuick: { ja: 'クイック決済', en: 'Quick checkout' },
  addressUsed: { ja: '購入時に利用する配送先', en: 'Address used for the order' },
  addressAmazon: { ja: 'Amazonアカウントの住所 (チャージバック保護の対象)', en: 'Amazon account address (chargeback protection)' },
  addressBuyer: { ja: '購入者が入力した住所', en: 'Buyer-entered address' },
  notRecorded: { ja: '記録なし', en: 'not recorded' },
  buttonPlacement: { ja: 'ボタンの表示位置', en: 'Button position' },
  placementCart: { ja: 'カート', en: 'Cart' },
  placementProduct: { ja: '商品ページ', en: 'Product page' },
  note: { ja: '備考', en: 'Note' },
  customOrderFields: { ja: 'カスタム・オーダーフィールド', en: 'Custom order fields' },
  customDeliveryFields: { ja: 'カスタム・デリバリーフィールド', en: 'Custom delivery fields' },
  // Events to the shop (docs/events.md): an order's events with their deliveries (views-orders.ts) and the endpoints page (views-events.ts).
  eventEndpoints: { ja: 'イベント送信先', en: 'Event endpoints' },
  orderEvents: { ja: 'ショップへのイベント', en: 'Events sent to the shop' },
  orderEventsHelp: {
    ja: 'この注文の決済の変化ごとにイベントが記録され、送信先ごとに順番どおり送信されます (注文ごとの通し番号 seq)。ショップはイベントIDで重複を除きます。',
    en: "Each payment change of this order is an event, sent to each endpoint in order (seq numbers the order's events). The shop deduplicates on the event id.",
  },
  seq: { ja: '通番', en: 'Seq' },
  paymentStatusAfter: { ja: '変更後の決済状況', en: 'Payment status after' },
  occurredAt: { ja: '発生日時', en: 'Occurred' },
  deliveryStatus: { ja: '送信状況', en: 'Delivery' },
  endpointUrl: { ja: '送信先URL', en: 'Endpoint URL' },
  lastResponse: { ja: '最後の応答', en: 'Last answer' },
  nextAttemptAt: { ja: '次回送信', en: 'Next attempt' },
  deliveredAt: { ja: '送信完了', en: 'Delivered' },
  noDeliveries: { ja: '送信先なし (記録のみ)', en: 'No endpoint (recorded only)' },
  resend: { ja: '再送', en: 'Resend' },
  resendAll: { ja: 'すべての送信先に再送', en: 'Resend to all' },
  eventsUnavailable: { ja: 'イベントを読み込めませんでした', en: 'Could not load the events' },
  endpointsHelp: {
    ja: 'エンジンは注文ごとの決済イベントを、ここに登録したURLへ署名付き (X-Engine-Signature) でPOSTします。2xxで送信完了、408・429・5xx・タイムアウトは3日間再送、その他の4xxは受信拒否として記録されます。',
    en: 'The engine POSTs every payment event, signed (X-Engine-Signature), to the URLs registered here. 2xx is delivered; 408, 429, 5xx and timeouts are retried for 3 days; any other 4xx is refused.',
  },
  description: { ja: '説明', en: 'Description' },
  eventTypes: { ja: 'イベントの種類', en: 'Event types' },
  allEventTypes: { ja: 'すべての種類', en: 'Every type' },
  eventTypesHelp: { ja: '何も選ばない場合はすべての種類を送信します。', en: 'Choose none to receive every type.' },
  orderEventTypes: { ja: '注文の決済', en: 'Order payments' },
  subscriptionEventTypes: { ja: '継続課金', en: 'Subscriptions' },
  enabled: { ja: '有効', en: 'Enabled' },
  disabled: { ja: '無効', en: 'Disabled' },
  source: { ja: '登録元', en: 'Source' },
  sourceApi: { ja: '管理API・管理画面', en: 'Admin API / console' },
  sourceEnv: { ja: '環境変数 SHOP_WEBHOOK_URL', en: 'SHOP_WEBHOOK_URL (environment)' },
  envReadOnly: { ja: '環境変数で設定されています。ここでは変更できません。', en: 'Set in the environment: it cannot be changed here.' },
  secretRotation: { ja: '署名シークレット', en: 'Signing secret' },
  previousSecretUntil: { ja: '以前のシークレットも署名に使用 (期限)', en: 'Previous secret also signs until' },
  noEndpoints: { ja: '送信先はまだありません。', en: 'No endpoints yet.' },
  createEndpoint: { ja: '送信先を追加', en: 'Add an endpoint' },
  create: { ja: '追加する', en: 'Add' },
  enable: { ja: '有効にする', en: 'Enable' },
  disable: { ja: '無効にする', en: 'Disable' },
  rotateSecret: { ja: 'シークレットを再発行', en: 'Rotate secret' },
  overlap: { ja: '以前のシークレットの有効期間', en: 'Keep the previous secret for' },
  overlapNone: { ja: 'すぐに無効にする', en: 'Stop it at once' },
  overlapHour: { ja: '1時間', en: '1 hour' },
  overlapDay: { ja: '24時間 (推奨)', en: '24 hours (recommended)' },
  overlapWeek: { ja: '7日間', en: '7 days' },
  deleteEndpoint: { ja: '削除する', en: 'Delete' },
  deleteConfirm: { ja: 'この送信先を削除しますか？', en: 'Delete this endpoint?' },
  deleteConfirmHelp: {
    ja: '削除すると、この送信先への未送信のイベントは中止されます。イベント自体は記録に残り、GET /api/events で取得できます。元に戻せません。',
    en: 'Its pending deliveries are canceled. The events stay recorded and listable through GET /api/events. This cannot be undone.',
  },
  back: { ja: '戻る', en: 'Back' },
  secretOnceTitle: { ja: '署名シークレット (今回のみ表示)', en: 'Signing secret (shown this once)' },
  secretOnceWarning: {
    ja: 'このシークレットは今だけ表示されます。今すぐコピーしてショップの設定に保存してください。あとから表示することはできません。失った場合は「シークレットを再発行」してください。',
    en: 'This secret is shown now and never again. Copy it into the shop now. If it is lost, rotate the secret.',
  },
  secretOverlapNote: { ja: '以前のシークレットでの署名も次の日時まで付きます', en: 'The previous secret also signs until' },
  secretSaved: { ja: '保存しました。一覧へ戻る', en: 'I have saved it: back to the list' },
  endpointCreated: { ja: '送信先を追加しました。', en: 'Endpoint added.' },
  endpointRotated: { ja: 'シークレットを再発行しました。', en: 'Secret rotated.' },
  endpointEnabled: { ja: '送信先を有効にしました。', en: 'Endpoint enabled.' },
  endpointDisabled: { ja: '送信先を無効にしました。', en: 'Endpoint disabled.' },
  endpointDeleted: { ja: '送信先を削除しました。', en: 'Endpoint deleted.' },
  endpointsViewOnly: { ja: '閲覧のみの権限です (viewer)。送信先の変更はできません。', en: 'View-only access (viewer): endpoints cannot be changed.' },
  noSuchEndpoint: { ja: 'その送信先はありません (削除済みか、環境変数で設定されたものです)。', en: 'No such endpoint (deleted, or set in the environment).' },
  // The audit log page (views-audit.ts, docs/audit.md).
  audit: { ja: '監査ログ', en: 'Audit log' },
  auditHelp: {
    ja: '管理APIと管理画面での変更操作を、拒否されたものも含めてすべて記録しています。記録は変更も削除もできず、各記録は前の記録のハッシュにつながっています (npm run audit -- verify で検証)。',
    en: 'Every state-changing request of the admin API and this console, refused ones included. Entries cannot be changed or deleted; each is chained to the hash of the one before (check with npm run audit -- verify).',
  },
  auditActor: { ja: '操作者', en: 'Actor' },
  auditActorKey: { ja: '操作者のキーID', en: 'Actor key id' },
  auditObject: { ja: '対象', en: 'Object' },
  auditSource: { ja: '送信元', en: 'Source' },
  auditRequestId: { ja: 'リクエストID', en: 'Request id' },
  auditNoActor: { ja: '認証なし', en: 'not authenticated' },
  noAudit: { ja: '該当する記録はありません。', en: 'No entries match.' },
  // Shops (docs/shops.md): the header's shop (and a platform session's switcher), and the platform's Shops page (views-shops.ts).
  shops: { ja: 'ショップ管理', en: 'Shops' },
  currentShop: { ja: 'ショップ', en: 'Shop' },
  switchShop: { ja: '切り替える', en: 'Switch' },
  shopsHelp: {
    ja: 'プラットフォームのキーで、すべてのショップを管理します。停止したショップのキーはAPIと管理画面で拒否されます (データはそのまま残り、再開すると元どおり使えます)。',
    en: "All shops, managed with the platform key. A suspended shop's keys are refused by the API and the console (its data stays; reactivating it brings them back).",
  },
  shopId: { ja: 'ショップID', en: 'Shop id' },
  shopName: { ja: 'ショップ名', en: 'Name' },
  merchantId: { ja: 'マーチャントID', en: 'Merchant id' },
  notConfigured: { ja: '未設定', en: 'not configured' },
  shopCreatedAt: { ja: '作成日時', en: 'Created' },
  suspendShop: { ja: '停止する', en: 'Suspend' },
  reactivateShop: { ja: '再開する', en: 'Reactivate' },
  createShop: { ja: 'ショップを作成', en: 'Create a shop' },
  createShopHelp: {
    ja: 'Amazon Pay の認証情報は、作成後にそのショップの決済設定で入力します (同梱のシミュレーターを使う場合は、ショップ専用の模擬マーチャントが自動で割り当てられます)。',
    en: "The shop's Amazon Pay credentials are entered on its settings page once it exists (with the bundled simulator, it gets a simulated merchant of its own).",
  },
  shopIdHelp: { ja: '英小文字・数字・ハイフンで1〜32文字 (先頭は英数字)。あとから変更できません。', en: '1-32 lower-case letters, digits and dashes, starting with a letter or digit. It cannot be changed later.' },
  createShopButton: { ja: '作成する', en: 'Create' },
  shopCreated: { ja: 'ショップを作成しました。最初のキーを発行してください。', en: 'Shop created. Issue its first keys.' },
  shopSuspended: { ja: 'ショップを停止しました。', en: 'Shop suspended.' },
  shopReactivated: { ja: 'ショップを再開しました。', en: 'Shop reactivated.' },
  noSuchShop: { ja: 'そのショップはありません。', en: 'No such shop.' },
  issueKey: { ja: 'キーを発行', en: 'Issue a key' },
  issueKeyHelp: {
    ja: 'ストアフロント (storefront) は購入手続き、viewer は管理画面の閲覧、editor は決済操作と設定に使います。',
    en: "storefront keys run the shop's checkout; viewer keys read its console; editor keys also move money and change settings.",
  },
  keyRole: { ja: '種類', en: 'Role' },
  keyName: { ja: 'キーの名前', en: 'Key name' },
  issueKeyButton: { ja: '発行する', en: 'Issue' },
  keyOnceTitle: { ja: 'APIキー (今回のみ表示)', en: 'API key (shown this once)' },
  keyOnceWarning: {
    ja: 'このキーは今だけ表示されます。今すぐコピーして安全な場所に保存してください。あとから表示することはできません。失った場合は新しいキーを発行してください。',
    en: 'This key is shown now and never again. Copy it somewhere safe now. If it is lost, issue a new one.',
  },
  keySaved: { ja: '保存しました。一覧へ戻る', en: 'I have saved it: back to the shops' },
  eventsNotWired: { ja: 'このサーバーではイベント送信先を利用できません。', en: 'Event endpoints are not available on this server.' },
} satisfies Record<string, { ja: string; en: string }>;

export type TextKey = keyof typeof T;

export function t(lang: Lang, key: TextKey): string {
  return T[key][lang];
}

export function label(table: Record<string, { ja: string; en: string }>, value: string | null | undefined, lang: Lang): string {
  if (!value) return '-';
  return table[value]?.[lang] ?? value;
}

/** A plan as the admin reads it: 毎月 2,980円, 2週間ごと 500円, 都度課金 1,000円. */
export function formatPlan(frequency: { unit: string; value: number }, amount: { amount: number; currency: string }, lang: Lang): string {
  const n = Math.max(1, frequency.value || 1);
  const money = formatMoney(amount, lang);
  const ja: Record<string, [string, string]> = { Day: ['毎日', '日ごと'], Week: ['毎週', '週間ごと'], Month: ['毎月', 'か月ごと'], Year: ['毎年', '年ごと'] };
  const en: Record<string, [string, string]> = { Day: ['Daily', 'days'], Week: ['Weekly', 'weeks'], Month: ['Monthly', 'months'], Year: ['Yearly', 'years'] };
  if (frequency.unit === 'Variable') return lang === 'ja' ? `都度課金 ${money}` : `On request ${money}`;
  const j = ja[frequency.unit];
  const e = en[frequency.unit];
  if (!j || !e) return `${frequency.unit} ×${n} ${money}`;
  if (lang === 'ja') return `${n === 1 ? j[0] : `${n}${j[1]}`} ${money}`;
  return `${n === 1 ? e[0] : `Every ${n} ${e[1]}`} ${money}`;
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

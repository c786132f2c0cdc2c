// Console pages besides orders: sign-in, pre-payment log (決済直前ログ), settings (docs/product-rules.md, Settings) and errors.
import { esc, type Money } from './html';
import { PAYMENT_STATUS_LABELS, formatDate, formatMoney, label, t, type Lang } from './i18n';
import { refundApprovalSettings } from './views-approvals';

export function loginPage(lang: Lang, csrf: string, error?: string): string {
  return `<div class="login"><h1>${esc(t(lang, 'signIn'))}</h1>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="/admin/login"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<label for="api-key">${esc(t(lang, 'apiKey'))}</label>
<input id="api-key" name="apiKey" type="password" autocomplete="off" required maxlength="200" aria-describedby="api-key-help">
<p class="note" id="api-key-help">${esc(t(lang, 'apiKeyHelp'))}</p>
<button type="submit" id="sign-in">${esc(t(lang, 'signIn'))}</button></form></div>`;
}

export interface RecoveryEntry {
  id: string;
  orderId: string;
  action: string;
  status: string;
  resultCode: string | null;
  amount: Money;
  chargePermissionId: string | null;
  chargeId: string | null;
  createdAt: string;
  orderPaymentStatus: string;
}

export function recoveryPage(lang: Lang, entries: RecoveryEntry[], canEdit: boolean): string {
  const rows = entries
    .map(
      (e) => `<tr data-entry-id="${esc(e.id)}"><td>${esc(formatDate(e.createdAt))}</td><td><a href="/admin/orders/${encodeURIComponent(e.orderId)}">${esc(e.orderId)}</a></td><td>${esc(e.action)}</td><td>${esc(e.status)}${e.resultCode ? ` (${esc(e.resultCode)})` : ''}</td><td class="num">${esc(formatMoney(e.amount, lang))}</td><td class="mono">${esc(e.chargeId ?? e.chargePermissionId ?? '-')}</td><td>${esc(label(PAYMENT_STATUS_LABELS, e.orderPaymentStatus, lang))}</td>
<td>${canEdit && (e.chargeId || e.chargePermissionId) ? `<button type="button" class="small redrive" data-id="${esc(e.id)}">${esc(t(lang, 'redrive'))}</button>` : ''}</td></tr>`,
    )
    .join('\n');
  return `<h1>${esc(t(lang, 'recovery'))}</h1><p class="note">${esc(t(lang, 'recoveryHelp'))}</p><div id="outcome" role="status" aria-live="polite"></div>
${entries.length ? `<table id="recovery-table"><thead><tr><th scope="col">${esc(t(lang, 'createdAt'))}</th><th scope="col">${esc(t(lang, 'orderId'))}</th><th scope="col">${esc(t(lang, 'action'))}</th><th scope="col">${esc(t(lang, 'status'))}</th><th scope="col">${esc(t(lang, 'amount'))}</th><th scope="col">${esc(t(lang, 'objectId'))}</th><th scope="col">${esc(t(lang, 'paymentStatus'))}</th><th scope="col"><span class="sr-only">${esc(t(lang, 'redrive'))}</span></th></tr></thead><tbody>${rows}</tbody></table>` : `<p id="no-recovery">${esc(t(lang, 'noRecovery'))}</p>`}`;
}

export interface SettingsView {
  settings: Record<string, unknown> & { quickCheckout?: Record<string, unknown> };
  warnings: string[];
  amazonPay: Record<string, unknown>;
}

const L = (lang: Lang, ja: string, en: string) => (lang === 'ja' ? ja : en);

export function settingsPage(lang: Lang, v: SettingsView, canEdit: boolean, csrf: string, message?: { ok: boolean; text: string }): string {
  const s = v.settings;
  const q = s.quickCheckout ?? {};
  const dis = canEdit ? '' : ' disabled';
  const check = (name: string, value: unknown, text: string) => `<div class="check"><input type="checkbox" id="s-${name}" name="${name}" value="true"${value === true ? ' checked' : ''}${dis}><label for="s-${name}">${esc(text)}</label></div>`;
  const radios = (name: string, value: unknown, legend: string, choices: [string, string][]) =>
    `<fieldset><legend>${esc(legend)}</legend>${choices.map(([v, text]) => `<span class="radio"><input type="radio" id="s-${name}-${v}" name="${name}" value="${v}"${value === v ? ' checked' : ''}${dis}><label for="s-${name}-${v}">${esc(text)}</label></span>`).join(' ')}</fieldset>`;
  const text = (name: string, value: unknown, labelText: string, extra: string) => `<label for="s-${name}">${esc(labelText)}</label><input id="s-${name}" name="${name}" value="${esc(value ?? '')}" ${extra}${dis}>`;
  const help = (id: string, textValue: string) => `<p class="note" id="${id}">${esc(textValue)}</p>`;
  const positions: [string, string][] = [['cart', L(lang, 'カート', 'Cart')], ['product', L(lang, '商品ページ', 'Product page')], ['both', L(lang, 'カートと商品ページ', 'Cart and product page')]];
  const intent: [string, string][] = [['Authorize', L(lang, '与信', 'Authorize')], ['AuthorizeWithCapture', L(lang, '与信売上計上', 'Authorize with capture')]];
  const chargeback = L(lang, 'チャージバック保護は、Amazonアカウントの住所を使用した場合にのみ適用されます。購入者が入力した住所を使うと保護の対象外になります。', 'Chargeback protection only applies when the address from the Amazon account is used; with the buyer-entered address it does not.');
  const warnings = v.warnings.filter((w) => !/chargeback/i.test(w));
  const cred = v.amazonPay;
  return `<h1>${esc(t(lang, 'settings'))}</h1>
${message ? `<p class="${message.ok ? 'ok' : 'error'}" role="${message.ok ? 'status' : 'alert'}" id="settings-message">${esc(message.text)}</p>` : ''}
<p class="warning" id="chargeback-warning" role="note"${s.addressSource === 'buyer' ? '' : ' hidden'}>⚠ ${esc(chargeback)}</p>
${warnings.map((w) => `<p class="warning">⚠ ${esc(w)}</p>`).join('')}
<form method="post" action="/admin/settings" id="settings-form" class="settings"><input type="hidden" name="_csrf" value="${esc(csrf)}">
<h2>${esc(t(lang, 'shop'))}</h2>
${check('enabled', s.enabled, L(lang, 'Amazon Pay を有効にする', 'Amazon Pay enabled'))}
${radios('paymentIntent', s.paymentIntent, L(lang, '処理区分', 'Payment intent'), intent)}
${radios('recurringPaymentIntent', s.recurringPaymentIntent, L(lang, '自動継続課金処理区分', 'Recurring payment intent'), intent)}
${check('linkOrderStatus', s.linkOrderStatus, L(lang, '「対応状況」と「決済処理」を連動する', 'Link order status to payment'))}
${radios('addressSource', s.addressSource, L(lang, '購入時に利用する配送先', 'Address used for orders'), [['amazon', L(lang, 'Amazonアカウントの住所 (チャージバック保護の対象)', 'Amazon account address (chargeback protection)')], ['buyer', L(lang, '購入者が入力した住所', 'Buyer-entered address')]])}
${help('help-addressSource', L(lang, '受注ごとに使用した配送先が記録され、決済情報に表示されます。クイック決済では常にAmazonアカウントの住所を使用します。', "Each order records the address it used (shown on the order); quick checkout always uses the Amazon account's address."))}
${check('signInWithAmazon', s.signInWithAmazon, L(lang, '「Amazonでログイン」ボタンを表示', 'Show "Sign in with Amazon"'))}
${help('help-signInWithAmazon', L(lang, '表示しない場合、Amazonでのログインと、ログインで得たbuyerTokenによる会員連携は拒否されます (sign_in_with_amazon_disabled)。', 'When off, Sign in with Amazon and member links from its buyerToken are refused (sign_in_with_amazon_disabled).'))}
<fieldset><legend>${esc(L(lang, 'クイック決済', 'Quick checkout'))}</legend>
${check('quickCheckout.enabled', q.enabled, L(lang, 'クイック決済を有効にする', 'Quick checkout enabled'))}
<label for="s-quickCheckout.buttonPosition">${esc(L(lang, 'ボタンの表示位置', 'Button position'))}</label><select id="s-quickCheckout.buttonPosition" name="quickCheckout.buttonPosition"${dis}>${positions.map(([p, text]) => `<option value="${p}"${q.buttonPosition === p ? ' selected' : ''}>${esc(text)}</option>`).join('')}</select>
${help('help-buttonPosition', L(lang, '表示位置にないページからのクイック決済は拒否されます。ショップは GET /api/storefront/config で表示するボタンを確認します。', 'A quick checkout from a page without the button is refused; shops read GET /api/storefront/config to know which buttons to show.'))}
${check('quickCheckout.noteField', q.noteField, L(lang, '備考欄を表示', 'Note field'))}
${check('quickCheckout.customFields', q.customFields, L(lang, 'カスタムフィールドを表示', 'Custom order/delivery fields'))}
${help('help-quickFields', L(lang, '表示しない項目を含むクイック決済は拒否されます。入力された備考・カスタムフィールドは受注の決済情報に表示されます。', 'A quick checkout carrying a field that is off is refused; the note and custom fields given are shown on the order.'))}
${check('quickCheckout.guestTakesAmazonAddress', q.guestTakesAmazonAddress, L(lang, '非会員のお客様情報にAmazonの住所を登録', "Guest's customer record takes the Amazon address"))}
</fieldset>
${check('recurringCompletionMail', s.recurringCompletionMail, L(lang, '継続課金完了メールを送信', 'Recurring completion mail'))}
${check('reauthorizeOnExpiry', s.reauthorizeOnExpiry, L(lang, '与信期限切れ時に再与信する', 'Re-authorize on expiry'))}
${check('canHandlePendingAuthorization', s.canHandlePendingAuthorization, L(lang, '保留中の与信を許可 (与信のみ)', 'Allow pending authorization (Authorize only)'))}
${text('expiryWarningDays', s.expiryWarningDays, L(lang, '与信期限の警告 (日前)', 'Warn days before authorization expiry'), 'type="number" min="0" max="29" required')}
${text('merchantStoreName', s.merchantStoreName, L(lang, 'ストア名 (50文字以内)', 'Store name (≤ 50)'), 'maxlength="50"')}
${text('softDescriptor', s.softDescriptor, L(lang, '明細表記 (16文字以内)', 'Soft descriptor (≤ 16)'), 'maxlength="16"')}
${refundApprovalSettings(lang, s, !canEdit)}
${canEdit ? `<p><button type="submit" id="save-settings">${esc(t(lang, 'save'))}</button></p>` : `<p class="note">${esc(t(lang, 'viewOnly'))}</p>`}
</form>
<section aria-labelledby="cred-h"><h2 id="cred-h">${esc(t(lang, 'credentials'))}</h2><dl class="creds">
<dt>${esc(L(lang, '接続先', 'Endpoint'))}</dt><dd>${esc(cred.endpoint)}</dd>
<dt>${esc(L(lang, 'リージョン', 'Region'))}</dt><dd>${esc(cred.region)}</dd>
<dt>${esc(L(lang, '動作環境', 'Environment'))}</dt><dd>${cred.sandbox ? 'Sandbox' : 'Production'}</dd>
<dt>${esc(L(lang, 'マーチャントID', 'Merchant id'))}</dt><dd class="mono">${esc(cred.merchantId ?? '-')}</dd>
<dt>${esc(L(lang, 'ストアID', 'Store id'))}</dt><dd class="mono">${esc(cred.storeId ?? '-')}</dd>
<dt>${esc(L(lang, 'パブリックキーID', 'Public key id'))}</dt><dd class="mono">${esc(cred.publicKeyId ?? '-')}</dd>
<dt>${esc(L(lang, 'プライベートキー', 'Private key'))}</dt><dd id="private-key-state">${cred.privateKey === 'configured' ? esc(L(lang, '設定済み (表示しません)', 'configured (never shown)')) : esc(L(lang, '未設定', 'missing'))}</dd>
</dl><p class="note" id="credentials-source">${esc(
    cred.source === 'environment'
      ? L(lang, 'AMAZON_PAY_* 環境変数で設定されています (優先されます)。', 'Set by the AMAZON_PAY_* variables, which take precedence.')
      : cred.source === 'settings'
        ? L(lang, 'このショップの設定で入力され、暗号化して保存されています。変更は次の呼び出しから反映されます。', "Entered in this shop's settings and stored sealed; a change applies from the next call.")
        : cred.source === 'simulator'
          ? L(lang, 'シミュレータの開発用マーチャントです。', "The simulator's development merchant.")
          : L(lang, '未設定です。入力するまでこのショップは決済を受け付けません。', 'Not configured: this shop takes no payment until they are entered.'),
  )} ${esc(L(lang, 'MWSアクセスキー (v1) は使用できません。', 'Legacy MWS (v1) keys are not accepted.'))}</p></section>`;
}

export function errorPage(lang: Lang, status: number, message: string): string {
  return `<h1>${status}</h1><p class="error" role="alert" id="error-message">${esc(message)}</p><p><a href="/admin/orders">${esc(t(lang, 'backToList'))}</a></p>`;
}

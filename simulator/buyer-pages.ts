// Amazon's buyer pages, simplified: checkout.js button, sign-in/consent with fake buyers, payment approval, cancel.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { FAKE_BUYERS, findBuyer, type Address } from './buyers';
import { buyerApprove, buyerCancel, sessionForBuyer } from './checkout-session-ops';
import { checkoutFromButton } from './control-router';
import type { SimCore } from './core';
import { AmazonError } from './errors';
import { formatMinor } from './money';
import { SIMULATION_CODES } from './simulation-codes';
import { sweep } from './transitions';

export interface BuyerPagesDeps {
  sim: SimCore;
  baseUrl: () => string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;background:#f3f3f3;margin:0}
header{background:#232f3e;color:#fff;padding:12px 24px;font-weight:600}
header span{color:#ff9900}
main{max-width:560px;margin:24px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 4px #0002}
label.buyer{display:block;border:1px solid #ddd;border-radius:6px;padding:10px;margin:8px 0;cursor:pointer}
button{background:#ffd814;border:1px solid #fcd200;border-radius:20px;padding:8px 20px;font-size:15px;cursor:pointer}
button.secondary{background:#fff;border-color:#aaa}
.note{color:#555;font-size:13px}
</style></head>
<body><header>amazon <span>pay</span> — simulator</header><main>${content}</main></body></html>`;
}

const addressHtml = (a: Address): string =>
  esc([a.name, `〒${a.postalCode}`, a.stateOrRegion, a.city, a.addressLine1, a.addressLine2, a.countryCode].filter((x): x is string => Boolean(x)).join(' '));

function sessionIdOf(req: Request): string {
  const raw: unknown = req.method === 'GET' ? req.query.amazonCheckoutSessionId : (req.body as Record<string, unknown> | undefined)?.amazonCheckoutSessionId;
  if (typeof raw !== 'string' || raw === '') throw new AmazonError('MissingParameterValue', 'amazonCheckoutSessionId is missing.');
  return raw;
}

const CHECKOUT_JS = (base: string) => `// Amazon Pay checkout.js stand-in served by the simulator: renderButton posts the signed payload to the simulator.
(function () {
  var base = ${JSON.stringify(base)};
  function post(fields) {
    var f = document.createElement('form');
    f.method = 'POST';
    f.action = base + '/buyer/checkout';
    Object.keys(fields).forEach(function (k) {
      var i = document.createElement('input');
      i.type = 'hidden'; i.name = k; i.value = fields[k] == null ? '' : String(fields[k]);
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }
  window.amazon = window.amazon || {};
  window.amazon.Pay = {
    renderButton: function (selector, opts) {
      var el = typeof selector === 'string' ? document.querySelector(selector) : selector;
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'amazonpay-button';
      b.setAttribute('data-testid', 'amazon-pay-button');
      b.textContent = 'Amazon Pay';
      b.style.cssText = 'background:#ffd814;border:1px solid #fcd200;border-radius:4px;padding:10px 28px;font-weight:600;cursor:pointer';
      var cfg = (opts && opts.createCheckoutSessionConfig) || {};
      b.onclick = function () {
        post({ payloadJSON: cfg.payloadJSON, signature: cfg.signature, publicKeyId: cfg.publicKeyId || opts.publicKeyId, algorithm: cfg.algorithm || '', sandbox: opts.sandbox === false ? 'false' : 'true' });
      };
      if (el) el.appendChild(b);
      return { onClick: function (fn) { b.onclick = fn; }, initCheckout: function (c) { cfg = (c && c.createCheckoutSessionConfig) || cfg; post({ payloadJSON: cfg.payloadJSON, signature: cfg.signature, publicKeyId: cfg.publicKeyId || opts.publicKeyId, algorithm: cfg.algorithm || '' }); } };
    },
    bindChangeAction: function () {},
    signout: function () {}
  };
})();
`;

export function createBuyerPages(deps: BuyerPagesDeps): Router {
  const { sim } = deps;
  const r = express.Router();
  r.use('/buyer', express.urlencoded({ extended: false, limit: '256kb' }));
  r.use('/buyer', (_req: Request, _res: Response, next: NextFunction) => {
    sweep(sim);
    next();
  });

  r.get('/checkout.js', (_req, res) => {
    res.type('application/javascript').send(CHECKOUT_JS(deps.baseUrl()));
  });

  r.post('/buyer/checkout', (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const id = checkoutFromButton(sim, {
      payloadJSON: b.payloadJSON ?? '',
      signature: b.signature ?? '',
      publicKeyId: b.publicKeyId ?? '',
      algorithm: b.algorithm === 'AMZN-PAY-RSASSA-PSS' || b.algorithm === 'AMZN-PAY-RSASSA-PSS-V2' ? b.algorithm : undefined,
      sandbox: b.sandbox !== 'false',
    });
    res.redirect(303, `/buyer/signin?amazonCheckoutSessionId=${encodeURIComponent(id)}`);
  });

  r.get('/buyer/signin', (req, res) => {
    const id = sessionIdOf(req);
    const s = sessionForBuyer(sim, id);
    if (s.state !== 'Open') throw new AmazonError('InvalidCheckoutSessionStatus', `This checkout is ${s.state}.`);
    const buyers = FAKE_BUYERS.map(
      (b, i) => `<label class="buyer" data-testid="buyer-${i}"><input type="radio" name="buyerId" value="${esc(b.buyerId)}"${i === 0 ? ' checked' : ''}>
 <strong>${esc(b.name)}</strong> &lt;${esc(b.email)}&gt;<br><span class="note">${addressHtml(b.shippingAddress)} — ${esc(b.paymentDescriptor)}</span></label>`,
    );
    res.type('html').send(
      page(
        'Amazon サインイン',
        `<h1>サインイン / Sign in</h1>
<p class="note">テスト用の購入者を選んでください。Choose a test buyer. The shop will receive this buyer's name, e-mail and address.</p>
<form method="post" action="/buyer/signin"><input type="hidden" name="amazonCheckoutSessionId" value="${esc(id)}">
${buyers.join('\n')}
<p><button id="continue" type="submit">続行 / Continue</button></p></form>
<form method="post" action="/buyer/cancel"><input type="hidden" name="amazonCheckoutSessionId" value="${esc(id)}"><button id="cancel" class="secondary" type="submit">キャンセル / Cancel</button></form>`,
      ),
    );
  });

  r.post('/buyer/signin', (req, res) => {
    const id = sessionIdOf(req);
    const buyerId = (req.body as Record<string, string | undefined>).buyerId;
    if (buyerId !== undefined && !findBuyer(buyerId)) throw new AmazonError('InvalidParameterValue', 'Unknown buyer.');
    res.redirect(303, buyerApprove(sim, id, { buyerId }).redirectUrl);
  });

  r.get('/buyer/pay', (req, res) => {
    const id = sessionIdOf(req);
    const s = sessionForBuyer(sim, id);
    if (s.state !== 'Open') throw new AmazonError('InvalidCheckoutSessionStatus', `This checkout is ${s.state}.`);
    const buyer = s.buyerId === undefined ? undefined : findBuyer(s.buyerId);
    const amount = s.paymentDetails.chargeAmount;
    const codes = s.env === 'Sandbox'
      ? `<p><label>Sandbox simulation: <select id="simulation-code" name="simulationCode"><option value="">(none: success)</option>${Object.keys(SIMULATION_CODES)
          .map((c) => `<option value="${esc(c)}">${esc(c)}</option>`)
          .join('')}</select></label></p>`
      : '';
    res.type('html').send(
      page(
        'Amazon Pay お支払い',
        `<h1>お支払いの確認 / Confirm payment</h1>
<p>金額 / Amount: <strong id="amount">${amount ? esc(`${formatMinor(amount.minor, amount.currency)} ${amount.currency}`) : '-'}</strong></p>
${buyer ? `<p>購入者 / Buyer: ${esc(buyer.name)}<br>お届け先 / Ship to: ${addressHtml(buyer.shippingAddress)}<br>お支払い方法 / Payment: ${esc(buyer.paymentDescriptor)}</p>` : ''}
<form method="post" action="/buyer/pay"><input type="hidden" name="amazonCheckoutSessionId" value="${esc(id)}">${codes}
<p><button id="pay-now" type="submit">支払う / Pay now</button></p></form>
<form method="post" action="/buyer/cancel"><input type="hidden" name="amazonCheckoutSessionId" value="${esc(id)}"><button id="cancel" class="secondary" type="submit">キャンセル / Cancel</button></form>`,
      ),
    );
  });

  r.post('/buyer/pay', (req, res) => {
    const id = sessionIdOf(req);
    const code = (req.body as Record<string, string | undefined>).simulationCode;
    res.redirect(303, buyerApprove(sim, id, { simulationCode: code === undefined || code === '' ? undefined : code }).redirectUrl);
  });

  r.post('/buyer/cancel', (req, res) => {
    const id = sessionIdOf(req);
    const { redirectUrl } = buyerCancel(sim, id);
    if (redirectUrl) res.redirect(303, redirectUrl);
    else res.type('html').send(page('Canceled', '<h1>キャンセルしました / Checkout canceled</h1>'));
  });

  r.use('/buyer', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AmazonError)) {
      next(err);
      return;
    }
    res.status(err.status).type('html').send(page('Amazon Pay error', `<h1>エラー / Error</h1><p id="error-code">${esc(err.reasonCode)}</p><p>${esc(err.message)}</p>`));
  });
  return r;
}

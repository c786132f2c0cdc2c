// Console actions without page reloads: confirm dialog, JSON POST with the CSRF token, outcome message, panel refresh and polling.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
  var T = {
    ja: { done: '完了しました', accepted: '受け付けました。処理中です…', failed: 'エラー', amount: '金額', reason: '理由', status: '対応状況', network: '通信エラー', redriven: '再取得しました', period: '回', resent: '再送を受け付けました。まもなく送信されます。', approvalRequired: '返金は承認待ちです。この金額の返金には別の編集者の承認が必要で、承認されるまでAmazonでは返金されません (「承認待ちの返金」を参照)。', approved: '返金を承認しました。返金を実行しています。', rejected: '返金を却下しました。返金は行われません。' },
    en: { done: 'Done', accepted: 'Accepted; processing…', failed: 'Error', amount: 'Amount', reason: 'Reason', status: 'Order status', network: 'Network error', redriven: 'Re-read from Amazon', period: 'period', resent: 'Resend accepted; it goes out shortly.', approvalRequired: 'The refund waits for approval: another editor must approve a refund of this amount before anything is refunded at Amazon (see "Refunds waiting for approval").', approved: 'Refund approved; it is being refunded.', rejected: 'Refund rejected; nothing is refunded.' }
  }[lang];
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  function requestId() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return 'console-' + Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  /*
   * One requestId per intended action: a click makes one, and it is sent again by every retry until the engine gave a
   * definite answer (2xx or 4xx). After a network error or a 5xx the outcome is unknown, so the next click on the same
   * action resends the same requestId: the engine answers with the first result instead of acting twice (and refuses
   * it with request_id_reused if the amount was changed meanwhile). Kept in sessionStorage so a panel refresh or a
   * page reload does not lose it.
   */
  var unsettled = {};
  function intendedRequestId(url) {
    var id;
    try { id = window.sessionStorage.getItem('engine-request:' + url); } catch { id = unsettled[url]; }
    if (id) return id;
    id = requestId();
    try { window.sessionStorage.setItem('engine-request:' + url, id); } catch { unsettled[url] = id; }
    return id;
  }
  function settled(url) {
    try { window.sessionStorage.removeItem('engine-request:' + url); } catch { /* not available */ }
    delete unsettled[url];
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, 'x-requested-with': 'fetch', accept: 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
    });
  }

  function show(kind, text) {
    var out = document.getElementById('outcome');
    if (!out) return;
    out.className = 'outcome ' + kind;
    out.textContent = text;
  }

  function errorText(res) {
    var e = (res.body && res.body.error) || {};
    var d = e.details || {};
    var msg = (d.adminMessage && d.adminMessage[lang]) || e.message || '';
    return T.failed + ' (' + res.status + ') ' + (e.code || '') + (msg ? ': ' + msg : '');
  }

  // ---- order panel: refresh and polling while Amazon is still processing ----
  var pollUntil = 0;
  var pollTimer = null;
  function panel() { return document.getElementById('order-panel'); }
  /** Re-renders a panel from its server fragment; resolves true when it was replaced. */
  function reloadPanel(elementId, url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'x-requested-with': 'fetch' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return false;
        var holder = document.createElement('div');
        holder.innerHTML = html;
        var fresh = holder.firstElementChild;
        var old = document.getElementById(elementId);
        if (fresh && old) old.replaceWith(fresh);
        return true;
      });
  }
  function refresh() {
    var p = panel();
    if (!p) return Promise.resolve();
    var id = p.getAttribute('data-order-id');
    return reloadPanel('order-panel', '/admin/orders/' + encodeURIComponent(id) + '/panel')
      .then(function (replaced) {
        if (!replaced) return;
        bindForms();
        bindResend();
        schedulePoll();
      })
      .catch(function () { /* next poll or refresh button */ });
  }
  /** Amazon still processing a payment, or an event's delivery to the shop still pending: the panel is re-read a while. */
  function pendingPanel(p) {
    return p.getAttribute('data-pending') === 'true' || p.getAttribute('data-events-pending') === 'true';
  }
  function schedulePoll() {
    var p = panel();
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (!p) return;
    var pending = pendingPanel(p);
    if (pending && pollUntil === 0) pollUntil = Date.now() + 120000;
    if (pending && Date.now() < pollUntil) pollTimer = setTimeout(refresh, 1500);
    else if (!pending) pollUntil = 0;
  }

  // ---- confirmation dialog ----
  function confirmAction(text) {
    var dlg = document.getElementById('confirm-dialog');
    if (!dlg || typeof dlg.showModal !== 'function') return Promise.resolve(window.confirm(text));
    document.getElementById('confirm-text').textContent = text;
    return new Promise(function (resolve) {
      dlg.addEventListener('close', function onClose() {
        dlg.removeEventListener('close', onClose);
        resolve(dlg.returnValue === 'ok');
      });
      dlg.returnValue = '';
      dlg.showModal();
      document.getElementById('confirm-yes').focus();
    });
  }

  /** An amount typed in the panel's currency, in integer minor units (data-digits: the currency's decimals). */
  function toMinor(value, p) {
    var digits = Number(p.getAttribute('data-digits') || '0');
    return Math.round(Number(value) * Math.pow(10, digits));
  }

  /** Confirms, then POSTs the action with its intended requestId while the form shows it is busy; `after` runs in any case. */
  function runAction(form, summary, url, body, onAnswer, after) {
    confirmAction(summary + '?').then(function (ok) {
      if (!ok) return;
      body.requestId = intendedRequestId(url);
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      show('busy', T.accepted);
      post(url, body)
        .then(function (res) {
          if (res.status < 500) settled(url);
          if (res.status === 200 || res.status === 202) onAnswer(res);
          else show('error', errorText(res));
        })
        .catch(function () { show('error', T.network); })
        .then(function () { form.removeAttribute('aria-busy'); return after(); });
    });
  }

  function bindAll(selector, handler) {
    var forms = document.querySelectorAll(selector);
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].getAttribute('data-bound')) continue;
      forms[i].setAttribute('data-bound', '1');
      forms[i].addEventListener('submit', handler);
    }
  }

  /** What an action form asks for: the body to POST and the confirmation's summary; null while the amount is not valid. */
  function readActionForm(form, p, id, amountActions) {
    var action = form.getAttribute('data-action');
    var body = {};
    var summary = form.getAttribute('data-confirm') + ' — ' + id;
    if (amountActions.indexOf(action) >= 0) {
      var input = form.querySelector('input[name="amount"]');
      if (!input.reportValidity()) return null;
      body.amount = toMinor(input.value, p);
      body.currency = p.getAttribute('data-currency');
      summary += ' / ' + T.amount + ': ' + input.value + ' ' + body.currency;
    } else if (action === 'cancel') {
      var reason = form.querySelector('input[name="reason"]').value.trim();
      if (reason) body.reason = reason;
      summary += reason ? ' / ' + T.reason + ': ' + reason : '';
    } else if (action === 'status') {
      var sel = form.querySelector('select[name="status"]');
      body.status = sel.value;
      summary += ' / ' + T.status + ': ' + sel.options[sel.selectedIndex].text;
    }
    return { action: action, body: body, summary: summary };
  }

  function onSubmit(ev) {
    ev.preventDefault();
    var form = ev.currentTarget;
    var p = panel();
    var orderId = p.getAttribute('data-order-id');
    var a = readActionForm(form, p, orderId, ['capture', 'refunds']);
    if (!a) return;
    runAction(form, a.summary, '/admin/orders/' + encodeURIComponent(orderId) + '/' + a.action, a.body, function (res) {
      if (res.status === 200) show('ok', T.done + (res.body.result && res.body.result.paymentStatus ? ' (' + res.body.result.paymentStatus + ')' : ''));
      // A refund above the shop's threshold: recorded, nothing moved; the panel lists it until another editor decides.
      else if (res.body && res.body.status === 'approval_required') show('warning', T.approvalRequired);
      else { show('busy', T.accepted); pollUntil = Date.now() + 120000; }
    }, refresh);
  }

  // ---- refunds waiting for approval: approve or reject (the order's workflow refuses the requester's own) ----
  function onDecision(ev) {
    ev.preventDefault();
    var form = ev.currentTarget;
    var inPanel = Boolean(form.closest('#order-panel'));
    var reasonInput = form.querySelector('input[name="reason"]');
    var reason = reasonInput ? reasonInput.value.trim() : '';
    confirmAction(form.getAttribute('data-confirm') + (reason ? ' / ' + T.reason + ': ' + reason : '') + '?').then(function (ok) {
      if (!ok) return;
      // The approvals page: the form posts itself and the page comes back with the outcome.
      if (!inPanel) { form.submit(); return; }
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      show('busy', T.accepted);
      post(form.getAttribute('action'), reason ? { reason: reason } : {})
        .then(function (res) {
          if (res.status === 200) show('ok', form.getAttribute('data-decision') === 'approve' ? T.approved : T.rejected);
          else if (res.status === 202) { show('busy', T.accepted); pollUntil = Date.now() + 120000; }
          else show('error', errorText(res));
        })
        .catch(function () { show('error', T.network); })
        .then(function () { form.removeAttribute('aria-busy'); return refresh(); });
    });
  }

  function bindForms() {
    bindAll('form.action', onSubmit);
    bindAll('form.approval-decision', onDecision);
  }

  // ---- an order's events: resend one delivery, or every delivery of an event; the panel then follows the delivery ----
  function bindResend() {
    var buttons = document.querySelectorAll('#order-panel button.resend');
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute('data-bound')) continue;
      buttons[i].setAttribute('data-bound', '1');
      buttons[i].addEventListener('click', function (e) {
        var b = e.currentTarget;
        var endpointId = b.getAttribute('data-endpoint-id');
        b.disabled = true;
        post('/admin/events/' + encodeURIComponent(b.getAttribute('data-event-id')) + '/resend', endpointId ? { endpointId: endpointId } : {})
          .then(function (res) {
            if (res.status === 202) { show('ok', T.resent); pollUntil = Date.now() + 60000; }
            else show('error', errorText(res));
          })
          .catch(function () { show('error', T.network); })
          .then(function () { b.disabled = false; return refresh(); });
      });
    }
  }

  // ---- 継続課金: a subscription's pause / resume / cancel / charge now, then its panel is re-rendered ----
  function subPanel() { return document.getElementById('subscription-panel'); }
  function refreshSubscription() {
    var p = subPanel();
    if (!p) return Promise.resolve();
    var id = p.getAttribute('data-subscription-id');
    return reloadPanel('subscription-panel', '/admin/subscriptions/' + encodeURIComponent(id) + '/panel')
      .then(function (replaced) { if (replaced) bindSubscriptionForms(); })
      .catch(function () { /* the refresh button tries again */ });
  }

  function onSubscriptionSubmit(ev) {
    ev.preventDefault();
    var form = ev.currentTarget;
    var p = subPanel();
    var id = p.getAttribute('data-subscription-id');
    var a = readActionForm(form, p, id, ['charges']);
    if (!a) return;
    runAction(form, a.summary, '/admin/subscriptions/' + encodeURIComponent(id) + '/' + a.action, a.body, function (res) {
      var r = res.body && res.body.result;
      if (res.status === 200) show('ok', T.done + (r && r.period ? ' (' + T.period + ' #' + r.period + ' ' + r.orderId + ': ' + r.paymentStatus + ')' : ''));
      else show('busy', T.accepted);
    }, refreshSubscription);
  }

  function bindSubscriptionForms() { bindAll('form.sub-action', onSubscriptionSubmit); }

  // ---- settings: chargeback warning follows the address choice ----
  function bindSettings() {
    var warn = document.getElementById('chargeback-warning');
    var radios = document.querySelectorAll('input[name="addressSource"]');
    for (var i = 0; i < radios.length; i++) {
      radios[i].addEventListener('change', function (e) { if (warn) warn.hidden = e.target.value !== 'buyer'; });
    }
  }

  // ---- recovery: re-read an entry's object from Amazon ----
  function bindRecovery() {
    var buttons = document.querySelectorAll('button.redrive');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener('click', function (e) {
        var b = e.currentTarget;
        b.disabled = true;
        post('/admin/recovery/' + encodeURIComponent(b.getAttribute('data-id')) + '/redrive', {})
          .then(function (res) { show(res.status < 300 ? 'ok' : 'error', res.status < 300 ? T.redriven : errorText(res)); })
          .catch(function () { show('error', T.network); })
          .then(function () { b.disabled = false; });
      });
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    bindForms();
    bindResend();
    schedulePoll();
    bindSettings();
    bindRecovery();
    bindSubscriptionForms();
    var rb = document.getElementById('refresh-button');
    if (rb) rb.addEventListener('click', function () { if (subPanel()) refreshSubscription(); else refresh(); });
  });
})();

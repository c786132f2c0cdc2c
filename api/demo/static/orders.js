// The shop's order list, live: each change the demo server hears from the engine arrives as one row (server-rendered
// and escaped there) on the store's stream (the table's data-stream: /demo/orders/stream, or a shop's under
// /demo/shops/<shopId>), and replaces that order's row at the top of the table.
(function () {
  'use strict';
  var table = document.getElementById('shop-orders');
  var state = document.getElementById('live-state');
  var empty = document.getElementById('no-shop-orders');
  var streamUrl = table && table.getAttribute('data-stream');
  if (!table || !streamUrl || typeof window.EventSource !== 'function') return;
  var body = table.tBodies[0];

  function upsert(msg) {
    var holder = document.createElement('tbody');
    holder.innerHTML = msg.html;
    var row = holder.firstElementChild;
    if (!row) return;
    var rows = body.rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-order-id') === msg.orderId) { rows[i].remove(); break; }
    }
    body.insertBefore(row, body.firstChild);
    if (empty) empty.hidden = true;
  }

  var source = new EventSource(streamUrl);
  source.addEventListener('open', function () { state.textContent = 'ライブ更新中 / Live'; table.setAttribute('data-live', 'true'); });
  source.addEventListener('error', function () { state.textContent = '再接続中… / Reconnecting…'; table.setAttribute('data-live', 'false'); });
  source.addEventListener('order', function (e) {
    try { upsert(JSON.parse(e.data)); } catch { /* a malformed message is skipped */ }
  });
})();

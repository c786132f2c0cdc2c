// Renders the Amazon Pay button from the checkout API's button config (Amazon's checkout.js, or the simulator's stand-in).
(function () {
  'use strict';
  var holder = document.getElementById('amazon-pay-config');
  var target = document.getElementById('AmazonPayButton');
  if (!holder || !target) return;
  if (!window.amazon || !window.amazon.Pay) {
    target.textContent = 'Amazon Payを読み込めませんでした。/ Amazon Pay could not be loaded.';
    return;
  }
  window.amazon.Pay.renderButton('#AmazonPayButton', JSON.parse(holder.textContent));
})();

/* Card payment with Stripe.js: mount the card field, confirm the PaymentIntent with its client
   secret (Stripe.js runs 3-D Secure itself when the bank asks: requires_action), then go to the
   status page. On the status page, ask the server until the payment is final, then reload. */
(function () {
  "use strict";

  var form = document.getElementById("card-payment");
  if (form) { payPage(form); }
  var status = document.getElementById("payment-status");
  if (status && status.dataset.final !== "true") { pollStatus(status); }

  function payPage(form) {
    var errors = document.getElementById("card-errors");
    var button = form.querySelector("button[type=submit]");
    function fail(message) {
      errors.textContent = message || form.dataset.failedText;
      errors.hidden = false;
      button.disabled = false;
    }
    if (typeof window.Stripe !== "function") {
      fail(form.dataset.unavailableText);
      button.disabled = true;
      return;
    }
    var stripe = window.Stripe(form.dataset.publishableKey, { locale: form.dataset.locale });
    var secret = form.dataset.clientSecret;
    var card = null;
    if (form.dataset.status !== "requires_action") {
      card = stripe.elements().create("card", { hidePostalCode: true });
      card.mount("#card-element");
    }
    button.disabled = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.hidden = true;
      // Waiting on the bank: the intent already has its card, Stripe.js only runs 3-D Secure.
      var data = card ? { payment_method: { card: card } } : undefined;
      stripe.confirmCardPayment(secret, data).then(function (result) {
        if (result.error) { fail(result.error.message); return; }
        window.location.assign(form.dataset.returnUrl);
      }, function () { fail(); });
    });
  }

  function pollStatus(section) {
    var DELAY_MS = 1500, MAX_TRIES = 80, tries = 0;
    function ask() {
      tries += 1;
      fetch(section.dataset.statusUrl, {
        headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) {
          if (data.final || (data.status && data.status !== section.dataset.status)) {
            window.location.reload();
          } else if (tries < MAX_TRIES) {
            window.setTimeout(ask, DELAY_MS);
          }
        }, function () { if (tries < MAX_TRIES) { window.setTimeout(ask, DELAY_MS); } });
    }
    window.setTimeout(ask, DELAY_MS);
  }
})();

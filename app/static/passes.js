/* The pass page: fetch a new code every ROTATION seconds; through a network drop keep showing
   the last code until it expires, then say so. Times come from the server, so a phone whose
   clock is off still counts down right. */
(function () {
  "use strict";
  var card = document.getElementById("pass");
  if (!card || !window.fetch) { return; }
  var qr = document.getElementById("pass-qr");
  var countdown = document.getElementById("pass-countdown");
  var refreshLabel = document.getElementById("pass-refresh-at");
  var timer = document.getElementById("pass-timer");
  var offline = document.getElementById("pass-offline");
  var validLabel = document.getElementById("pass-valid-until");
  var expired = document.getElementById("pass-expired");
  var RETRY_MS = 5000;

  var offset = Date.parse(card.dataset.now) - Date.now();
  var refreshAt = Date.parse(card.dataset.refreshAt);
  var validUntil = Date.parse(card.dataset.validUntil);
  var nextTry = refreshAt;
  var busy = false;

  function serverNow() { return Date.now() + offset; }

  function show(data) {
    offset = Date.parse(data.now) - Date.now();
    qr.innerHTML = data.svg;  // our own SVG, built from the token's QR modules
    refreshAt = Date.parse(data.refresh_at);
    validUntil = Date.parse(data.valid_until);
    nextTry = refreshAt;
    refreshLabel.textContent = data.refresh_text;
    validLabel.textContent = data.valid_until_label;
    offline.hidden = true;
    expired.hidden = true;
    timer.hidden = false;
    qr.classList.remove("expired");
  }

  function fetchCode() {
    busy = true;
    fetch(card.dataset.refreshUrl, {
      headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin"
    })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); }  // logged out: to the login page
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(show, function () {
        nextTry = serverNow() + RETRY_MS;
        offline.hidden = false;
      })
      .then(function () { busy = false; tick(); });
  }

  function tick() {
    var now = serverNow();
    if (now >= validUntil) {
      qr.classList.add("expired");
      qr.setAttribute("aria-hidden", "true");
      expired.hidden = false;
      offline.hidden = true;
      timer.hidden = true;
    } else {
      qr.removeAttribute("aria-hidden");
      countdown.textContent = String(Math.max(0, Math.ceil((refreshAt - now) / 1000)));
    }
    if (!busy && now >= nextTry) { fetchCode(); }
  }

  window.addEventListener("online", function () { if (!busy) { fetchCode(); } });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !busy) { fetchCode(); }  // back from the background: a fresh code
  });
  setInterval(tick, 1000);
  tick();
}());

// The "Print" buttons ([data-print]): a handler here, since the CSP allows no inline onclick.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

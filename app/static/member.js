// Member pages, progressive enhancement only: every link and form works without this file.
(function () {
  "use strict";

  // A desk tapped on the plan opens a bottom sheet with the same actions as its list entry.
  var sheet = document.getElementById("sheet");
  if (sheet && typeof sheet.showModal === "function") {
    var body = sheet.querySelector(".sheet-body");
    document.querySelectorAll(".member-plan a[data-sheet]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var item = document.getElementById(link.getAttribute("data-sheet"));
        if (!item || event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        body.innerHTML = item.innerHTML;
        sheet.setAttribute("aria-label", link.getAttribute("aria-label") || "");
        sheet.showModal();
        var first = body.querySelector("button, a");
        if (first) first.focus();
      });
    });
    sheet.addEventListener("click", function (event) {
      if (event.target === sheet) sheet.close(); // a tap on the backdrop closes it
    });
  }

  // Let the plan shrink to the screen width, or show it at a comfortable tap size.
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    var scroller = document.querySelector("[data-plan]");
    var plan = scroller && scroller.querySelector("svg");
    if (!plan || plan.getBoundingClientRect().width <= scroller.clientWidth + 1) return;
    var fitLabel = button.textContent;
    var zoomLabel = button.getAttribute("data-zoom-label") || "+";
    button.hidden = false;
    button.addEventListener("click", function () {
      var fit = scroller.classList.toggle("fit");
      button.textContent = fit ? zoomLabel : fitLabel;
    });
  });

  // A wide screen has room for the list of desks and rooms under the plan; a phone keeps it
  // folded (one tap on its summary opens it, with or without this file).
  if (window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }

  // Changing the date shows that day straight away.
  document.querySelectorAll("input[data-autosubmit]").forEach(function (input) {
    if (input.form) input.form.classList.add("auto");
    input.addEventListener("change", function () {
      if (input.value && input.form) input.form.submit();
    });
  });
})();

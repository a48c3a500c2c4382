// Member pages, progressive enhancement only: every link and form works without this file.
(function () {
  "use strict";

  // The list of desks and rooms under the plan is not part of the page: it is fetched the
  // first time it is wanted (unfolded, or a desk tapped), then kept. Without this file its
  // link shows the page again with the list drawn in.
  var list = document.querySelector("ul.res-list[data-list-url]");
  var listLoading = null;
  function loadList() {
    if (!list || list.hasAttribute("data-loaded")) return Promise.resolve(list);
    if (!listLoading) {
      list.setAttribute("aria-busy", "true");
      listLoading = fetch(list.getAttribute("data-list-url"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("list: " + response.status);
          return response.text();
        })
        .then(function (html) {
          list.innerHTML = html;
          list.setAttribute("data-loaded", "");
          return list;
        })
        .catch(function () {
          listLoading = null; // the link in the list still works; try again next time
          return null;
        })
        .finally(function () {
          list.setAttribute("aria-busy", "false");
        });
    }
    return listLoading;
  }
  document.querySelectorAll("details.res-details").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) loadList();
    });
    if (details.open) loadList();
  });

  // A desk tapped on the plan opens a bottom sheet with the same actions as its list entry.
  var sheet = document.getElementById("sheet");
  if (sheet && typeof sheet.showModal === "function") {
    var body = sheet.querySelector(".sheet-body");
    document.querySelectorAll(".member-plan a[data-sheet]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        loadList().then(function () {
          var item = document.getElementById(link.getAttribute("data-sheet"));
          if (!item) {
            window.location.href = link.href; // no list to show: the desk's own page
            return;
          }
          body.innerHTML = item.innerHTML;
          sheet.setAttribute("aria-label", link.getAttribute("aria-label") || "");
          sheet.showModal();
          var first = body.querySelector("button, a");
          if (first) first.focus();
        });
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

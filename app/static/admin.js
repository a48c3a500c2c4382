// Floor-plan editor: drag a desk or room on the SVG; the position goes into the "place" form,
// which the admin saves with a normal POST. Without JavaScript the form works by typing.
(function () {
  "use strict";
  var svg = document.getElementById("plan-editor");
  if (!svg) { return; }
  var form = document.getElementById(svg.dataset.form);
  if (!form) { return; }
  var select = form.querySelector("select");
  var inputX = form.querySelector("input[name$='x']");
  var inputY = form.querySelector("input[name$='y']");
  var plan = svg.viewBox.baseVal;
  var drag = null;

  function toPlan(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

  function moveTo(group, x, y) {
    var rect = group.querySelector("rect");
    var text = group.querySelector("text");
    rect.setAttribute("x", x);
    rect.setAttribute("y", y);
    if (text) { text.setAttribute("x", x + 4); text.setAttribute("y", y + 18); }
    group.dataset.x = x;
    group.dataset.y = y;
  }

  function choose(group) {
    svg.querySelectorAll(".res.selected").forEach(function (g) { g.classList.remove("selected"); });
    group.classList.add("selected");
    select.value = group.dataset.id;
    inputX.value = group.dataset.x;
    inputY.value = group.dataset.y;
  }

  svg.addEventListener("pointerdown", function (event) {
    var group = event.target.closest(".res");
    if (!group) { return; }
    event.preventDefault();
    var at = toPlan(event);
    drag = {
      group: group,
      dx: at.x - Number(group.dataset.x),
      dy: at.y - Number(group.dataset.y),
      width: Number(group.dataset.width),
      height: Number(group.dataset.height)
    };
    group.setPointerCapture(event.pointerId);
    group.classList.add("dragging");
    choose(group);
  });

  svg.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var at = toPlan(event);
    var x = Math.round(clamp(at.x - drag.dx, 0, plan.width - drag.width));
    var y = Math.round(clamp(at.y - drag.dy, 0, plan.height - drag.height));
    moveTo(drag.group, x, y);
    inputX.value = x;
    inputY.value = y;
  });

  function drop() {
    if (!drag) { return; }
    drag.group.classList.remove("dragging");
    drag = null;
    form.querySelector("button[type='submit']").focus({ preventScroll: true });
  }
  svg.addEventListener("pointerup", drop);
  svg.addEventListener("pointercancel", drop);

  // Typing coordinates or choosing another resource shows it on the plan straight away.
  function preview() {
    var group = svg.querySelector(".res[data-id='" + select.value + "']");
    if (!group) { return; }
    if (document.activeElement === select) {
      choose(group);
      return;
    }
    var x = Number(inputX.value), y = Number(inputY.value);
    if (!isNaN(x) && !isNaN(y)) { moveTo(group, x, y); }
  }
  select.addEventListener("change", preview);
  inputX.addEventListener("input", preview);
  inputY.addEventListener("input", preview);
})();

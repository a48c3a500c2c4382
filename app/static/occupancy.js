// Live occupancy widget (templates/occupancy/_live.html): people per zone and per hub, zone
// capacity and a 5-minute sparkline. Listens to the server-sent events of
// /occupancy/<hub>/stream; without EventSource, or after the stream keeps failing, it polls the
// JSON instead. Text comes from the template (translated); data goes in with textContent only.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var POLL_MS = 10000;
  var MAX_FAILURES = 3;

  function format(template, count) {
    return String(template).replace("%(count)s", String(count));
  }

  function sparkline(svg, values, ceiling) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = Number(svg.getAttribute("width")) || 120;
    var height = Number(svg.getAttribute("height")) || 24;
    var known = values.filter(function (v) { return v !== null && v !== undefined; });
    if (!known.length) return;
    var top = Math.max(ceiling || 0, Math.max.apply(null, known), 1);
    var step = values.length > 1 ? width / (values.length - 1) : width;
    var points = [];
    function flush() {
      if (points.length) {
        var line = document.createElementNS(SVG, "polyline");
        line.setAttribute("points", points.length === 1 ? points[0] + " " + points[0] : points.join(" "));
        line.setAttribute("fill", "none");
        line.setAttribute("stroke", "currentColor");
        line.setAttribute("stroke-width", "2");
        line.setAttribute("stroke-linejoin", "round");
        svg.appendChild(line);
      }
      points = [];
    }
    values.forEach(function (v, i) {
      if (v === null || v === undefined) { flush(); return; }
      var y = height - 2 - (v / top) * (height - 4);
      points.push((i * step).toFixed(1) + "," + y.toFixed(1));
    });
    flush();
    if (ceiling) {
      var cap = document.createElementNS(SVG, "line");
      var y = (height - 2 - (ceiling / top) * (height - 4)).toFixed(1);
      cap.setAttribute("x1", "0"); cap.setAttribute("x2", String(width));
      cap.setAttribute("y1", y); cap.setAttribute("y2", y);
      cap.setAttribute("stroke", "currentColor");
      cap.setAttribute("stroke-dasharray", "3 3");
      cap.setAttribute("opacity", "0.5");
      svg.appendChild(cap);
    }
  }

  function cell(row, label, text) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function zoneNow(zone, t) {
    if (zone.people !== null) return String(zone.people);
    if (zone.present === true) return t.present;
    if (zone.present === false) return t.nobody;
    if (!zone.sensors) return t.noSensor;
    return zone.sensors_online ? t.unknown : t.offline;
  }

  function start(root) {
    var t = JSON.parse(root.getAttribute("data-labels") || "{}");
    var heads = Array.prototype.map.call(root.querySelectorAll("thead th"), function (th) { return th.textContent; });
    var total = root.querySelector("[data-occupancy-total]");
    var spark = root.querySelector("[data-occupancy-spark]");
    var status = root.querySelector("[data-occupancy-status]");
    var zones = root.querySelector("[data-occupancy-zones]");
    var rooms = root.querySelector("[data-occupancy-rooms]");

    function render(data) {
      total.textContent = data.people === null ? "–" : String(data.people);
      sparkline(spark, data.history, 0);
      var peak = data.history.filter(function (v) { return v !== null; });
      spark.setAttribute("aria-label", peak.length ? format(t.peak, Math.max.apply(null, peak)) : t.unknown);

      zones.textContent = "";
      if (!data.zones.length) {
        var empty = document.createElement("tr");
        cell(empty, "", t.noZones).colSpan = 4;
        zones.appendChild(empty);
      }
      data.zones.forEach(function (zone) {
        var row = document.createElement("tr");
        if (zone.full) row.className = "occupancy-full";
        var name = cell(row, heads[0], zone.name + " ");
        var floor = document.createElement("span");
        floor.className = "muted";
        floor.textContent = "· " + zone.floor;
        name.appendChild(floor);
        cell(row, heads[1], zoneNow(zone, t));
        var capacity = cell(row, heads[2], zone.capacity === null ? "–" : String(zone.capacity));
        if (zone.full) {
          var badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = t.full;
          capacity.appendChild(document.createTextNode(" "));
          capacity.appendChild(badge);
        }
        var history = cell(row, heads[3]);
        var svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("width", "120"); svg.setAttribute("height", "24");
        svg.setAttribute("viewBox", "0 0 120 24");
        svg.setAttribute("aria-hidden", "true");
        var counts = zone.history.some(function (v) { return v !== null; });
        sparkline(svg, counts ? zone.history : zone.presence.map(function (p) { return p === null ? null : (p ? 1 : 0); }), counts ? zone.capacity : 1);
        history.appendChild(svg);
        zones.appendChild(row);
      });

      rooms.textContent = "";
      if (!data.rooms.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = t.noRooms;
        rooms.appendChild(none);
      }
      data.rooms.forEach(function (room) {
        var item = document.createElement("li");
        var state = !room.sensors ? t.noSensor
          : room.people || room.present ? t.inUse
          : (room.present === false || room.people === 0 ? t.empty : t.unknown);
        item.textContent = room.name + ": " + state;
        rooms.appendChild(item);
      });
    }

    var polling = null;
    function poll() {
      fetch(root.getAttribute("data-json"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { status.textContent = ""; render(data); })
        .catch(function () { status.textContent = t.stale; });
    }
    function startPolling() {
      if (polling) return;
      poll();
      polling = window.setInterval(poll, POLL_MS);
    }

    if (!("EventSource" in window)) { startPolling(); return; }
    var failures = 0;
    var source = new EventSource(root.getAttribute("data-stream"));
    source.addEventListener("occupancy", function (event) {
      failures = 0;
      status.textContent = "";
      render(JSON.parse(event.data));
    });
    source.onerror = function () {
      // The server ends each stream after a few minutes and the browser reconnects: only
      // repeated failures without any event in between mean the stream is not getting through.
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures >= MAX_FAILURES) {
        source.close();
        startPolling();
      }
    };
  }

  document.querySelectorAll("[data-occupancy]").forEach(start);
})();

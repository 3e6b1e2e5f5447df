/* careerhub: charts from data attributes (no inline scripts: the CSP forbids them), re-drawn after htmx swaps. */
(function () {
  "use strict";
  var charts = new WeakMap();

  function draw(root) {
    if (typeof Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (charts.has(canvas)) { charts.get(canvas).destroy(); }
      var spec = JSON.parse(canvas.getAttribute("data-chart"));
      spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" } } }, spec.options || {});
      charts.set(canvas, new Chart(canvas, spec));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt); });
  document.addEventListener("htmx:sendError", function () {
    var alerts = document.getElementById("alerts");
    if (alerts) { alerts.textContent = "The server could not be reached. Check your connection and try again."; }
  });
})();

/* Keyboard focus follows an htmx result: a swapped-in region marked data-takes-focus (a matcher run, an
   accepted row, a comparison, a search) receives it, so a keyboard or screen-reader user lands on what
   changed instead of the top of the page. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {  // a full page keeps its natural focus order
    document.querySelectorAll("[data-takes-focus]").forEach(function (e) { e.removeAttribute("data-takes-focus"); });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
    var target = root.matches && root.matches("[data-takes-focus]") ? root : root.querySelector("[data-takes-focus]");
    if (!target) { target = document.querySelector("[data-takes-focus]"); }
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus({ preventScroll: false });
      target.removeAttribute("data-takes-focus");
    }
  });
})();

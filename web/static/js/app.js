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

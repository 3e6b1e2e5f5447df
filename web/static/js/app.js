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

/* Form fields follow the URL on back/forward: htmx restores a page from its history cache with the
   fields as they were first rendered, while the figures are those of the restored URL. After a restore,
   each field of a form marked data-follows-url takes the value the URL gives it, or its rendered default
   when the URL does not name it (the server's default then, too). A cache miss reloads the whole page. */
(function () {
  "use strict";
  function follow(field, params) {
    if (!field.name || ["hidden", "submit", "button", "file"].indexOf(field.type) >= 0) { return; }
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = params.has(field.name) ? params.getAll(field.name).indexOf(field.value) >= 0 : field.defaultChecked;
    } else if (field.tagName === "SELECT") {
      var wanted = params.get(field.name);
      Array.prototype.forEach.call(field.options, function (o) {
        o.selected = wanted === null ? o.defaultSelected : o.value === wanted;
      });
    } else {
      field.value = params.has(field.name) ? params.get(field.name) : field.defaultValue;
    }
  }
  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-follows-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) { follow(field, params); });
    });
  });
})();

/* An error about one field (the message in #alerts names it: data-field) marks that field of the form that
   sent the request: aria-invalid, described by the message, and focused; the next request clears the mark. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function () {
    document.querySelectorAll("[data-marked-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.setAttribute("aria-describedby", field.getAttribute("data-marked-invalid"));
      if (!field.getAttribute("aria-describedby")) { field.removeAttribute("aria-describedby"); }
      field.removeAttribute("data-marked-invalid");
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var message = document.querySelector("#alerts [data-field]");
    if (!message || !event.detail.elt || event.detail.elt.id !== "alerts") { return; }
    var sender = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = sender ? (sender.form || sender.closest("form")) : null;
    var name = message.getAttribute("data-field");
    var field = (form && form.elements.namedItem(name)) || document.querySelector('[name="' + CSS.escape(name) + '"]');
    if (!field || !field.setAttribute) { return; }
    var described = field.getAttribute("aria-describedby") || "";
    field.setAttribute("data-marked-invalid", described);
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", (described + " " + message.id).trim());
    field.focus();
  });
})();

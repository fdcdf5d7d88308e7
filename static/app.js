// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so screen reader users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // Filters sit beside the results on wide screens: keep them open there
  // (for browsers without ::details-content).
  if (window.matchMedia && window.matchMedia("(min-width: 768px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();

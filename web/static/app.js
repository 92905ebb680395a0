// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  if (window.minyiApp) { return; }  // loaded once per page
  window.minyiApp = true;

  // After a failed POST the error summary takes the focus, so that a screen reader reads
  // it and the page shows it (it is also marked autofocus for browsers without this file).
  var summary = document.querySelector("[data-error-summary]");
  var focusSummary = function () {
    if (summary && document.activeElement !== summary) { summary.focus(); }
  };
  focusSummary();
  // Scrolling to a URL fragment after loading may take the focus away again.
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      if (!document.activeElement || document.activeElement === document.body) { focusSummary(); }
    }, 0);
  });

  // A table wider than the screen scrolls inside its box: keyboard users must be able to
  // reach it (focusable, named after its caption).
  Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (w) {
    if (w.scrollWidth > w.clientWidth + 1 && !w.hasAttribute("tabindex")) {
      var caption = w.querySelector("caption");
      w.setAttribute("tabindex", "0");
      w.setAttribute("role", "region");
      w.setAttribute("aria-label", (caption ? caption.textContent.trim() + "，" : "") + "可左右滚动");
    }
  });

  // Folded filters (<details data-open-wide>) start open where there is room for them.
  if (window.matchMedia && window.matchMedia("(min-width: 861px)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"),
      function (d) { d.open = true; });
  }
  // Live character counter for textareas with data-counter="<id of the hint>".
  var areas = document.querySelectorAll("textarea[data-counter]");
  Array.prototype.forEach.call(areas, function (area) {
    var hint = document.getElementById(area.getAttribute("data-counter"));
    if (!hint) { return; }
    var max = parseInt(hint.getAttribute("data-max"), 10) || 0;
    var out = hint.querySelector(".count");
    var update = function () {
      // Count characters, not UTF-16 units, and line breaks as one, like the server.
      var n = Array.from(area.value.replace(/\r\n/g, "\n")).length;
      out.textContent = String(n);
      var left = max - n;
      hint.classList.toggle("near-limit", left >= 0 && left <= 100);
      hint.classList.toggle("over-limit", left < 0);
    };
    area.addEventListener("input", update);
    update();
  });
})();

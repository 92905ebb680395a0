// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
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

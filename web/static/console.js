/* Staff console helpers: canned replies into the reply box, and single-key shortcuts.
   Everything works without this script; it only saves keystrokes. Shortcuts can be
   switched off (remembered in this browser) and never fire while typing in a field. */
(function () {
  "use strict";

  // 答复模板: "使用此模板" puts the template's text into the reply box (asking first
  // when the box already holds text), then focuses it.
  document.querySelectorAll("[data-use-template]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var box = document.getElementById(button.getAttribute("data-target"));
      var text = button.parentElement.querySelector(".template-text");
      if (!box || !text) { return; }
      if (box.value.trim() && !window.confirm("用模板替换已填写的答复内容？")) { return; }
      box.value = text.textContent.trim();
      box.focus();
    });
  });

  var KEY = "minyi-shortcuts-off";
  var toggle = document.querySelector("[data-shortcuts-toggle]");
  function enabled() {
    try { return window.localStorage.getItem(KEY) !== "1"; } catch (e) { return true; }
  }
  if (toggle) {
    toggle.checked = enabled();
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(KEY, toggle.checked ? "0" : "1"); } catch (e) { /* private mode */ }
    });
  }

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (!enabled() || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { window.location.href = "/staff/"; event.preventDefault(); }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "m") {  // the main action: its first field, else its button
      var main = document.querySelector("[data-main-action]");
      var field = main && main.querySelector("textarea, select, input:not([type=hidden]), button");
      if (field) { field.focus(); event.preventDefault(); }
    } else if (key === "o") {
      var others = document.querySelector("[data-other-actions]");
      if (others) {
        others.open = !others.open;
        others.querySelector("summary").focus();
        event.preventDefault();
      }
    } else if (key === "j" || key === "k") {  // the inbox: next / previous item
      var links = Array.prototype.slice.call(document.querySelectorAll("[data-item-link]"));
      if (!links.length) { return; }
      var at = links.indexOf(document.activeElement);
      var next = key === "j" ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1);
      links[next].focus();
      event.preventDefault();
    } else if (key === "/") {
      var search = document.querySelector("input[type=search]");
      if (search) { search.focus(); event.preventDefault(); }
    }
  });
})();

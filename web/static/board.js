// The incident board refreshes itself: every 5 seconds while the page is visible it fetches
// the table again and swaps it in only when something changed, then says so in one short
// live-region sentence (the table itself is not a live region: a screen reader would read
// it all again on every refresh).
(function () {
  var board = document.getElementById("board");
  var status = document.getElementById("board-status");
  if (!board || !window.fetch) { return; }
  var url = new URL(window.location.href);
  url.searchParams.set("partial", "1");
  var last = board.innerHTML.trim();
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || html.trim() === last) { return; }
        last = html.trim();
        board.innerHTML = html;
        if (status) {
          var time = new Date().toLocaleTimeString("zh-CN", {hour12: false});
          status.textContent = "看板已于 " + time + " 更新";
        }
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
  document.addEventListener("visibilitychange", refresh);
})();

// Ticks the server-rendered "time left" every second. Progressive enhancement: without JavaScript the page
// shows the time left when it was loaded, and the server enforces the deadline either way.
(function () {
  "use strict";
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  document.querySelectorAll("[data-countdown]").forEach(function (node) {
    var until = Date.parse(node.getAttribute("data-countdown"));
    if (isNaN(until)) { return; }
    var tick = function () {
      var left = Math.floor((until - Date.now()) / 1000);
      if (left <= 0) { node.textContent = node.getAttribute("data-done"); return; }
      var days = Math.floor(left / 86400), rest = left % 86400;
      var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60);
      node.textContent = (days ? days + " · " : "") + clock;
      window.setTimeout(tick, 1000);
    };
    tick();
  });
})();

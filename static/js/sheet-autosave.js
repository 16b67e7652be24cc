// Saves a score sheet as a draft while the juror types (a second after the last keystroke), and keeps the
// typing in this browser so that a lost connection loses nothing: on return, typed values the server does not
// have yet are put back and sent. Without JavaScript the "Save as draft" button does the same by hand.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var key = "sheet-draft:" + location.pathname + ":" + form.getAttribute("data-autosave");
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var say = function (which) { if (status) { status.textContent = status.getAttribute("data-" + which) || ""; } };
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (f) {
      return f.name && f.type !== "submit" && f.type !== "hidden";
    });
  };
  var remember = function () {
    var values = {};
    fields().forEach(function (f) { values[f.name] = f.value; });
    try { localStorage.setItem(key, JSON.stringify(values)); } catch (e) { /* private mode: the server copy is enough */ }
  };
  var send = function () {
    var data = new FormData(form);
    data.append("save", "y");
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin", headers: {"X-Autosave": "1"}})
      .then(function (response) {
        if (response.status === 204) { say("saved"); try { localStorage.removeItem(key); } catch (e) {} }
      })
      .catch(function () { say("offline"); });
  };
  var later = function () { remember(); window.clearTimeout(timer); timer = window.setTimeout(send, 1000); };
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  if (kept) {
    var changed = false;
    fields().forEach(function (f) {
      if (Object.prototype.hasOwnProperty.call(kept, f.name) && kept[f.name] !== f.value && kept[f.name] !== "") {
        f.value = kept[f.name];
        changed = true;
      }
    });
    if (changed) { later(); }
  }
  form.addEventListener("input", later);
  window.addEventListener("online", function () { if (localStorage.getItem(key)) { send(); } });
  form.addEventListener("submit", function () { try { localStorage.removeItem(key); } catch (e) {} });
})();

/* The page shell: the header's menu button on narrow screens, filter panels folded on phones,
   and the browser's time zone sent once when the user has none set. No inline scripts (the
   Content-Security-Policy forbids them). */
(function () {
  "use strict";
  var PHONE = window.matchMedia("(max-width: 800px)");

  function menu() {
    var header = document.querySelector(".topbar");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) { return; }
    header.classList.add("has-menu");
    button.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) {
        header.classList.remove("open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  function folds() {
    /* <details class="fold" open>: open on wide screens, folded on phones */
    if (!PHONE.matches) { return; }
    document.querySelectorAll("details.fold[open]").forEach(function (panel) {
      if (!panel.querySelector("[aria-invalid=true]")) { panel.open = false; }
    });
  }

  function timeZone() {
    var target = document.body.dataset.timeZoneFrom;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (err) { zone = ""; }
    if (!target || !zone) { return; }
    var token = document.querySelector("input[name=csrf_token]");
    var body = new URLSearchParams({ time_zone: zone });
    fetch(target, { method: "POST", credentials: "same-origin", body: body,
                    headers: { "X-CSRFToken": token ? token.value : "" } })
      .then(function (response) {
        if (response.ok) { delete document.body.dataset.timeZoneFrom; document.body.dataset.timeZoneSent = zone; }
      })
      .catch(function () { /* next page tries again */ });
  }

  function start() { menu(); folds(); timeZone(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

/* The page shell: the header's menu button on narrow screens, the bell's dropdown, filter
   panels folded on phones, and the browser's time zone sent once when the user has none set.
   No inline scripts (the Content-Security-Policy forbids them). */
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

  function bell() {
    /* The bell opens a dropdown of the newest notifications instead of following its link
       (a click with a modifier key, or no script, still opens the whole list). htmx polls
       the bell and swaps it whole, so it is looked up on every use. */
    var panel = document.getElementById("bell-panel");
    if (!panel || !window.htmx) { return; }
    function link() { return document.getElementById("bell"); }
    function expanded() {
      var current = link();
      if (current) { current.setAttribute("aria-expanded", panel.hidden ? "false" : "true"); }
    }
    function close(focusBell) {
      panel.hidden = true;
      expanded();
      if (focusBell && link()) { link().focus(); }
    }
    function open() {
      panel.hidden = false;
      expanded();
      if (PHONE.matches) {  /* across the screen (app.css) */
        panel.style.left = "";
        panel.style.right = "";
      } else {  /* under the bell, inside the window */
        var left = link().getBoundingClientRect().left - 12;
        panel.style.left = Math.max(8, Math.min(left, window.innerWidth - panel.offsetWidth - 8)) + "px";
        panel.style.right = "auto";
      }
      htmx.ajax("GET", panel.dataset.src, { target: panel, swap: "innerHTML" });
    }
    document.addEventListener("click", function (event) {
      if (event.target.closest("#bell")) {
        if (event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
        event.preventDefault();
        if (panel.hidden) { open(); } else { close(false); }
      } else if (!panel.hidden && !panel.contains(event.target)) {
        close(false);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) { close(true); }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      expanded();
      /* opened, or "Mark all read" swapped the button away: focus stays in the dropdown */
      if (event.target === panel && !panel.hidden && !panel.contains(document.activeElement)) {
        var first = panel.querySelector(".bell-list a") || panel.querySelector("a, button");
        if (first) { first.focus(); }
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

  function start() { menu(); bell(); folds(); timeZone(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

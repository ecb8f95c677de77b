/* The inbox: select-all and the selection count for bulk actions, keyboard shortcuts (j/k,
   c, x, Enter, /, ?), and keeping the selection, the current row and the focus when the list
   refreshes itself (htmx polling swaps #inbox-results). No inline scripts (CSP). */
(function () {
  "use strict";

  var current = null;   /* id of the row j/k moved to */
  var kept = null;      /* what a swap must give back */

  function results() { return document.getElementById("inbox-results"); }
  function rows() { var r = results(); return r ? Array.prototype.slice.call(r.querySelectorAll("tbody tr[data-task-id]")) : []; }
  function boxes() { var r = results(); return r ? Array.prototype.slice.call(r.querySelectorAll("input[name=task_ids]")) : []; }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function countSelected() {
    var r = results();
    if (!r) { return; }
    var chosen = boxes().filter(function (b) { return b.checked; }).length;
    var label = r.querySelector("[data-selected-count]");
    if (label) {
      if (!label.dataset.idle) { label.dataset.idle = label.textContent; }
      label.textContent = chosen ? chosen + " \u2713" : label.dataset.idle;
      label.dataset.selected = String(chosen);
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes().length;
      all.indeterminate = chosen > 0 && chosen < boxes().length;
    }
  }

  function mark(id, focus) {
    current = id;
    rows().forEach(function (row) {
      var on = row.dataset.taskId === id;
      row.classList.toggle("current", on);
      if (on) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
      if (on && focus) {
        var link = row.querySelector("a.open");
        if (link) { link.focus(); }
        row.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var at = list.findIndex(function (row) { return row.dataset.taskId === current; });
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    mark(list[next].dataset.taskId, true);
  }

  function currentRow() {
    return rows().filter(function (row) { return row.dataset.taskId === current; })[0] || null;
  }

  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("q") || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target) || document.querySelector("dialog[open]")) { return; }
    /* "/" and "?" work while a poll is swapping the list; the row keys need the list */
    if (!results() && event.key !== "/" && event.key !== "?") { return; }
    var row = results() ? currentRow() : null;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "/": var q = document.getElementById("q"); if (q) { q.focus(); q.select(); } break;
      case "?": showShortcuts(); break;
      case "c":
        var claim = row && row.querySelector("button[data-action=claim]");
        if (!claim) { return; }
        claim.click(); break;
      case "x":
        var box = row && row.querySelector("input[name=task_ids]");
        if (!box) { return; }
        box.checked = !box.checked; countSelected(); break;
      case "Enter":
        if (!row || (event.target.closest && event.target.closest("a, button"))) { return; }
        row.querySelector("a.open").click(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    }
    if (event.target.id === "select-all" || event.target.name === "task_ids") { countSelected(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) { showShortcuts(); }
    var row = event.target.closest && event.target.closest("#inbox-results tbody tr[data-task-id]");
    if (row) { mark(row.dataset.taskId, false); }
  });

  /* A refresh must not throw away what the user is doing: skip the poll while a control of
     the list is being used, and give back selection, current row and focus after a swap. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var r = results();
    if (!r || event.detail.elt !== r) { return; }
    var active = document.activeElement;
    if (active && r.contains(active) && (active.tagName === "SELECT" || active.type === "date" ||
        (active.closest && active.closest("details[open]")))) {
      event.preventDefault();
    }
  });

  var acted = false;  /* a bulk action went through: its selection is done with */
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "bulk" && event.detail.successful) { acted = true; }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var r = results();
    if (!r || event.detail.target !== r) { return; }
    var active = document.activeElement;
    var bulk = r.querySelector("#bulk select[name=username]");
    kept = {
      checked: boxes().filter(function (b) { return b.checked; }).map(function (b) { return b.value; }),
      focusRow: active && r.contains(active) && active.closest("tr") ? active.closest("tr").id : null,
      focusSelector: active && r.contains(active) ? (active.id ? "#" + active.id : (active.classList.contains("open") ? "a.open" : null)) : null,
      assignee: bulk && !acted ? bulk.value : ""
    };
    if (acted) { kept.checked = []; acted = false; }
  });

  function restore() {
    var r = results();
    if (!r || !kept) { return; }
    var state = kept;
    kept = null;
    boxes().forEach(function (b) { b.checked = state.checked.indexOf(b.value) >= 0; });
    var bulk = r.querySelector("#bulk select[name=username]");
    if (bulk && state.assignee) { bulk.value = state.assignee; }
    if (current) { mark(current, false); }
    /* give focus back only if the user has not put it elsewhere since the swap ("/") */
    var now = document.activeElement;
    var moved = now && now !== document.body && !r.contains(now);
    if (state.focusSelector && !moved) {
      var scope = state.focusRow ? document.getElementById(state.focusRow) : r;
      var target = scope && (state.focusSelector.charAt(0) === "#" ? document.querySelector(state.focusSelector) : scope.querySelector(state.focusSelector));
      if (target) { target.focus(); }
    }
    countSelected();
  }

  /* htmx settles the swapped list (restoring its attributes) 20 ms after the swap: give the
     selection back after that */
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.id === "inbox-results") { window.setTimeout(restore, 40); }
  });
}());

/* SafePort's own script: the process diagram viewer and form conditions. No inline scripts
   anywhere (the Content-Security-Policy forbids them); everything is wired up from here. */
(function () {
  "use strict";

  var MARKERS = { COMPLETED: "state-completed", READY: "state-active", WAITING: "state-active",
                  STARTED: "state-active", ERROR: "state-error" };

  function showDiagram(container) {
    fetch(container.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("the diagram could not be loaded (" + response.status + ")"); }
        return response.json();
      })
      .then(function (data) {
        if (!data.has_layout) {
          var note = document.createElement("p");
          note.className = "muted";
          note.textContent = container.dataset.noLayout || "This process diagram has no layout (BPMN DI) to draw.";
          container.replaceChildren(note);
          container.dataset.rendered = "no-layout";
          return null;
        }
        container.innerHTML = "";
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(data.xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          var marked = 0;
          Object.keys(data.states).forEach(function (id) {
            var marker = MARKERS[data.states[id]];
            if (marker && registry.get(id)) { canvas.addMarker(id, marker); marked += 1; }
          });
          canvas.zoom("fit-viewport");
          container.dataset.rendered = "true";
          container.dataset.marked = String(marked);
        });
      })
      .catch(function (err) {
        container.innerHTML = "<p class=\"flash error\"></p>";
        container.firstChild.textContent = "The diagram could not be drawn: " + err.message;
        container.dataset.rendered = "error";
      });
  }

  /* form-js `conditional.hide` expressions of the simple kinds: =field = "value",
     =field != "value", =field, =not(field). Others leave the field shown; the server decides. */
  function condition(expression) {
    var m = /^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*"([^"]*)"\s*$/.exec(expression);
    if (m) { return { key: m[1], test: function (v) { return m[2] === "=" ? v === m[3] : v !== m[3]; } }; }
    m = /^=\s*not\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(expression);
    if (m) { return { key: m[1], test: function (v) { return !v; } }; }
    m = /^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(expression);
    if (m) { return { key: m[1], test: function (v) { return !!v; } }; }
    return null;
  }

  function valueOf(form, name) {
    var inputs = form.querySelectorAll("[name=\"" + name + "\"]");
    var value = null;
    inputs.forEach(function (input) {
      if (input.type === "radio") { if (input.checked) { value = input.value; } }
      else if (input.type === "checkbox") { value = input.checked; }
      else { value = input.value === "" ? null : input.value; }
    });
    return value;
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-hide]").forEach(function (field) {
      var c = condition(field.dataset.hide);
      if (!c) { return; }
      field.hidden = c.test(valueOf(form, (field.dataset.prefix || "") + c.key));
    });
  }

  function init(root) {
    root.querySelectorAll("#diagram[data-src]:not([data-rendered])").forEach(showDiagram);
    root.querySelectorAll("form.task").forEach(function (form) {
      applyConditions(form);
      form.addEventListener("change", function () { applyConditions(form); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    /* a refused submission: the summary of problems takes the focus, so it is read first */
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
  });
}());

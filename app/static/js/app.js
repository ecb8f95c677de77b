/* SafePort's own script: form conditions (the case page's diagram is js/diagram.js). No inline
   scripts anywhere (the Content-Security-Policy forbids them); everything is wired up from here. */
(function () {
  "use strict";

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

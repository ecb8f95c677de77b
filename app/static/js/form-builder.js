/* The form builder: bpmn.io's form editor (form-js) on the same form-js JSON SafePort runs.
   The JSON textarea stays the one thing that is saved: every change in the builder is written
   into it (so the preview and the Save button see it), and switching back to the builder reads
   it again. SafePort's own rules are checked by the server on save and listed above. */
(function () {
  "use strict";

  var builderHost, textarea, editor, builderTab, jsonTab, builderPanel, jsonPanel;

  function show(which) {
    var builder = which === "builder";
    builderTab.setAttribute("aria-selected", String(builder));
    jsonTab.setAttribute("aria-selected", String(!builder));
    builderPanel.classList.toggle("form-panel-hidden", !builder);
    /* the JSON panel holds the Save button and the preview: only the textarea folds away */
    jsonPanel.classList.toggle("builder-mode", builder);
    if (builder && editor) { load(); }
  }

  function writeBack() {
    var schema = editor.saveSchema();
    var text = JSON.stringify(schema, null, 2);
    if (textarea.value !== text) {
      textarea.value = text;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview
    }
  }

  function load() {
    var schema;
    try {
      schema = JSON.parse(textarea.value || "{}");
    } catch (err) {
      say("The JSON is not valid (" + err.message + "): fix it in the JSON tab.");
      show("json");
      return Promise.resolve();
    }
    return editor.importSchema(schema).then(function () {
      builderHost.dataset.ready = "true";
      say("");
    }).catch(function (err) {
      say("The form builder cannot open this form: " + err.message + ". Edit it as JSON.");
      builderHost.dataset.ready = "error";
    });
  }

  function say(text) {
    var note = document.getElementById("form-builder-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "form-builder-note";
      note.className = "flash warn";
      note.setAttribute("role", "status");
      builderPanel.insertBefore(note, builderHost);
    }
    note.hidden = !text;
    note.textContent = text;
  }

  function start() {
    builderHost = document.getElementById("form-builder");
    textarea = document.getElementById("definition");
    builderTab = document.getElementById("tab-builder");
    jsonTab = document.getElementById("tab-json");
    builderPanel = document.getElementById("form-builder-panel");
    jsonPanel = document.getElementById("form-json-panel");
    if (!builderHost || !window.FormEditor) { return; }
    builderHost.innerHTML = "";
    editor = new window.FormEditor.FormEditor({ container: builderHost });
    window.safeportFormEditor = editor;  // for browser tests and the console
    editor.on("changed", writeBack);
    builderTab.addEventListener("click", function () { show("builder"); });
    jsonTab.addEventListener("click", function () { show("json"); });
    load().then(function () {
      show(document.getElementById("form-problems") && builderHost.dataset.ready !== "true"
        ? "json" : "builder");
    });
  }

  document.addEventListener("DOMContentLoaded", start);
}());

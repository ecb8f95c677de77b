/* The process designer page: the bpmn-js modeler, a small properties panel for what SafePort
   reads (names, lanes as roles, user task formKey/dueIn/priority, a business rule task's
   calledDecisionId, timers, conditions, scripts),
   and the Save draft / Validate / Deploy / Download buttons. No inline scripts (CSP). */
(function () {
  "use strict";

  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var ROLES = ["Applicant", "Case worker", "Specialist"];
  var TIMER_KINDS = [["timeDuration", "Duration (ISO 8601, e.g. \"P30D\")"],
                     ["timeDate", "Date (ISO 8601 date-time)"],
                     ["timeCycle", "Cycle (e.g. \"R3/PT1H\")"]];
  var container = document.getElementById("modeler");
  if (!container) { return; }
  var statusLine = document.getElementById("designer-status");
  var panel = document.getElementById("properties");
  var modeler = null;
  var marked = [];
  var unsaved = false;  // edits not yet stored on the server (save, validate and deploy store)

  function stored() { unsaved = false; }

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = kind || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": container.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error("the server answered " + response.status);
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function currentXml() {
    return modeler.saveXML({ format: true }).then(function (result) { return result.xml; });
  }

  /* ---- problems list and markers ---- */

  function clearMarkers() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (id) { canvas.removeMarker(id, "designer-error"); });
    marked = [];
  }

  function showProblems(problems) {
    var list = document.getElementById("problems");
    var card = document.getElementById("problems-card");
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    clearMarkers();
    list.innerHTML = "";
    card.hidden = problems.length === 0;
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "problem";
      var where = [];
      if (problem.element_id) { where.push(problem.element_id); item.dataset.elementId = problem.element_id; }
      if (problem.line) { where.push("line " + problem.line); }
      item.textContent = problem.message + (where.length ? " (" + where.join(", ") + ")" : "");
      var element = problem.element_id ? registry.get(problem.element_id) : null;
      if (element) {
        if (marked.indexOf(element.id) === -1) { canvas.addMarker(element.id, "designer-error"); marked.push(element.id); }
        var show = document.createElement("button");
        show.type = "button";
        show.textContent = "Show";
        show.addEventListener("click", function () {
          modeler.get("selection").select(element);
          canvas.scrollToElement(element);
        });
        item.appendChild(show);
      }
      list.appendChild(item);
    });
    container.dataset.problems = String(problems.length);
  }

  /* ---- spiffworkflow:properties (kept as generic moddle elements, so nothing is lost) ---- */

  function spiffProperties(bo) {
    var ext = bo.extensionElements;
    var values = ext && ext.get("values") || [];
    for (var i = 0; i < values.length; i += 1) {
      if (values[i].$type === "spiffworkflow:properties") { return values[i]; }
    }
    return null;
  }

  function getSpiff(bo, name) {
    var props = spiffProperties(bo);
    var found = (props && props.$children || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value || "" : "";
  }

  /* the element's bpmn:extensionElements, created (as a modeling command) when it has none */
  function extensionElements(element) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = modeler.get("moddle").create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeler.get("modeling").updateModdleProperties(element, bo, { extensionElements: ext });
    }
    return ext;
  }

  function setSpiff(element, name, value) {
    var bo = element.businessObject;
    var moddle = modeler.get("moddle");
    var ext = extensionElements(element);
    var props = spiffProperties(bo);
    if (!props) {
      props = moddle.createAny("spiffworkflow:properties", SPIFF, {});
      props.$parent = ext;
      ext.get("values").push(props);
    }
    var children = props.$children = props.$children || [];
    var existing = children.filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (existing) { children.splice(children.indexOf(existing), 1); }
      if (!children.length) { ext.get("values").splice(ext.get("values").indexOf(props), 1); }
    } else if (existing) {
      existing.value = value;
    } else {
      var prop = moddle.createAny("spiffworkflow:property", SPIFF, { name: name, value: value });
      prop.$parent = props;
      children.push(prop);
    }
    modeler.get("eventBus").fire("elements.changed", { elements: [element] });
  }

  /* a business rule task's spiffworkflow:calledDecisionId (the DMN decision it runs) */
  function calledDecision(bo) {
    var values = bo.extensionElements && bo.extensionElements.get("values") || [];
    return values.filter(function (v) { return v.$type === "spiffworkflow:calledDecisionId"; })[0];
  }

  function setCalledDecision(element, value) {
    var bo = element.businessObject;
    var moddle = modeler.get("moddle");
    var ext = extensionElements(element);
    var existing = calledDecision(bo);
    if (existing) { ext.get("values").splice(ext.get("values").indexOf(existing), 1); }
    if (value) {
      var called = moddle.createAny("spiffworkflow:calledDecisionId", SPIFF, { $body: value.trim() });
      called.$parent = ext;
      ext.get("values").unshift(called);
    }
    modeler.get("eventBus").fire("elements.changed", { elements: [element] });
  }

  /* ---- the properties panel ---- */

  function field(label, id, value, onChange, options) {
    options = options || {};
    var wrap = document.createElement("div");
    var labelEl = document.createElement("label");
    labelEl.htmlFor = id;
    labelEl.textContent = label;
    var input = document.createElement(options.multiline ? "textarea" : "input");
    input.id = id;
    input.value = value || "";
    if (options.multiline) { input.rows = options.rows || 4; }
    if (options.readOnly) { input.readOnly = true; }
    if (options.list) { input.setAttribute("list", options.list); }
    if (options.placeholder) { input.placeholder = options.placeholder; }
    input.addEventListener("change", function () { onChange(input.value.trim() ? input.value : ""); });
    wrap.appendChild(labelEl);
    wrap.appendChild(input);
    if (options.help) {
      var help = document.createElement("p");
      help.className = "muted small";
      help.textContent = options.help;
      wrap.appendChild(help);
    }
    return wrap;
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
  }

  function renderPanel(element) {
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    panel.innerHTML = "<h2>Properties</h2>";
    if (!element) {
      var hint = document.createElement("p");
      hint.className = "muted small";
      hint.textContent = "Select an element.";
      panel.appendChild(hint);
      return;
    }
    var bo = element.businessObject;
    var kind = document.createElement("p");
    kind.className = "kind";
    kind.textContent = bo.$type.replace("bpmn:", "");
    panel.appendChild(kind);
    panel.dataset.elementId = element.id;
    panel.appendChild(field("Id", "prop-id", bo.id, function () {}, { readOnly: true }));
    var isLane = bo.$type === "bpmn:Lane";
    panel.appendChild(field(isLane ? "Lane name (the role)" : "Name", "prop-name", bo.name,
      function (value) { modeling.updateProperties(element, { name: value || undefined }); },
      isLane ? { list: "roles", help: "Lanes are roles: " + ROLES.join(", ") + "." } : {}));
    if (bo.$type === "bpmn:UserTask") {
      panel.appendChild(field("Form (formKey)", "prop-formKey", getSpiff(bo, "formKey"),
        function (value) { setSpiff(element, "formKey", value); },
        { help: "The form forms/<key>.form; empty: the form named after the task id, if any." }));
      var known = (container.dataset.formKeys || "").split(",");
      var key = getSpiff(bo, "formKey") || bo.id;
      var open = document.createElement("button");
      open.type = "button";
      open.id = "prop-open-form";
      open.textContent = known.indexOf(key) >= 0 ? "Edit form " + key : "Create form " + key;
      open.addEventListener("click", function () {
        /* the task names its form, the draft keeps it, then the form builder opens */
        var chosen = getSpiff(bo, "formKey") || bo.id;
        if (!getSpiff(bo, "formKey")) { setSpiff(element, "formKey", chosen); }
        withXml("Saving", function (xml) {
          return saveDraft(xml).then(function () {
            unsaved = false;
            window.location.href = container.dataset.forms + "?key=" + encodeURIComponent(chosen);
          });
        })();
      });
      panel.appendChild(open);
      panel.appendChild(field("Due in (dueIn expression)", "prop-dueIn", getSpiff(bo, "dueIn"),
        function (value) { setSpiff(element, "dueIn", value); },
        { placeholder: "\"P3D\"", help: "An expression giving an ISO duration or date-time." }));
      panel.appendChild(field("Priority (0-100)", "prop-priority", getSpiff(bo, "priority"),
        function (value) { setSpiff(element, "priority", value); }));
    }
    var timer = timerDefinition(bo);
    if (timer) {
      var current = TIMER_KINDS.filter(function (k) { return timer.get(k[0]); })[0] || TIMER_KINDS[0];
      var select = document.createElement("select");
      select.id = "prop-timer-kind";
      TIMER_KINDS.forEach(function (k) {
        var option = document.createElement("option");
        option.value = k[0];
        option.textContent = k[1];
        option.selected = k[0] === current[0];
        select.appendChild(option);
      });
      var selectLabel = document.createElement("label");
      selectLabel.htmlFor = "prop-timer-kind";
      selectLabel.textContent = "Timer";
      panel.appendChild(selectLabel);
      panel.appendChild(select);
      var body = timer.get(current[0]) ? timer.get(current[0]).body : "";
      var writeTimer = function (value) {
        var update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
        if (value) { update[select.value] = moddle.create("bpmn:FormalExpression", { body: value }); }
        modeling.updateModdleProperties(element, timer, update);
      };
      var expression = field("Timer expression", "prop-timer", body, writeTimer,
        { help: "Python in the sandbox giving an ISO-8601 string, quoted: \"P30D\"." });
      select.addEventListener("change", function () { writeTimer(expression.querySelector("input").value); });
      panel.appendChild(expression);
    }
    if (bo.$type === "bpmn:SequenceFlow") {
      panel.appendChild(field("Condition", "prop-condition",
        bo.conditionExpression ? bo.conditionExpression.body : "",
        function (value) {
          modeling.updateProperties(element, { conditionExpression: value
            ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined });
        }, { multiline: true, rows: 2, help: "Python, e.g. decision == \"accept\"." }));
    }
    if (bo.$type === "bpmn:BusinessRuleTask") {
      var called = calledDecision(bo);
      panel.appendChild(field("Decision (calledDecisionId)", "prop-calledDecisionId",
        called ? called.$body : "", function (value) { setCalledDecision(element, value); },
        { list: "decisions", help: "The id of a decision in a DMN file of this process " +
          "(its tables are listed below the diagram); its outputs become task variables." }));
    }
    if (bo.$type === "bpmn:ScriptTask") {
      panel.appendChild(field("Script", "prop-script", bo.script,
        function (value) { modeling.updateProperties(element, { script: value || undefined }); },
        { multiline: true, rows: 8, help: "Python in the sandbox: no imports, no files." }));
    }
  }

  function rolesList() {
    var list = document.createElement("datalist");
    list.id = "roles";
    ROLES.forEach(function (role) {
      var option = document.createElement("option");
      option.value = role;
      list.appendChild(option);
    });
    document.body.appendChild(list);
    var decisions = document.createElement("datalist");
    decisions.id = "decisions";
    (container.dataset.decisions || "").split(",").filter(Boolean).forEach(function (id) {
      var option = document.createElement("option");
      option.value = id;
      decisions.appendChild(option);
    });
    document.body.appendChild(decisions);
  }

  /* ---- buttons ---- */

  function withXml(label, action) {
    return function () {
      if (!modeler || container.dataset.ready !== "true") {
        if (action === download) { window.location.href = container.dataset.download; return; }
        setStatus("The modeler has no diagram open.", "error");
        return;
      }
      setStatus(label + "…");
      var active = document.activeElement;
      if (active && active.blur) { active.blur(); }  // commit a field being edited
      currentXml().then(action).catch(function (err) {
        setStatus(label + " failed: " + err.message, "error");
      });
    };
  }

  function saveDraft(xml) {
    return post(container.dataset.save, { xml: xml }).then(function (answer) {
      if (answer.status !== 200) { throw new Error(answer.data.message || "status " + answer.status); }
      stored();
      setStatus("Draft saved at " + answer.data.saved_at.slice(11, 19) + " UTC.", "ok");
    });
  }

  function validate(xml) {
    return post(container.dataset.validate, { xml: xml }).then(function (answer) {
      if (answer.status !== 200) { throw new Error(answer.data.message || "status " + answer.status); }
      stored();
      showProblems(answer.data.problems);
      var saved = "Draft saved" + (answer.data.saved_at ? " at " + answer.data.saved_at.slice(11, 16) + " UTC" : "") + ". ";
      if (answer.data.valid) {
        setStatus(saved + "Valid: ready to deploy (" + answer.data.processes.join(", ") + ").", "ok");
      } else {
        setStatus(saved + answer.data.problems.length + " problem(s): see the list below the diagram.", "error");
      }
    });
  }

  /* Deploy asks first: what changes against the latest version, and which running cases stay
     on the versions they started on. */
  function confirmDeploy(xml) {
    return post(container.dataset.preview, { xml: xml }).then(function (answer) {
      if (answer.status !== 200) { throw new Error(answer.data.message || "status " + answer.status); }
      stored();
      showProblems(answer.data.problems);
      if (!answer.data.valid) {
        setStatus("Not deployed: " + answer.data.problems.length + " problem(s).", "error");
        return;
      }
      var dialog = document.getElementById("deploy-confirm");
      var summary = document.getElementById("deploy-summary");
      summary.innerHTML = "";
      var creates = false;
      answer.data.processes.forEach(function (p) { creates = summarize(summary, p) || creates; });
      document.getElementById("deploy-confirm-yes").textContent = creates ? "Deploy" : "Save the drawing";
      setStatus("Draft saved. Confirm the deployment.");
      dialog.returnValue = "";
      dialog.onclose = function () {
        if (dialog.returnValue === "deploy") { withXml("Deploying", deploy)(); }
        else { setStatus("Not deployed: your draft is saved.", "ok"); }
      };
      dialog.showModal();
    });
  }

  function summarize(list, p) {
    var item = document.createElement("li");
    var names = function (ids) { return ids && ids.length ? ids.join(", ") : ""; };
    var changes = p.changes || {};
    var parts = [];
    if (p.latest_version === null) {
      parts.push("a new process: version 1");
    } else if (p.new_version === null) {
      parts.push(p.layout_only ? "only the layout changed: version " + p.latest_version
        + " keeps its behaviour and shows the new drawing" : "unchanged: still version " + p.latest_version);
    } else {
      parts.push("version " + p.new_version + " (now " + p.latest_version + ")");
      var own = function (key) { return (changes[key] || {})[p.process_id]; };
      if (names(own("added"))) { parts.push("added: " + names(own("added"))); }
      if (names(own("removed"))) { parts.push("removed: " + names(own("removed"))); }
      var changed = own("changed");
      if (changed && Object.keys(changed).length) {
        parts.push("changed: " + Object.keys(changed).map(function (id) {
          /* the engine's attribute names, as a designer reads them (bpmn_name: name) */
          return id + " (" + changed[id].map(function (a) { return a.replace(/^bpmn_/, ""); })
            .join(", ") + ")"; }).join(", "));
      }
      if (changes.forms_changed && changes.forms_changed.length) {
        parts.push("forms changed: " + changes.forms_changed.join(", "));
      }
      var decisions = changes.decisions_changed || {};
      Object.keys(decisions).forEach(function (id) { parts.push(decisionNote(id, decisions[id])); });
    }
    var strong = document.createElement("strong");
    strong.textContent = p.process_id;
    item.appendChild(strong);
    item.appendChild(document.createTextNode(": " + parts.join("; ") + "."));
    var versions = Object.keys(p.running || {});
    if (p.new_version !== null && versions.length) {
      var total = versions.reduce(function (n, v) { return n + p.running[v]; }, 0);
      var note = document.createElement("p");
      note.className = "small";
      note.dataset.running = String(total);
      note.textContent = total + (total === 1 ? " running case stays on " : " running cases stay on ")
        + versions.map(function (v) { return "version " + v + " (" + p.running[v] + ")"; }).join(", ")
        + "; new cases start on version " + p.new_version + ". Move them later from the versions page.";
      item.appendChild(note);
    }
    (p.called_by || []).forEach(function (caller) { item.appendChild(callerNote(p, caller)); });
    list.appendChild(item);
    return p.new_version !== null || p.layout_only;
  }

  /* A decision table's change, rule by rule (the rules' ids, as the table editor shows them). */
  function decisionNote(id, change) {
    if (change.decision_added) { return "decision table " + id + " added"; }
    if (change.decision_removed) { return "decision table " + id + " removed"; }
    var said = [];
    [["rules_changed", "rules changed"], ["rules_added", "rules added"],
     ["rules_removed", "rules removed"]].forEach(function (pair) {
      if (change[pair[0]] && change[pair[0]].length) { said.push(pair[1] + ": " + change[pair[0]].join(", ")); }
    });
    if (change.rules_reordered) { said.push("rules reordered"); }
    if (change.columns_changed) { said.push("columns or hit policy changed"); }
    return "decision table " + id + " (" + said.join("; ") + ")";
  }

  /* A process that calls this one keeps the copy it was deployed with: say so, or the
     designer expects the change to reach its cases. */
  function callerNote(p, caller) {
    var note = document.createElement("p");
    note.className = "small";
    note.dataset.calledBy = caller.process_id;
    var running = Object.keys(caller.running).reduce(function (n, v) { return n + caller.running[v]; }, 0);
    var text = caller.process_id + " calls " + p.process_id + " and keeps its own copy";
    text += running ? " (" + running + (running === 1 ? " running case" : " running cases") + ")" : "";
    text += caller.latest_calls
      ? ": its cases, new ones included, do not get version " + p.new_version
        + " until " + caller.process_id + " is deployed again."
      : "; its newest version " + caller.latest_version + " no longer calls it.";
    note.textContent = text;
    return note;
  }

  function deployed() {
    /* the page now shows what was deployed, not a draft */
    var origin = document.getElementById("draft-origin");
    if (origin) { origin.textContent = "Deployed just now; the draft was closed. File " + (container.dataset.filename || "") + "."; }
    ["stale-draft", "discard-draft"].forEach(function (id) {
      var node = document.getElementById(id);
      if (node) { node.remove(); }
    });
  }

  function deploy(xml) {
    return post(container.dataset.deploy, { xml: xml }).then(function (answer) {
      if (answer.status === 422) {
        stored();  // deploying saved the draft before it checked it
        showProblems(answer.data.problems);
        setStatus("Not deployed: " + answer.data.problems.length + " problem(s).", "error");
        return;
      }
      if (answer.status !== 200) { throw new Error(answer.data.message || "status " + answer.status); }
      stored();
      showProblems([]);
      deployed();
      var mine = answer.data.deployed.filter(function (d) { return d.process_id === container.dataset.processId; })[0] || answer.data.deployed[0];
      setStatus((mine.created ? "Deployed as version " : mine.layout_updated
        ? "Only the layout changed: version " + mine.version + " keeps its behaviour and shows the new drawing. "
        : "Unchanged: still version ") + (mine.layout_updated ? "" : mine.version + ". "), "ok");
      var link = document.createElement("a");
      link.href = answer.data.url;
      link.id = "deployed-link";
      link.textContent = "See the versions";
      statusLine.appendChild(link);
    });
  }

  function download(xml) {
    var blob = new Blob([xml], { type: "application/xml" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = container.dataset.filename || "diagram.bpmn";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    setStatus("Downloaded " + link.download + ".", "ok");
  }

  /* Fit the diagram into the part of the canvas the palette leaves free (bpmn-js's own
     fit-viewport puts lanes and the start event under the palette), never above 1:1. */
  function fitBesidePalette(canvas) {
    canvas.zoom("fit-viewport");
    var box = canvas.viewbox(), inner = box.inner, outer = box.outer;
    var palette = container.querySelector(".djs-palette");
    var left = (palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left : 0) + 24;
    var margin = 24;
    var scale = Math.min((outer.width - left - margin) / Math.max(inner.width, 1),
      (outer.height - 2 * margin) / Math.max(inner.height, 1), 1);
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
      width: outer.width / scale, height: outer.height / scale });
  }

  function start() {
    rolesList();
    fetch(container.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("the diagram could not be loaded (" + response.status + ")"); }
        return response.json();
      })
      .then(function (data) {
        container.innerHTML = "";
        container.dataset.processId = data.process_id;
        modeler = new window.BpmnJS({ container: container });
        window.safeportModeler = modeler;  // for browser tests and the console
        return modeler.importXML(data.xml).then(function (result) {
          fitBesidePalette(modeler.get("canvas"));
          modeler.get("eventBus").on("selection.changed", function (event) {
            renderPanel(event.newSelection.length === 1 ? event.newSelection[0] : null);
          });
          if (result.warnings && result.warnings.length) {
            setStatus("Opened with " + result.warnings.length + " warning(s): parts the modeler does not know are kept as they are.");
          }
          modeler.get("eventBus").on(["commandStack.changed", "elements.changed"], function () {
            unsaved = true;
          });
          container.dataset.ready = "true";
        });
      })
      .catch(function (err) {
        container.innerHTML = "<p class=\"flash error\"></p>";
        container.firstChild.textContent = /no diagram to display/i.test(err.message)
          ? "This diagram has no layout (BPMN DI), so the modeler cannot draw it. Download it, "
            + "lay it out in another modeler and deploy that, or start a new process."
          : "The modeler could not open the diagram: " + err.message;
        container.dataset.ready = "error";
      });
    document.getElementById("save-draft").addEventListener("click", withXml("Saving", saveDraft));
    document.getElementById("validate").addEventListener("click", withXml("Validating", validate));
    document.getElementById("deploy").addEventListener("click", withXml("Checking", confirmDeploy));
    document.getElementById("download").addEventListener("click", withXml("Downloading", download));
  }

  window.addEventListener("beforeunload", function (event) {
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("DOMContentLoaded", start);
}());

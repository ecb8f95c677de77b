/* The decision table editor: dmn-js's decision table view on a DMN file of a process.
   "Save in draft" keeps the table in the designer's draft; "Save and deploy" saves it and
   deploys the draft's diagram with it (every deploy check runs; problems are listed).
   No inline scripts (CSP). */
(function () {
  "use strict";

  var container = document.getElementById("decision-editor");
  if (!container || typeof window.DmnJS !== "function") { return; }
  var statusLine = document.getElementById("designer-status");
  container.textContent = "";  // the "Loading" note: dmn-js renders into the container
  var modeler = new window.DmnJS({ container: container });

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = kind || "";
  }

  function request(url, body) {
    var options = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = container.dataset.csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function showProblems(problems) {
    var list = document.getElementById("problems");
    document.getElementById("problems-card").hidden = problems.length === 0;
    list.innerHTML = "";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var where = [problem.file, problem.element_id, problem.line ? "line " + problem.line : null]
        .filter(Boolean);
      item.textContent = problem.message + (where.length ? " (" + where.join(", ") + ")" : "");
      list.appendChild(item);
    });
  }

  function openTable() {
    var table = modeler.getViews().filter(function (view) { return view.type === "decisionTable"; })[0];
    if (table) { return modeler.open(table); }
    return Promise.resolve();
  }

  function save() {
    setStatus("Saving…");
    return modeler.saveXML({ format: true }).then(function (result) {
      return request(container.dataset.save, { xml: result.xml });
    }).then(function (answer) {
      if (answer.status !== 200) {
        var details = (answer.data.details && answer.data.details.xml) || [answer.data.message];
        setStatus("Not saved: " + details.join(" "), "error");
        return false;
      }
      setStatus("Saved in your draft.", "ok");
      return true;
    });
  }

  function deploy() {
    save().then(function (saved) {
      if (!saved) { return; }
      setStatus("Deploying…");
      return request(container.dataset.draft).then(function (draft) {
        return request(container.dataset.deploy, { xml: draft.data.xml });
      }).then(function (answer) {
        showProblems(answer.data.problems || []);
        if (answer.status !== 200) {
          setStatus("Not deployed: " + (answer.data.message || "see the problems below"), "error");
          return;
        }
        var done = (answer.data.deployed || []).map(function (d) {
          return d.process_id + " v" + d.version + (d.created ? " (new)" : " (unchanged)");
        });
        setStatus("Deployed: " + done.join(", "), "ok");
      });
    }).catch(function (err) { setStatus("Not deployed: " + err.message, "error"); });
  }

  request(container.dataset.src).then(function (answer) {
    if (answer.status !== 200) { throw new Error(answer.data.message || "cannot be opened"); }
    return modeler.importXML(answer.data.xml);
  }).then(openTable).then(function () {
    container.dataset.ready = "true";
  }).catch(function (err) {
    container.textContent = "The decision table cannot be shown: " + err.message;
  });

  document.getElementById("save-table").addEventListener("click", function () {
    save().catch(function (err) { setStatus("Not saved: " + err.message, "error"); });
  });
  document.getElementById("deploy-table").addEventListener("click", deploy);
}());

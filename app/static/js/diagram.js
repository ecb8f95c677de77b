/* The case page's process diagram: bpmn-js' navigated viewer with the case's completed, active
   and failed steps marked; zoom in / out / fit buttons; a call activity (a stage) opens the
   called process with the steps of its run marked, and "Back" returns. Wired up from here:
   the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  var MARKERS = { COMPLETED: "state-completed", READY: "state-active", WAITING: "state-active",
                  STARTED: "state-active", ERROR: "state-error" };
  /* below this scale the labels (11 px in the diagram) are too small to read: the first view
     stops here and the diagram is scrolled (dragged) instead */
  var READABLE = 0.8;
  var STEP = 1.25;

  function text(container, key, fallback) { return container.dataset[key] || fallback; }

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("the diagram could not be loaded (" + response.status + ")"); }
        return response.json();
      });
  }

  function Diagram(section) {
    this.section = section;
    this.container = section.querySelector("#diagram");
    this.title = section.querySelector("[data-diagram-title]");
    this.back = section.querySelector("[data-diagram=back]");
    this.stack = [];  /* the diagrams opened before this one: {process, name} */
    this.viewer = null;
  }

  Diagram.prototype.url = function (process) {
    var src = this.container.dataset.src;
    return process ? src + "?process=" + encodeURIComponent(process) : src;
  };

  Diagram.prototype.show = function (process) {
    var self = this, container = this.container;
    container.dataset.rendered = "loading";
    return load(this.url(process)).then(function (data) {
      if (!data.has_layout) {
        var note = document.createElement("p");
        note.className = "muted";
        note.textContent = text(container, "noLayout", "This process diagram has no layout (BPMN DI) to draw.");
        if (self.viewer) { self.viewer.destroy(); self.viewer = null; }
        container.replaceChildren(note);
        container.dataset.rendered = "no-layout";
        self.setTitle(data);
        return null;
      }
      if (!self.viewer) {
        container.innerHTML = "";
        self.viewer = new window.BpmnJS({ container: container });
        self.viewer.on("element.click", function (event) { self.clicked(event.element); });
      }
      return self.viewer.importXML(data.xml).then(function () { self.drawn(data); });
    }).catch(function (err) {
      if (self.viewer) { self.viewer.destroy(); self.viewer = null; }
      container.innerHTML = "<p class=\"flash error\"></p>";
      container.firstChild.textContent = text(container, "failed", "The diagram could not be drawn:") + " " + err.message;
      container.dataset.rendered = "error";
    });
  };

  Diagram.prototype.setTitle = function (data) {
    this.current = { process: data.process_id, name: data.name };
    var names = this.stack.map(function (s) { return s.name; }).concat([data.name]);
    if (this.title) { this.title.textContent = names.join(" › "); }
    this.container.dataset.process = data.process_id;
    if (this.back) {
      var previous = this.stack[this.stack.length - 1];
      this.back.hidden = !previous;
      if (previous) { this.back.textContent = text(this.container, "back", "Back to") + " " + previous.name; }
    }
  };

  Diagram.prototype.drawn = function (data) {
    var self = this, canvas = this.viewer.get("canvas"), registry = this.viewer.get("elementRegistry");
    var overlays = this.viewer.get("overlays");
    var marked = 0, active = null;
    Object.keys(data.states).forEach(function (id) {
      var marker = MARKERS[data.states[id]], element = registry.get(id);
      if (marker && element) {
        canvas.addMarker(id, marker);
        marked += 1;
        if (marker !== "state-completed" && !active && element.type !== "label") { active = element; }
      }
    });
    this.openable = data.called || [];
    registry.filter(function (e) { return e.type === "bpmn:CallActivity"; }).forEach(function (element) {
      var called = element.businessObject.calledElement;
      if (self.openable.indexOf(called) < 0) { return; }
      canvas.addMarker(element.id, "openable");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "diagram-open";
      button.dataset.open = called;
      button.textContent = text(self.container, "open", "Open stage");
      button.setAttribute("aria-label", button.textContent + ": " + (element.businessObject.name || called));
      button.addEventListener("click", function (event) { event.stopPropagation(); self.open(element); });
      /* a stage outside the view comes into it when the keyboard reaches its button */
      button.addEventListener("focus", function () { canvas.scrollToElement(element, 40); });
      overlays.add(element.id, "open-stage", { position: { top: 4, left: 4 }, html: button });
    });
    this.setTitle(data);
    this.firstView(active);
    this.container.dataset.marked = String(marked);
    this.container.dataset.rendered = "true";
  };

  /* the whole diagram when it fits readably (never blown up past 1:1); else a readable scale,
     around the active step. The box is no taller than the diagram needs. */
  Diagram.prototype.firstView = function (active) {
    var canvas = this.viewer.get("canvas");
    var height = canvas.viewbox().inner.height;
    var room = Math.min(560, Math.round(window.innerHeight * 0.7));
    this.container.style.height = Math.max(240, Math.min(room, Math.ceil(height) + 60)) + "px";
    canvas.resized();
    var scale = this.fit();
    if (scale < READABLE) {
      var inner = canvas.viewbox().inner;
      canvas.zoom(READABLE);
      var box = canvas.viewbox();
      var x = active ? active.x + active.width / 2 - box.width / 2 : inner.x - 20;
      var y = active ? active.y + active.height / 2 - box.height / 2 : inner.y - 20;
      x = Math.max(inner.x - 20, Math.min(x, inner.x + inner.width + 20 - box.width));
      y = Math.max(inner.y - 20, Math.min(y, inner.y + inner.height + 20 - box.height));
      canvas.viewbox({ x: x, y: y, width: box.width, height: box.height });
    }
    this.noteScale();
  };

  /* all of the diagram in view, at most at 1:1 */
  Diagram.prototype.fit = function () {
    var canvas = this.viewer.get("canvas");
    var scale = canvas.zoom("fit-viewport", "auto");
    if (scale > 1) { scale = canvas.zoom(1, "auto"); }
    return scale;
  };

  Diagram.prototype.noteScale = function () {
    this.container.dataset.scale = this.viewer.get("canvas").zoom().toFixed(3);
  };

  Diagram.prototype.zoom = function (how) {
    if (!this.viewer) { return; }
    var canvas = this.viewer.get("canvas");
    if (how === "fit") { this.fit(); }
    else {
      var box = canvas.viewbox();
      var centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      var scale = canvas.zoom() * (how === "in" ? STEP : 1 / STEP);
      canvas.zoom(Math.max(0.2, Math.min(scale, 4)), centre);
    }
    this.noteScale();
  };

  Diagram.prototype.clicked = function (element) {
    if (element.type === "bpmn:CallActivity") { this.open(element); }
  };

  Diagram.prototype.open = function (element) {
    var called = element.businessObject.calledElement;
    if (this.openable.indexOf(called) < 0 || !this.current) { return; }
    this.stack.push(this.current);
    this.show(called);
  };

  Diagram.prototype.goBack = function () {
    var previous = this.stack.pop();
    if (previous) { this.show(this.stack.length ? previous.process : null); }
  };

  function init() {
    document.querySelectorAll("[data-diagram-section]").forEach(function (section) {
      var diagram = new Diagram(section);
      if (!diagram.container || diagram.container.dataset.rendered) { return; }
      section.querySelectorAll("button[data-diagram]").forEach(function (button) {
        button.addEventListener("click", function () {
          var how = button.dataset.diagram;
          if (how === "back") { diagram.goBack(); } else { diagram.zoom(how); }
        });
      });
      diagram.show(null);
    });
  }

  document.addEventListener("DOMContentLoaded", init);
}());

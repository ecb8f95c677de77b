/* The audit checklist (tasks/_checklist.html): every change saves its item at once; an item
   that cannot be saved (offline, a failed request, an answer not complete yet) is kept in
   localStorage under a key per task and criterion, re-sent when the browser is online again,
   every 10 seconds and on the next load, and its card says "Not saved yet" until it is. */
(function () {
  "use strict";

  var RETRY_MS = 10000;
  var TYPING_MS = 800;
  var PHOTO_MAX_BYTES = 1500000;
  var PHOTO_MAX_SIDE = 2000;

  function Checklist(root) {
    this.root = root;
    this.task = root.dataset.task;
    this.prefix = "safeport.checklist." + this.task + ".";
    this.text = JSON.parse(root.dataset.messages || "{}");
    this.cards = {};
    this.busy = {};
    this.again = {};
    this.timers = {};
    var self = this;
    root.querySelectorAll(".checklist-item").forEach(function (card) {
      self.cards[card.dataset.criterion] = card;
    });
  }

  Checklist.prototype.key = function (criterion) { return this.prefix + criterion; };

  Checklist.prototype.stored = function (criterion) {
    try { return JSON.parse(window.localStorage.getItem(this.key(criterion)) || "null"); }
    catch (err) { return null; }
  };

  Checklist.prototype.keep = function (criterion, values) {
    try { window.localStorage.setItem(this.key(criterion), JSON.stringify(values)); }
    catch (err) { /* storage full or off: the card still says it is not saved */ }
  };

  Checklist.prototype.forget = function (criterion) {
    try { window.localStorage.removeItem(this.key(criterion)); } catch (err) { /* ignore */ }
  };

  Checklist.prototype.unsent = function () {
    var found = [];
    for (var i = 0; i < window.localStorage.length; i += 1) {
      var name = window.localStorage.key(i);
      if (name && name.indexOf(this.prefix) === 0) { found.push(name.slice(this.prefix.length)); }
    }
    return found.filter(function (criterion) { return this.cards[criterion]; }, this);
  };

  /* what a card says now */
  function valuesOf(card) {
    var form = card.querySelector("form.item-answer");
    var checked = function (name) {
      var input = form.querySelector("input[name=\"" + name + "\"]:checked");
      return input ? input.value : null;
    };
    return { result: checked("result"), severity: checked("severity"),
             notes: form.querySelector("textarea[name=notes]").value };
  }

  function show(card, values) {
    var form = card.querySelector("form.item-answer");
    ["result", "severity"].forEach(function (name) {
      form.querySelectorAll("input[name=\"" + name + "\"]").forEach(function (input) {
        input.checked = input.value === values[name];
      });
    });
    form.querySelector("textarea[name=notes]").value = values.notes || "";
  }

  /* the answers the result still asks for (the fields shown for it and left empty) */
  function missing(card, values) {
    var gaps = [];
    card.querySelectorAll("[data-shown-for]").forEach(function (field) {
      var name = field.dataset.field;
      var asked = field.dataset.shownFor.split(" ").indexOf(values.result) >= 0;
      if (asked && !String(values[name] || "").trim()) { gaps.push(name); }
    });
    return gaps;
  }

  Checklist.prototype.state = function (card, state, message, hint) {
    card.dataset.state = state;
    card.querySelector(".save-state").textContent = message;
    var note = card.querySelector(".item-message");
    note.hidden = state !== "refused";
    if (state !== "refused") { note.textContent = ""; }
    var help = card.querySelector(".item-hint");
    help.textContent = hint || "";
    help.hidden = !hint;
    this.progress();
  };

  /* what a result still asks for, in words ("Add a severity, notes to save this item.") */
  Checklist.prototype.needs = function (card, values) {
    var gaps = values.result ? missing(card, values) : [];
    if (!gaps.length) { return ""; }
    var what = gaps.map(function (name) { return this.text[name]; }, this).join(", ");
    return this.text.needs.replace("{what}", what);
  };

  Checklist.prototype.progress = function () {
    var answered = 0;
    var total = Object.keys(this.cards).length;
    var perCategory = {};
    Object.keys(this.cards).forEach(function (criterion) {
      var card = this.cards[criterion];
      var counts = perCategory[card.dataset.category] || [0, 0];
      var done = card.querySelector("input[name=result]:checked") ? 1 : 0;
      answered += done;
      perCategory[card.dataset.category] = [counts[0] + done, counts[1] + 1];
    }, this);
    Object.keys(perCategory).forEach(function (category) {
      var count = this.root.querySelector("[data-count-for=\"" + category + "\"]");
      if (count) { count.textContent = perCategory[category].join("/"); }
    }, this);
    var line = document.getElementById("checklist-progress");
    line.textContent = this.text.answered.replace("{count}", answered);
    document.getElementById("checklist-meter").value = answered;
    var unsent = this.unsent().length;
    document.getElementById("checklist-unsent").textContent =
      unsent ? this.text.unsent.replace("{count}", unsent) : "";
    return { answered: answered, total: total, unsent: unsent };
  };

  /* a change on a card: keep it in the browser first, then send it (or say what it lacks) */
  Checklist.prototype.changed = function (card, typing) {
    var criterion = card.dataset.criterion;
    var values = valuesOf(card);
    values.at = new Date().toISOString();
    card.classList.remove("has-error");  /* what the server said at the last submit is old now */
    card.querySelectorAll(".server-error").forEach(function (old) { old.remove(); });
    this.keep(criterion, values);
    window.clearTimeout(this.timers[criterion]);
    if (!values.result) { this.state(card, "pending", this.text.pending); return; }
    var hint = this.needs(card, values);
    if (hint) { this.state(card, "pending", this.text.pending, hint); return; }
    this.state(card, "pending", this.text.pending);
    var self = this;
    if (typing) {
      this.timers[criterion] = window.setTimeout(function () { self.send(criterion); }, TYPING_MS);
    } else {
      this.send(criterion);
    }
  };

  Checklist.prototype.send = function (criterion) {
    var card = this.cards[criterion];
    var values = this.stored(criterion);
    if (!card || !values) { return Promise.resolve(true); }
    if (!values.result || missing(card, values).length) { return Promise.resolve(false); }
    if (this.busy[criterion]) { this.again[criterion] = true; return this.busy[criterion]; }
    var self = this;
    var form = card.querySelector("form.item-answer");
    this.state(card, "saving", this.text.saving);
    var body = { result: values.result, severity: values.severity, notes: values.notes };
    var request = fetch(form.action, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": form.querySelector("input[name=csrf_token]").value },
      body: JSON.stringify(body)
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json || response.redirected) { return { retry: true, message: self.text.signin }; }
      return response.json().then(function (data) {
        if (response.ok) { return { saved: data }; }
        if (response.status >= 500) { return { retry: true, message: self.text.failed }; }
        return { refused: data };
      });
    }, function () {
      return { retry: true, message: navigator.onLine === false ? self.text.offline : self.text.failed };
    }).then(function (outcome) {
      delete self.busy[criterion];
      var latest = self.stored(criterion);
      var unchanged = latest && latest.at === values.at;
      if (outcome.saved && unchanged) {
        self.forget(criterion);
        self.state(card, "saved", self.text.saved);
      } else if (outcome.refused && unchanged) {
        self.refused(card, outcome.refused);
      } else if (outcome.retry) {
        self.state(card, "pending", outcome.message);
      }
      if (self.again[criterion] || (latest && !unchanged)) {
        delete self.again[criterion];
        return self.send(criterion);
      }
      return Boolean(outcome.saved && unchanged);
    });
    this.busy[criterion] = request;
    return request;
  };

  Checklist.prototype.refused = function (card, error) {
    var details = error.details && typeof error.details === "object" ? error.details : {};
    var texts = Object.keys(details).map(function (name) {
      return (name === "_schema" ? "" : name + ": ") + [].concat(details[name]).join(" ");
    });
    this.state(card, "refused", this.text.refused);
    var note = card.querySelector(".item-message");
    note.textContent = texts.length ? texts.join("; ") : (error.message || "");
    note.hidden = false;
  };

  /* everything kept in the browser, sent again (on load, when online, every 10 s) */
  Checklist.prototype.flush = function () {
    return Promise.all(this.unsent().map(function (criterion) {
      var card = this.cards[criterion];
      return card.dataset.state === "refused" ? Promise.resolve(false) : this.send(criterion);
    }, this));
  };

  Checklist.prototype.restore = function () {
    this.unsent().forEach(function (criterion) {
      var card = this.cards[criterion];
      var values = this.stored(criterion);
      show(card, values);
      this.state(card, "pending", this.text.pending, this.needs(card, values));
    }, this);
  };

  Checklist.prototype.photo = function (form) {
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    var note = form.querySelector(".photo-state");
    if (!file) { return; }
    if (navigator.onLine === false) { note.textContent = this.text.upload_offline; return; }
    note.textContent = this.text.uploading;
    var self = this;
    shrink(file).then(function (blob) {
      var data = new FormData();
      data.append("file", blob, blob === file ? file.name : photoName(file.name));
      return fetch(form.action, {
        method: "POST", credentials: "same-origin", body: data,
        headers: { Accept: "application/json",
                   "X-CSRFToken": form.querySelector("input[name=csrf_token]").value }
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.body.message || ""); }
      self.attached(form, answer.body);
      note.textContent = self.text.uploaded;
      input.value = "";
    }).catch(function (err) {
      note.textContent = self.text.upload_failed + (err && err.message ? ": " + err.message : "");
    });
  };

  Checklist.prototype.attached = function (form, doc) {
    var list = form.closest(".photos").querySelector(".photo-list");
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = doc.url;
    if (doc.content_type.indexOf("image/") === 0) {
      var img = document.createElement("img");
      img.src = doc.url;
      img.alt = doc.name;
      img.width = 72;
      img.height = 72;
      link.appendChild(img);
    } else {
      link.className = "doc-link";
      link.textContent = doc.name;
    }
    item.appendChild(link);
    list.appendChild(item);
  };

  function photoName(name) {
    return (name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  }

  /* a big camera photo is scaled down to a JPEG before it goes over a poor connection */
  function shrink(file) {
    if (file.size <= PHOTO_MAX_BYTES || !window.createImageBitmap || !/^image\//.test(file.type)) {
      return Promise.resolve(file);
    }
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  /* submitting: the saved items are what the server completes the task with */
  Checklist.prototype.submit = function (form, event) {
    var self = this;
    if (form.dataset.ready === "true") { return; }
    event.preventDefault();
    var note = form.querySelector(".submit-message");
    this.flush().then(function () {
      if (self.progress().unsent) {
        note.textContent = self.text.blocked;
        note.hidden = false;
        var first = self.cards[self.unsent()[0]];
        if (first) { first.scrollIntoView({ block: "start" }); }
        return;
      }
      form.dataset.ready = "true";
      form.submit();
    });
  };

  Checklist.prototype.wire = function () {
    var self = this;
    Object.keys(this.cards).forEach(function (criterion) {
      var card = this.cards[criterion];
      var form = card.querySelector("form.item-answer");
      form.addEventListener("change", function () { self.changed(card, false); });
      form.addEventListener("input", function (event) {
        if (event.target.name === "notes") { self.changed(card, true); }
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.changed(card, false);
      });
      var photo = card.querySelector("form.photo-form");
      if (photo) {
        photo.addEventListener("change", function () { self.photo(photo); });
        photo.addEventListener("submit", function (event) { event.preventDefault(); self.photo(photo); });
      }
    }, this);
    var submit = document.getElementById("checklist-submit");
    if (submit) { submit.addEventListener("submit", function (event) { self.submit(submit, event); }); }
    window.addEventListener("online", function () { self.flush(); });
    window.setInterval(function () { self.flush(); }, RETRY_MS);
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("checklist");
    if (!root) { return; }
    document.documentElement.classList.add("js");
    var checklist = new Checklist(root);
    window.safeportChecklist = checklist;
    if (root.dataset.editable === "true") {
      checklist.restore();
      checklist.wire();
      checklist.flush();
    }
    checklist.progress();
  });
}());

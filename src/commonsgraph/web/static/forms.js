// The forms generated from the shapes (templates/form.html): a live check of the fields by the
// server (the same statements and the same validator as the submission; each message shown
// next to its field), a search-as-you-type picker of existing resources (/suggest), the
// coordinates picked on a map, and rows added and removed for repeatable fields. Without this
// script the form still posts, and the server shows its report on the page.
(function () {
  "use strict";
  var form = document.getElementById("shape-form");
  var status = document.getElementById("form-status");
  if (!form || !status || !window.fetch) { return; }
  var lang = document.documentElement.lang || "fr";
  var words = status.dataset;
  var colon = lang === "fr" ? " : " : ": ";
  var asked = 0;
  var timer = null;

  function ident(name) {
    return "f-" + name.replace(/[:.]/g, "-").replace(/@/g, "");
  }

  function severityWord(severity) {
    return words["severity" + severity] || severity;
  }

  // -- the live check ------------------------------------------------------------------------

  function message(severity, text) {
    var span = document.createElement("span");
    span.className = "finding finding-" + severity;
    span.textContent = severityWord(severity) + colon + text;
    return span;
  }

  function show(fields, general, conforms, refusedText) {
    form.querySelectorAll("[data-name]").forEach(function (field) {
      var report = field.querySelector(":scope > .field-report");
      if (!report) { return; }
      var found = fields[field.dataset.name] || [];
      report.replaceChildren();
      var violated = false;
      found.forEach(function (item) {
        report.appendChild(message(item.severity, item.message));
        report.appendChild(document.createTextNode(" "));
        if (item.severity === "Violation") { violated = true; }
      });
      field.querySelectorAll(":scope > .values input, :scope > .values select, :scope > .choices input").forEach(function (input) {
        if (violated) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      });
    });
    status.replaceChildren();
    var summary = document.createElement("p");
    if (refusedText) {
      summary.className = "error";
      summary.textContent = words.refused + colon + refusedText;
    } else {
      summary.className = conforms ? "ok" : "error";
      summary.textContent = conforms ? words.ok : words.notOk;
    }
    status.appendChild(summary);
    general.forEach(function (item) {
      var p = document.createElement("p");
      p.appendChild(message(item.severity, item.message));
      status.appendChild(p);
    });
  }

  function check() {
    var ticket = ++asked;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.dataset.check, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (answer) {
      return answer.json().then(function (data) { return { ok: answer.ok, data: data }; });
    }).then(function (result) {
      if (ticket !== asked) { return; }  // a later change asked again
      if (result.ok) {
        show(result.data.fields || {}, result.data.general || [], result.data.conforms, null);
        return;
      }
      var fields = {};
      var where = result.data.parameter;
      var detail = (result.data.detail || result.data.title || "").replace(/^parameter '[^']*': /, "");
      if (where) { fields[where] = [{ severity: "Violation", message: detail }]; }
      show(fields, [], false, detail);
    }).catch(function () { /* the check is a help: the server checks again on submission */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  form.addEventListener("change", later);

  // -- the picker of existing resources ------------------------------------------------------

  var pickers = 0;

  function picker(hidden) {
    if (hidden.dataset.enhanced) { return; }
    hidden.dataset.enhanced = "true";
    var number = ++pickers;
    var visible = document.createElement("input");
    visible.type = "text";
    visible.id = hidden.id;
    hidden.removeAttribute("id");
    visible.className = "picker-search";
    visible.value = hidden.dataset.label || hidden.value;
    visible.setAttribute("role", "combobox");
    visible.setAttribute("aria-autocomplete", "list");
    visible.setAttribute("aria-expanded", "false");
    visible.setAttribute("autocomplete", "off");
    ["aria-labelledby", "aria-describedby", "aria-invalid"].forEach(function (name) {
      if (hidden.hasAttribute(name)) { visible.setAttribute(name, hidden.getAttribute(name)); }
    });
    var list = document.createElement("ul");
    list.id = "picker-list-" + number;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-labelledby", hidden.getAttribute("aria-labelledby"));
    list.hidden = true;
    visible.setAttribute("aria-controls", list.id);
    hidden.type = "hidden";
    hidden.parentNode.insertBefore(visible, hidden);
    hidden.parentNode.insertBefore(list, hidden.nextSibling);
    var active = -1;
    var hits = [];
    var waiting = 0;

    function close() {
      waiting++;  // a suggestion still on its way is for a list that is gone: it stays closed
      list.hidden = true;
      visible.setAttribute("aria-expanded", "false");
      visible.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(hit) {
      hidden.value = hit.iri;
      hidden.disabled = false;
      visible.value = hit.label;
      close();
      later();
    }

    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) { visible.setAttribute("aria-activedescendant", options[index].id); }
    }

    visible.addEventListener("input", function () {
      // a name the server resolves unless one is chosen; left out of the live checks while
      // being typed (a disabled input is not sent)
      hidden.value = visible.value.trim();
      hidden.disabled = true;
      var prefix = visible.value.trim();
      var ticket = ++waiting;
      if (prefix.length < 2) { close(); return; }
      fetch("/suggest?" + new URLSearchParams({ prefix: prefix, type: hidden.dataset.types, lang: lang }))
        .then(function (answer) { return answer.ok ? answer.json() : { result: [] }; })
        .then(function (answer) {
          if (ticket !== waiting) { return; }
          hits = answer.result || [];
          list.replaceChildren();
          hits.forEach(function (hit, i) {
            var option = document.createElement("li");
            option.id = list.id + "-" + i;
            option.setAttribute("role", "option");
            option.setAttribute("aria-selected", "false");
            option.textContent = [hit.label, hit.kind, hit.place].filter(Boolean).join(" · ");
            option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(hit); });
            list.appendChild(option);
          });
          list.hidden = hits.length === 0;
          visible.setAttribute("aria-expanded", hits.length ? "true" : "false");
          active = -1;
        })
        .catch(function () { if (ticket === waiting) { close(); } });
    });
    visible.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); mark(Math.min(active + 1, hits.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(hits[active]); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    visible.addEventListener("blur", function () {
      hidden.disabled = false;
      close();
    });
  }

  // -- repeatable fields and groups ----------------------------------------------------------

  function removeButton(onClick, label) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "remove";
    button.textContent = words.remove;
    button.setAttribute("aria-label", words.remove + colon + label);
    button.addEventListener("click", onClick);
    return button;
  }

  function fieldName(field) {
    var label = field.querySelector(".field-label, legend");
    return label ? label.textContent.trim() : "";
  }

  function clear(element) {
    element.querySelectorAll("input, select").forEach(function (input) {
      if (input.type === "checkbox") { input.checked = false; }
      else if (input.tagName === "SELECT") { if (!/@lang$/.test(input.name)) { input.selectedIndex = 0; } }
      else { input.value = ""; delete input.dataset.label; }
      input.removeAttribute("aria-invalid");
    });
  }

  function enhanceValue(field, value) {
    value.querySelectorAll("input.picker").forEach(picker);
    if (field.dataset.repeatable && !value.querySelector(":scope > .remove")) {
      value.appendChild(removeButton(function () {
        var values = field.querySelectorAll(":scope > .values > .value");
        if (values.length > 1) { value.remove(); } else { clear(value); }
        later();
      }, fieldName(field)));
    }
  }

  function enhanceField(field) {
    var values = field.querySelector(":scope > .values");
    if (!values) { return; }
    var first = values.querySelector(".value");
    var pristine = first.cloneNode(true);
    clear(pristine);
    values.querySelectorAll(":scope > .value").forEach(function (value) { enhanceValue(field, value); });
    var add = field.querySelector(":scope > .add-value");
    if (!add) { return; }
    add.hidden = false;
    add.addEventListener("click", function () {
      var count = values.querySelectorAll(":scope > .value").length;
      var copy = pristine.cloneNode(true);
      var base = ident(field.dataset.name);
      copy.querySelectorAll("[id]").forEach(function (element) {
        element.id = base + "-" + (count + 1) + "-" + Math.random().toString(36).slice(2, 7);
      });
      values.appendChild(copy);
      enhanceValue(field, copy);
      var input = copy.querySelector("input, select");
      if (input) { input.focus(); }
    });
  }

  function renumber(row, key, from, to) {
    var oldPrefix = key + "." + from + ".";
    var newPrefix = key + "." + to + ".";
    row.dataset.row = String(to);
    row.querySelectorAll("[name]").forEach(function (input) {
      if (input.name.indexOf(oldPrefix) === 0) { input.name = newPrefix + input.name.slice(oldPrefix.length); }
    });
    row.querySelectorAll(".field[data-name]").forEach(function (field) {
      var oldName = field.dataset.name;
      var newName = newPrefix + oldName.slice(oldPrefix.length);
      var oldId = ident(oldName);
      var newId = ident(newName);
      field.dataset.name = newName;
      field.querySelectorAll("*").forEach(function (element) {
        ["id", "for", "aria-labelledby", "aria-describedby"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) { element.setAttribute(attribute, value.split(oldId).join(newId)); }
        });
      });
    });
  }

  function enhanceRow(group, row) {
    row.querySelectorAll(".field[data-name]").forEach(enhanceField);
    if (group.dataset.repeatable && !row.querySelector(":scope > .remove")) {
      row.appendChild(removeButton(function () {
        var rows = group.querySelectorAll(":scope > .row");
        if (rows.length > 1) { row.remove(); } else { clear(row); }
        later();
      }, fieldName(group)));
    }
  }

  function enhanceGroup(group) {
    var rows = group.querySelectorAll(":scope > .row");
    var pristine = rows[0].cloneNode(true);
    clear(pristine);
    rows.forEach(function (row) { enhanceRow(group, row); });
    var add = group.querySelector(":scope > .add-row");
    if (!add) { return; }
    add.hidden = false;
    add.addEventListener("click", function () {
      var numbers = Array.prototype.map.call(group.querySelectorAll(":scope > .row"), function (row) { return Number(row.dataset.row); });
      var next = Math.max.apply(null, numbers.concat([0])) + 1;
      var copy = pristine.cloneNode(true);
      renumber(copy, group.dataset.key, 1, next);
      group.insertBefore(copy, add);
      enhanceRow(group, copy);
      var input = copy.querySelector("input:not([type=hidden]), select");
      if (input) { input.focus(); }
    });
  }

  form.querySelectorAll(":scope > fieldset.group").forEach(enhanceGroup);
  form.querySelectorAll(":scope > .field[data-widget]").forEach(enhanceField);

  // -- coordinates picked on the map ---------------------------------------------------------

  var element = document.getElementById("form-map");
  var lat = form.querySelector("input[data-path='http://www.w3.org/2003/01/geo/wgs84_pos#lat']");
  var long = form.querySelector("input[data-path='http://www.w3.org/2003/01/geo/wgs84_pos#long']");
  if (element && lat && long && typeof L !== "undefined") {
    var map = L.map(element, { scrollWheelZoom: false });
    window.commonsgraphBasemap(map, element);
    var marker = null;
    var place = function () {
      var y = parseFloat(lat.value.replace(",", "."));
      var x = parseFloat(long.value.replace(",", "."));
      if (isNaN(y) || isNaN(x) || Math.abs(y) > 90 || Math.abs(x) > 180) { return false; }
      if (marker) { marker.setLatLng([y, x]); }
      else { marker = L.circleMarker([y, x], { radius: 8, color: "#0b5d3b", weight: 2, fillColor: "#2e9c6a", fillOpacity: 0.8 }).addTo(map); }
      return true;
    };
    if (place()) { map.setView(marker.getLatLng(), 12); } else { map.setView([46.6, 2.4], 5); }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(5);
      long.value = event.latlng.lng.toFixed(5);
      place();
      later();
    });
    [lat, long].forEach(function (input) { input.addEventListener("change", place); });
    window.commonsgraphFormMap = map;
  }
})();

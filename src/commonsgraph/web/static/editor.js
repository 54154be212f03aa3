// The query editor: YASGUI, configured for this endpoint, with the project's prefixes and the
// named queries as example tabs. Autocompleters that would call external services are off.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var prologue = Object.keys(config.prefixes).sort().map(function (p) {
    return "PREFIX " + p + ": <" + config.prefixes[p] + ">";
  }).join("\n");
  var first = config.examples[0];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    persistenceId: "commonsgraph-editor",
    yasqe: {
      value: prologue + "\n\n" + (first ? first.query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10"),
      autocompleters: ["prefixes", "variables"]
    }
  });
  // YASGUI keeps the reader's tabs between visits: the examples are added on the first one only.
  if (!window.localStorage.getItem("commonsgraph-examples")) {
    config.examples.slice(1).forEach(function (example) {
      yasgui.addTab(false, { name: example.name, yasqe: { value: prologue + "\n\n" + example.query } });
    });
    window.localStorage.setItem("commonsgraph-examples", "1");
  }
  // Results link their IRIs to the IRIs themselves: those under the canonical base are this
  // service's resources, so they link to its pages here, wherever the service is read (the
  // same rule as the pages' links: not a remainder starting with / or \, another host's path).
  var base = config.base;
  function localise(root) {
    root.querySelectorAll("a.iri").forEach(function (a) {
      var href = a.getAttribute("href") || "";
      var rest = href.slice(base.length);
      if (href.indexOf(base) === 0 && !/^[\/\\]/.test(rest)) {
        a.setAttribute("href", "/" + rest);
      }
    });
  }
  // YASR's choice of rows per page has no name of its own: it gets one, in the page's language.
  function name(root) {
    root.querySelectorAll("select.tableSizer:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", config.rows_shown);
    });
  }
  new MutationObserver(function () {
    var root = document.getElementById("yasgui");
    localise(root);
    name(root);
  })
    .observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  window.commonsgraphEditor = yasgui;

  // "Find a resource": names to IRIs through /suggest; a chosen one's <IRI> is inserted in the
  // current tab's query at the cursor (replacing the selection), and the editor takes the focus.
  var input = document.getElementById("find-name");
  var results = document.getElementById("find-results");
  var asked = 0;
  function insert(iri) {
    var yasqe = yasgui.getTab().getYasqe();
    yasqe.replaceSelection("<" + iri + ">");
    yasqe.focus();
  }
  function show(hits) {
    results.replaceChildren();
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "note";
      none.textContent = results.dataset.none;
      results.appendChild(none);
      return;
    }
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.iri = hit.iri;
      button.title = hit.iri;
      button.textContent = hit.label;
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = " " + [hit.kind, hit.place].filter(Boolean).join(" · ");
      button.appendChild(note);
      button.addEventListener("click", function () { insert(hit.iri); });
      item.appendChild(button);
      results.appendChild(item);
    });
  }
  input.addEventListener("input", function () {
    var prefix = input.value.trim();
    var ticket = ++asked;
    if (prefix.length < 2) { results.replaceChildren(); return; }
    fetch(config.suggest + "?" + new URLSearchParams({ prefix: prefix, lang: config.lang }))
      .then(function (response) { return response.ok ? response.json() : { result: [] }; })
      .then(function (answer) { if (ticket === asked) show(answer.result); })
      .catch(function () { /* no suggestions: the editor still works */ });
  });
  document.getElementById("find").addEventListener("submit", function (event) {
    event.preventDefault(); // Enter picks the first suggestion
    var first = results.querySelector("button");
    if (first) insert(first.dataset.iri);
  });
})();

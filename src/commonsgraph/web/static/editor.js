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
})();

// Completes the search box with /suggest: names proposed in a <datalist> as one types.
(function () {
  "use strict";
  const input = document.getElementById("q");
  if (!input || !window.fetch) return;
  const list = document.createElement("datalist");
  list.id = "q-suggestions";
  document.body.appendChild(list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  let asked = 0;
  input.addEventListener("input", function () {
    const prefix = input.value.trim();
    const ticket = ++asked;
    if (prefix.length < 2) return;
    const lang = document.documentElement.lang || "fr";
    fetch("/suggest?" + new URLSearchParams({ prefix: prefix, lang: lang }))
      .then(function (response) { return response.ok ? response.json() : { result: [] }; })
      .then(function (answer) {
        if (ticket !== asked) return; // a later keystroke asked again
        list.replaceChildren();
        for (const hit of answer.result) {
          const option = document.createElement("option");
          option.value = hit.label;
          option.label = [hit.kind, hit.place].filter(Boolean).join(" · ");
          list.appendChild(option);
        }
      })
      .catch(function () { /* no suggestions: the search still works */ });
  });
})();

// Copy buttons: a <button data-copy="ID"> copies the text of the element #ID to the clipboard
// and says so in the status element beside it (role="status"). The button is hidden until this
// script runs, so that a page without scripts shows the text to select, and no dead button.
"use strict";
(function () {
  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }
  function fallback(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return document.execCommand && document.execCommand("copy");
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent;
      var done = function () { say(button, button.getAttribute("data-copied")); };
      var failed = function () {
        say(button, fallback(source) ? button.getAttribute("data-copied") : button.getAttribute("data-failed"));
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, failed);
      } else {
        failed();
      }
    });
  });
})();

/* Frames Flexiti's hosted flow and follows its postMessage events, from Flexiti's origin only. */
(function () {
  "use strict";
  var config = document.currentScript.dataset;
  var frame = document.getElementById("flexiti-frame");
  var loading = document.getElementById("flexiti-loading");
  var origin = config.flexitiOrigin || window.location.origin;
  var loaded = false;
  var leaving = false;

  function go(url) {
    if (leaving) { return; }
    leaving = true;
    // Remove the frame first: Flexiti's page inside it is about to navigate to the same return
    // URL, and two top-level navigations would race (the second aborting the first).
    frame.remove();
    window.location.assign(url);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var type = event.data && event.data.eventType;
    if (type === "flx-success") { go(config.successUrl); }
    else if (type === "flx-failure" || type === "flx-cancel") { go(config.errorUrl); }
  });
  frame.addEventListener("load", function () { loaded = true; loading.hidden = true; });
  // A frame the browser refuses to show never loads: continue in the full page instead.
  var src = frame.src;
  window.setTimeout(function () { if (!loaded) { go(src); } }, Number(config.frameTimeout) || 15000);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { go(config.errorUrl); }
  });
})();

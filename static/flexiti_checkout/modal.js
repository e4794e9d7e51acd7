/* Frames Flexiti's hosted flow and follows its postMessage events, from Flexiti's origin only.
 *
 * On its own page (no JavaScript needed to reach it) it navigates this window. Embedded in the
 * dialog flexiti.js draws over a shop's page (data-parent-origin set), it tells that page what
 * happened instead, and the shop's page decides where to go.
 */
(function () {
  "use strict";
  var config = document.currentScript.dataset;
  var frame = document.getElementById("flexiti-frame");
  var loading = document.getElementById("flexiti-loading");
  var origin = config.flexitiOrigin || window.location.origin;
  var parentOrigin = config.parentOrigin;
  var embedded = Boolean(parentOrigin) && window.parent !== window;
  var loaded = false;
  var leaving = false;

  function tell(message) {
    window.parent.postMessage(message, parentOrigin);
  }

  function go(url, message) {
    if (leaving) { return; }
    leaving = true;
    // Remove the frame first: Flexiti's page inside it is about to navigate to the same return
    // URL, and two top-level navigations would race (the second aborting the first).
    frame.remove();
    if (embedded) { tell(message); } else { window.location.assign(url); }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var type = event.data && event.data.eventType;
    if (type === "flx-success") { go(config.successUrl, { flexiti: "outcome", outcome: "success" }); }
    else if (type === "flx-failure" || type === "flx-cancel") {
      go(config.errorUrl, { flexiti: "outcome", outcome: "error" });
    }
  });
  frame.addEventListener("load", function () { loaded = true; loading.hidden = true; });
  // A frame the browser refuses to show never loads: continue in the full page instead.
  var src = frame.src;
  window.setTimeout(function () {
    if (!loaded) { go(src, { flexiti: "fallback" }); }
  }, Number(config.frameTimeout) || 15000);
  function onEscape(event) {
    if (event.key !== "Escape") { return; }
    if (embedded) { tell({ flexiti: "close" }); } else { go(config.errorUrl); }
  }
  document.addEventListener("keydown", onEscape);
  // Keys pressed inside Flexiti's frame stay in that frame's document. When it has this page's
  // origin (the sandbox a service embeds), Esc is heard there too. Flexiti's own hosts are
  // cross-origin and out of reach: there the dialog's close button, which Shift+Tab reaches from
  // inside the frame, is the way out.
  frame.addEventListener("load", function () {
    try {
      frame.contentWindow.document.addEventListener("keydown", onEscape);
    } catch (error) {
      // A cross-origin frame: its keys are its own.
    }
  });
  if (embedded) { tell({ flexiti: "ready" }); }
})();

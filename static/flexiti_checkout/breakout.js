/* A return page loaded inside the checkout modal's frame reloads itself in the top window. */
(function () {
  "use strict";
  var target = document.currentScript.dataset.target;
  if (window.top !== window.self) { window.top.location.replace(target); } else { window.location.replace(target); }
})();

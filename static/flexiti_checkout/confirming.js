/* Polls the order's status until Flexiti's outcome is known, then moves on. */
(function () {
  "use strict";
  var config = document.currentScript.dataset;
  var interval = Number(config.interval) || 2000;
  var giveUp = Number(config.giveUp) || 60000;
  var started = Date.now();

  function schedule() {
    if (Date.now() - started > giveUp) {
      document.getElementById("flexiti-slow").hidden = false;
      interval = 10000;
    }
    window.setTimeout(poll, interval);
  }

  function poll() {
    fetch(config.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.next_url) { window.location.replace(body.next_url); } else { schedule(); }
      })
      .catch(schedule);
  }

  window.setTimeout(poll, interval);
})();

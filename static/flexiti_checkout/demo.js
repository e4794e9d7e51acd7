/* The demo shop's two bits of behaviour: the variant picker and the live orders page. */
(function () {
  "use strict";
  var picker = document.querySelector("[data-demo-variants]");
  if (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      document.getElementById("demo-price").textContent = option.dataset.priceText;
      // flexiti.js watches this attribute and re-prices the badge.
      var badge = document.querySelector("#demo-badge [data-flexiti-price]");
      if (badge) { badge.setAttribute("data-flexiti-price", option.dataset.price); }
    });
  }
  var orders = document.getElementById("demo-orders");
  if (orders) {
    window.setInterval(function () {
      fetch(orders.dataset.tableUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { orders.innerHTML = html; } })
        .catch(function () { /* the next tick tries again */ });
    }, 2000);
  }
})();

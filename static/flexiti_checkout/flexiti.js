/* flexiti.js: "pay monthly" badges on any page, Flask or not. No dependencies.
 *
 *   <span data-flexiti-price="499.00" data-flexiti-lang="fr"></span>
 *   <script src=".../flexiti.js" data-flexiti-endpoint="https://checkout.example.com/flexiti"
 *           defer></script>
 *
 * A badge loads when it scrolls into view; all the prices that came into view together go in
 * one request. Changing data-flexiti-price (a variant picker) re-prices its badge. A price with
 * no plan keeps its space, invisible. Any failure hides badges quietly: a shop page never shows
 * an error because of Flexiti. The language is data-flexiti-lang, else <html lang>.
 */
(function () {
  "use strict";
  var SELECTOR = "[data-flexiti-price]";
  var PRICE = /^\d{1,7}(\.\d{1,2})?$/;
  var BATCH = 100;  // the most prices the calculator takes in one request
  var script = document.currentScript;
  var endpoint = endpointOf(script);
  var sameOrigin = new URL(endpoint, window.location.href).origin === window.location.origin;
  var keys = new WeakMap();  // element -> "lang|price" it shows or waits for
  var known = {};            // "lang|price" -> plan, or false when the price has none
  var waiting = {};          // "lang|price" -> elements waiting for that answer
  var queued = [];           // keys for the next request
  var timer = 0;
  var observer = "IntersectionObserver" in window
    ? new IntersectionObserver(onVisible, { rootMargin: "200px 0px" }) : null;

  function endpointOf(tag) {
    var given = tag && tag.getAttribute("data-flexiti-endpoint");
    if (given) { return given.replace(/\/+$/, ""); }
    var src = (tag && tag.src) || "";
    var at = src.indexOf("/static/flexiti_checkout/");
    return at > 0 ? src.slice(0, at) : "/flexiti";
  }

  function langOf(el) {
    var lang = (el.getAttribute("data-flexiti-lang") || document.documentElement.lang || "")
      .slice(0, 2).toLowerCase();
    return lang === "en" || lang === "fr" ? lang : "";  // "": the server decides
  }

  function keyOf(el) {
    return langOf(el) + "|" + (el.getAttribute("data-flexiti-price") || "").trim();
  }

  // Reserve each badge's height before it fills in (badges.css does the same, earlier).
  function reserveSpace() {
    var style = document.createElement("style");
    style.textContent = ":where([data-flexiti-price]){display:block;min-height:2.8em;" +
      "line-height:1.4}:where([data-flexiti-state=ineligible]){visibility:hidden}";
    var head = document.head || document.documentElement;
    head.insertBefore(style, head.firstChild);
  }

  function part(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function render(el, plan) {
    el.textContent = "";
    el.removeAttribute("aria-busy");
    if (!plan) {
      el.setAttribute("data-flexiti-state", "ineligible");
      el.setAttribute("aria-hidden", "true");
      return;
    }
    var link = document.createElement("a");
    var href = endpoint + "/learn-more?amount=" + encodeURIComponent(plan.price) +
      "&lang=" + encodeURIComponent(plan.lang);
    if (sameOrigin) {
      href += "&return_to=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
    link.href = href;
    link.className = "flexiti-badge-link";
    link.setAttribute("aria-label", plan.label);
    link.appendChild(part("flexiti-badge-text", plan.text));
    link.appendChild(document.createTextNode(" "));
    link.appendChild(part("flexiti-badge-more", plan.more));
    el.appendChild(link);
    el.removeAttribute("aria-hidden");
    el.setAttribute("data-flexiti-state", "ready");
  }

  // A badge whose price or language is new to us: empty it (its space stays) and watch for it.
  function track(el) {
    if (!el.hasAttribute("data-flexiti-price")) { return; }
    var key = keyOf(el);
    var first = !keys.has(el);
    if (keys.get(el) === key) { return; }
    keys.set(el, key);
    var state = el.getAttribute("data-flexiti-state");
    if (first && (state === "ready" || state === "ineligible")) { return; }  // rendered by the server
    el.textContent = "";
    el.setAttribute("data-flexiti-state", "pending");
    el.setAttribute("aria-busy", "true");
    if (!PRICE.test(key.split("|")[1])) { render(el, null); return; }
    if (Object.prototype.hasOwnProperty.call(known, key)) { render(el, known[key]); return; }
    if (observer) {
      observer.unobserve(el);
      observer.observe(el);  // reports at once if it is already in view
    } else {
      ask(el);
    }
  }

  function onVisible(entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        ask(entry.target);
      }
    });
  }

  function ask(el) {
    var key = keys.get(el);
    if (Object.prototype.hasOwnProperty.call(known, key)) { render(el, known[key]); return; }
    if (!waiting[key]) {
      waiting[key] = [];
      queued.push(key);
    }
    waiting[key].push(el);
    // Badges that come into view together (a page, a scroll) share one request.
    if (!timer) { timer = window.setTimeout(flush, 30); }
  }

  function flush() {
    timer = 0;
    var byLang = {};
    queued.splice(0).forEach(function (key) {
      var lang = key.split("|")[0];
      (byLang[lang] = byLang[lang] || []).push(key);
    });
    Object.keys(byLang).forEach(function (lang) {
      for (var i = 0; i < byLang[lang].length; i += BATCH) {
        send(lang, byLang[lang].slice(i, i + BATCH));
      }
    });
  }

  function send(lang, batch) {
    var body = { prices: batch.map(function (key) { return key.split("|")[1]; }) };
    if (lang) { body.lang = lang; }
    window.fetch(endpoint + "/calculator", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      if (!response.ok) { throw new Error("calculator answered " + response.status); }
      return response.json();
    }).then(function (data) {
      batch.forEach(function (key, i) { settle(key, data.plans[i]); });
    }).catch(function () {
      batch.forEach(function (key) { settle(key, null); });  // fail closed, quietly
    });
  }

  function settle(key, answer) {
    var plan = answer && answer.eligible ? answer : null;
    // "unavailable" means Flexiti was slow or down: ask again next time instead of remembering.
    if (answer && answer.reason !== "unavailable") { known[key] = plan || false; }
    var elements = waiting[key] || [];
    delete waiting[key];
    elements.forEach(function (el) {
      if (keys.get(el) === key) { render(el, plan); }
    });
  }

  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) { track(root); }
    if (root.querySelectorAll) { Array.prototype.forEach.call(root.querySelectorAll(SELECTOR), track); }
  }

  function start() {
    scan(document);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        if (record.type === "attributes") {
          track(record.target);
        } else {
          Array.prototype.forEach.call(record.addedNodes, function (node) {
            if (node.nodeType === 1) { scan(node); }
          });
        }
      });
    }).observe(document.documentElement, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ["data-flexiti-price", "data-flexiti-lang"]
    });
  }

  reserveSpace();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

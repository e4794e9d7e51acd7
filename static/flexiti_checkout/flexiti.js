/* flexiti.js: "pay monthly" badges on any page, Flask or not. No dependencies.
 *
 *   <span data-flexiti-price="499.00" data-flexiti-lang="fr"></span>
 *   <script src=".../flexiti.js" data-flexiti-endpoint="https://checkout.example.com/flexiti"
 *           defer></script>
 *
 * A badge loads when it scrolls into view; all the prices that came into view together go in
 * one request. Changing data-flexiti-price (a variant picker) re-prices its badge. A price with
 * no plan keeps its space, invisible. A price Flexiti has not answered yet ("pending") is asked
 * again shortly, a few times, and fills in when its answer lands. Any failure hides badges
 * quietly: a shop page never shows an error because of Flexiti. The language is
 * data-flexiti-lang, else <html lang>.
 *
 * The checkout: a form (or its submit button) marked data-flexiti-checkout is posted in the
 * background; when the shop answers {"modal_url": ...} Flexiti opens in a dialog over the page.
 * Flexiti.open(modalUrl) does the same with the service's JSON answer.
 */
(function () {
  "use strict";
  var SELECTOR = "[data-flexiti-price]";
  var PRICE = /^\d{1,7}(\.\d{1,2})?$/;
  var BATCH = 100;  // the most prices the calculator takes in one request
  // When to ask again for a price Flexiti has not answered yet (ms); then it stays hidden. The
  // server answers "pending" after a quarter of a second, so a badge fills in soon after Flexiti
  // answers, however slow it is, and no request waits long on the server.
  var PENDING_DELAYS = [100, 100, 250, 250, 500, 1000, 1000, 2000, 4000, 8000, 8000];
  var script = document.currentScript;
  var endpoint = endpointOf(script);
  var sameOrigin = new URL(endpoint, window.location.href).origin === window.location.origin;
  var keys = new WeakMap();  // element -> "lang|price" it shows or waits for
  var known = {};            // "lang|price" -> plan, or false when the price has none
  var waiting = {};          // "lang|price" -> elements waiting for that answer
  var tries = {};            // "lang|price" -> "pending" answers had so far
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
    style.textContent = ":where([data-flexiti-price]){display:block;min-height:4.2em;" +
      "line-height:1.4}:where([data-flexiti-price][data-flexiti-cost]){min-height:5.6em}" +
      ":where([data-flexiti-state=ineligible]){visibility:hidden}" +
      ".flexiti-overlay{position:fixed;inset:0;z-index:2147483000;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(20,20,30,.55)}" +
      ".flexiti-overlay-box{display:flex;flex-direction:column;width:min(46rem,96vw);" +
      "height:min(52rem,94vh);background:#fff;color:#1c1c1c;border-radius:8px;overflow:hidden;" +
      "box-shadow:0 1rem 3rem rgba(0,0,0,.35);font:16px/1.4 system-ui,sans-serif}" +
      ".flexiti-overlay-bar{display:flex;align-items:center;justify-content:space-between;" +
      "gap:1rem;padding:.25rem .5rem .25rem 1rem;border-bottom:1px solid #ddd}" +
      ".flexiti-overlay-title{margin:0;font-size:1.1rem}" +
      ".flexiti-overlay-close{font:inherit;font-size:1.6rem;line-height:1;min-width:44px;" +
      "min-height:44px;background:none;border:0;color:#1c1c1c;cursor:pointer}" +
      ".flexiti-overlay-frame{flex:1;width:100%;border:0}";
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
    // At checkout (data-flexiti-cost) an interest-bearing plan states its cost of borrowing.
    var cost = el.hasAttribute("data-flexiti-cost") && plan.cost_text;
    link.setAttribute("aria-label", cost ? plan.cost_label : plan.label);
    link.appendChild(part("flexiti-badge-text", plan.text));
    if (cost) {
      link.appendChild(document.createTextNode("; "));
      link.appendChild(part("flexiti-badge-cost", plan.cost_text));
    }
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
    if (answer && answer.reason === "pending" && (tries[key] || 0) < PENDING_DELAYS.length) {
      // Flexiti is slow: its answer is on its way. Keep the badge's space and ask again.
      window.setTimeout(function () { askAgain(key); }, PENDING_DELAYS[tries[key] || 0]);
      tries[key] = (tries[key] || 0) + 1;
      return;
    }
    delete tries[key];
    var plan = answer && answer.eligible ? answer : null;
    // "unavailable" (Flexiti failed) or still "pending": ask again next time, never remember.
    if (answer && answer.reason !== "unavailable" && answer.reason !== "pending") {
      known[key] = plan || false;
    }
    var elements = waiting[key] || [];
    delete waiting[key];
    elements.forEach(function (el) {
      if (keys.get(el) === key) { render(el, plan); }
    });
  }

  function askAgain(key) {
    var still = (waiting[key] || []).filter(function (el) { return keys.get(el) === key; });
    if (!still.length) { delete waiting[key]; delete tries[key]; return; }  // re-priced meanwhile
    waiting[key] = still;
    queued.push(key);
    if (!timer) { timer = window.setTimeout(flush, 30); }
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

  // -- the checkout dialog over the shop's page ------------------------------------------------

  var WORDS = {
    en: { title: "Pay over time with Flexiti", close: "Close Flexiti",
          left: "You left Flexiti before finishing; nothing was charged. You can try again." },
    fr: { title: "Payez au fil du temps avec Flexiti", close: "Fermer Flexiti",
          left: "Vous avez quitt\u00e9 Flexiti avant de terminer; aucun montant n'a \u00e9t\u00e9 " +
                "port\u00e9 \u00e0 votre compte. Vous pouvez r\u00e9essayer." }
  };
  var NARROW = "(max-width: 599px)";  // a phone: Flexiti gets the whole page
  var dialog = null;

  function words() { return WORDS[langOf(document.documentElement)] || WORDS.en; }

  function withParams(url, params) {
    var target = new URL(url, window.location.href);
    Object.keys(params).forEach(function (name) { target.searchParams.set(name, params[name]); });
    return target.href;
  }

  function openCheckout(modalUrl) {
    if (dialog) { return; }
    if (window.matchMedia && window.matchMedia(NARROW).matches) {
      window.location.assign(withParams(modalUrl, { mode: "redirect" }));
      return;
    }
    var origin = new URL(modalUrl, window.location.href).origin;
    var text = words();
    var opener = document.activeElement;
    var overlay = document.createElement("div");
    overlay.className = "flexiti-overlay";
    overlay.innerHTML = '<div class="flexiti-overlay-box" role="dialog" aria-modal="true">' +
      '<div class="flexiti-overlay-bar"><h2 class="flexiti-overlay-title"></h2>' +
      '<button type="button" class="flexiti-overlay-close"></button></div>' +
      '<iframe class="flexiti-overlay-frame" id="flexiti-overlay-frame" allow="payment"></iframe></div>';
    var box = overlay.firstChild;
    var title = overlay.querySelector("h2");
    var close = overlay.querySelector("button");
    var frame = overlay.querySelector("iframe");
    title.id = "flexiti-overlay-title";
    title.textContent = text.title;
    box.setAttribute("aria-labelledby", title.id);
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", text.close);
    frame.title = text.title;
    frame.src = withParams(modalUrl, { embed: "1", origin: window.location.origin });
    // Everything else on the page is out of reach (focus, clicks, screen readers) until it closes.
    var inerted = Array.prototype.filter.call(document.body.children, function (el) {
      return !el.inert && el.tagName !== "SCRIPT";
    });
    inerted.forEach(function (el) { el.inert = true; });
    var overflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = "hidden";
    document.body.appendChild(overlay);
    var ready = false;
    var fallback = window.setTimeout(function () {
      if (!ready) { leave(withParams(modalUrl, { mode: "redirect" })); }  // framing failed
    }, 15000);

    function onMessage(event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      var kind = event.data && event.data.flexiti;
      if (kind === "ready") { ready = true; }
      else if (kind === "outcome") {
        var outcome = event.data.outcome === "success" ? "success" : "error";
        leave(withParams(modalUrl, { mode: "return", outcome: outcome }));
      } else if (kind === "fallback") { leave(withParams(modalUrl, { mode: "redirect" })); }
      else if (kind === "close") { dismiss(); }
    }

    function onKey(event) {
      if (event.key === "Escape") { event.preventDefault(); dismiss(); }
    }

    function teardown() {
      window.clearTimeout(fallback);
      window.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey, true);
      overlay.remove();
      inerted.forEach(function (el) { el.inert = false; });
      document.documentElement.style.overflow = overflow;
      dialog = null;
    }

    function leave(url) {
      teardown();
      window.location.assign(url);
    }

    function dismiss() {
      teardown();
      announce(text.left);
      if (opener && opener.focus) { opener.focus(); }
    }

    window.addEventListener("message", onMessage);
    document.addEventListener("keydown", onKey, true);
    close.addEventListener("click", dismiss);
    close.focus();
    dialog = { close: dismiss };
  }

  // The shop's page says, once, that leaving Flexiti changed nothing.
  function announce(message) {
    var note = document.getElementById("flexiti-checkout-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "flexiti-checkout-note";
      note.className = "flexiti-checkout-note";
      note.setAttribute("role", "status");
      var form = document.querySelector("[data-flexiti-checkout]");
      form = form && (form.form || form);
      (form || document.body).insertAdjacentElement(form ? "beforebegin" : "afterbegin", note);
    }
    note.textContent = message;
  }

  // A marked form posts in the background; anything but {"modal_url"} submits it the usual way.
  function onSubmit(event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var marked = form.hasAttribute("data-flexiti-checkout") ||
      (submitter && submitter.hasAttribute("data-flexiti-checkout"));
    if (!marked || event.defaultPrevented || form.getAttribute("data-flexiti-plain")) { return; }
    event.preventDefault();
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    // Not form.action: a field named "action" (Oscar's "place order" form has one) hides it.
    var action = new URL(form.getAttribute("action") || "", window.location.href).href;
    window.fetch(action, {
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { Accept: "application/json" }, redirect: "manual"
    }).then(function (response) {
      var json = response.ok && (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return json ? response.json() : null;
    }).catch(function () { return null; }).then(function (answer) {
      if (answer && typeof answer.modal_url === "string") {
        openCheckout(answer.modal_url);
      } else {
        form.setAttribute("data-flexiti-plain", "1");  // let the shop answer as a page
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      }
    });
  }

  window.Flexiti = { open: openCheckout, close: function () { if (dialog) { dialog.close(); } } };
  document.addEventListener("submit", onSubmit);

  reserveSpace();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

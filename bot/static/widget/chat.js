/* The resident chat (page /chat, also inside the widget's iframe).
 * Every piece of text from the resident or the server goes in with textContent,
 * never innerHTML, so nothing a message contains can become markup or script.
 * The session token lives in sessionStorage (gone when the tab closes); the
 * transcript lives only in the page. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("chat-boot").textContent);
  var KEY = "tcb.session";
  var lang = boot.lang;
  var busy = false;
  var log = document.getElementById("log");
  var quick = document.getElementById("quick");
  var statusEl = document.getElementById("status");
  var form = document.getElementById("ask");
  var input = document.getElementById("message");
  var sendBtn = document.getElementById("send");
  var root = document.getElementById("chat");

  function t(key) { return (boot.strings[lang] || boot.strings.en)[key]; }

  function loadSession() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  function saveSession(value) {
    try {
      if (value) { window.sessionStorage.setItem(KEY, value); }
      else { window.sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage disabled: the conversation just does not survive reloads */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* Fixed strings follow the language switch without a reload. */
  function applyStrings() {
    document.documentElement.lang = lang;
    root.querySelectorAll("[data-t]").forEach(function (n) { n.textContent = t(n.dataset.t); });
    document.title = t("title");
    root.querySelectorAll("[data-t-label]").forEach(function (n) {
      n.setAttribute("aria-label", t(n.dataset.tLabel));
    });
    root.querySelectorAll("[data-t-placeholder]").forEach(function (n) {
      n.setAttribute("placeholder", t(n.dataset.tPlaceholder));
    });
    root.querySelectorAll(".lang").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
    });
    var policy = document.getElementById("privacy-link");
    if (policy && boot.privacy && boot.privacy[lang]) {
      policy.href = boot.privacy[lang];
      policy.lang = lang;
    }
  }

  /* The API's `reply` repeats sources, menu and listings as plain text for SMS;
   * the page shows those as structure, so only the answer's own paragraphs stay. */
  function answerText(reply) {
    var kept = [];
    var parts = String(reply || "").split(/\n\n/);
    for (var i = 0; i < parts.length; i++) {
      if (/^(— |• |\d+\. )/.test(parts[i]) && kept.length) { break; }
      kept.push(parts[i]);
    }
    return kept.join("\n\n");
  }

  /* "911; non-emergency (520) 791-4444" -> one tel: link per number. */
  var NANP = /(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}/g;
  var SHORT = /(^|[^\d-])(\d(?:-?\d){2})(?![\d-])/g;
  function telHref(text) {
    var plus = /^\s*\+/.test(text) ? "+" : "";
    return "tel:" + plus + text.replace(/\D/g, "");
  }
  function phoneLinks(phone) {
    var box = el("p", "phones");
    String(phone || "").split(";").forEach(function (segment) {
      segment = segment.trim();
      if (!segment) { return; }
      var line = el("span");
      var found = [];
      var m;
      if (!/\btext\b/i.test(segment)) {
        NANP.lastIndex = 0;
        while ((m = NANP.exec(segment))) { found.push([m.index, m[0]]); }
        if (!found.length) {
          SHORT.lastIndex = 0;
          while ((m = SHORT.exec(segment))) { found.push([m.index + m[1].length, m[2]]); }
        }
      }
      if (found.length === 1) {
        var a = el("a", null, segment);
        a.href = telHref(found[0][1]);
        line.appendChild(a);
      } else if (found.length > 1) {
        var at = 0;
        found.forEach(function (f) {
          if (f[0] > at) { line.appendChild(document.createTextNode(segment.slice(at, f[0]))); }
          var link = el("a", null, f[1]);
          link.href = telHref(f[1]);
          line.appendChild(link);
          at = f[0] + f[1].length;
        });
        if (at < segment.length) { line.appendChild(document.createTextNode(segment.slice(at))); }
      } else {
        line.textContent = segment;
      }
      box.appendChild(line);
    });
    return box;
  }

  function safeUrl(value) {
    try {
      var u = new URL(String(value));
      return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null;
    } catch (e) { return null; }
  }

  function sourcesBlock(sources, replyLang) {
    var box = el("section", "sources");
    box.appendChild(el("h2", null, t("said_by")));
    var list = el("ul");
    sources.forEach(function (s) {
      var item = el("li");
      item.appendChild(el("span", "attribution", "— " + [s.speaker, s.role, s.outlet, s.date]
        .filter(Boolean).join(", ")));
      if (s.quote) {
        var q = el("blockquote", null, "“" + s.quote + "”");
        q.lang = replyLang;
        item.appendChild(q);
        if (s.translated) { item.appendChild(el("span", "translated", t("translated"))); }
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function card(r) {
    var item = el("li", "card");
    item.appendChild(el("h3", null, r.name));
    if (r.verified === false) {
      var badge = el("span", "badge", t("unverified"));
      badge.title = t("unverified_help");
      item.appendChild(badge);
      item.appendChild(el("span", "visually-hidden", " " + t("unverified_help")));
    }
    if (r.description) { item.appendChild(el("p", null, r.description)); }
    if (r.phone) { item.appendChild(phoneLinks(r.phone)); }
    var url = safeUrl(r.website);
    if (url) {
      var p = el("p");
      var a = el("a", null, t("website") + ": " + url.replace(/^https?:\/\//, "").replace(/\/$/, ""));
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      p.appendChild(a);
      item.appendChild(p);
    }
    return item;
  }

  function cardsBlock(resources) {
    var box = el("section", "cards");
    box.appendChild(el("h2", null, t("listings")));
    var list = el("ul");
    resources.forEach(function (r) { list.appendChild(card(r)); });
    box.appendChild(list);
    return box;
  }

  function addMessage(kind, text, msgLang) {
    var msg = el("div", "msg " + kind);
    msg.lang = msgLang || lang;
    msg.appendChild(el("span", "who", kind === "you" ? t("you") : t("bot")));
    msg.appendChild(el("p", "text", text));
    log.appendChild(msg);
    return msg;
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  /* A long answer is read from its start, not from its last listing. */
  function scrollToStart(node) { log.scrollTop = node.offsetTop - log.offsetTop - 8; }

  function showQuickReplies(items, replyLang) {
    quick.textContent = "";
    (items || []).forEach(function (q) {
      var b = el("button", "qr", q.label);
      b.type = "button";
      b.lang = /^(English|Español)$/.test(q.label) ? (q.label === "English" ? "en" : "es") : replyLang;
      b.addEventListener("click", function () {
        ask(q.message, { label: q.label });
        input.focus();
      });
      quick.appendChild(b);
    });
  }

  function render(data) {
    var replyLang = data.language || lang;
    var msg = addMessage("bot", answerText(data.reply), replyLang);
    msg.dataset.intent = data.intent || "";
    if (data.intent === "emergency") {
      msg.classList.add("emergency");
      msg.setAttribute("role", "alert");
      msg.querySelector(".who").textContent = t("emergency");
      var call = el("a", "call-911", t("call_911"));
      call.href = "tel:911";
      msg.appendChild(call);
    }
    if (data.sources && data.sources.length) { msg.appendChild(sourcesBlock(data.sources, replyLang)); }
    if (data.resources && data.resources.length) { msg.appendChild(cardsBlock(data.resources)); }
    showQuickReplies(data.quick_replies, replyLang);
    scrollToStart(msg);
  }

  function setBusy(value) {
    busy = value;
    // aria-disabled, not disabled: a disabled button would drop keyboard focus.
    sendBtn.setAttribute("aria-disabled", value ? "true" : "false");
    log.setAttribute("aria-busy", value ? "true" : "false");
    statusEl.textContent = value ? t("sending") : "";
  }

  /* One turn. `opts.silent` sends without showing a resident bubble (greeting, menu). */
  function ask(message, opts) {
    opts = opts || {};
    if (busy || !String(message).trim()) { return; }
    if (!opts.silent) {
      addMessage("you", opts.label || message, lang);
      scrollToEnd();
    }
    quick.textContent = "";
    setBusy(true);
    var body = { message: message, lang: opts.lang || undefined };
    var session = loadSession();
    if (session) { body.session = session; }
    fetch(boot.api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (res) {
      setBusy(false);
      if (!res.ok || !res.data || res.data.error) {
        var err = (res.data && res.data.error && res.data.error.message) || t("offline");
        addMessage("bot error", err, lang);
        scrollToEnd();
        return;
      }
      saveSession(res.data.session);
      /* "delete my data": the server keeps nothing, so forgetting is this page's job. */
      if (res.data.intent === "forget_me") { log.textContent = ""; }
      if (res.data.language && res.data.language !== lang && boot.strings[res.data.language]) {
        lang = res.data.language;
        applyStrings();
      }
      render(res.data);
    }).catch(function () {
      setBusy(false);
      addMessage("bot error", t("offline"), lang);
      scrollToEnd();
    });
  }

  function greet() { ask(t("greeting"), { silent: true, lang: lang }); }

  function switchLanguage(next) {
    if (next === lang || !boot.strings[next]) { return; }
    lang = next;
    applyStrings();
    ask(t("menu"), { silent: true, lang: lang });
  }

  function clearConversation() {
    saveSession(null);
    log.textContent = "";
    quick.textContent = "";
    input.value = "";
    greet();
    statusEl.textContent = t("cleared");
    input.focus();
  }

  /* Widget mode: talk to the host page, only at the exact origin the server vetted. */
  function tellParent(type) {
    if (boot.embed && boot.parent_origin && window.parent !== window) {
      window.parent.postMessage({ type: type }, boot.parent_origin);
    }
  }

  function focusables() {
    return Array.prototype.filter.call(
      root.querySelectorAll("button, input, a[href], [tabindex='0']"),
      function (n) { return !n.disabled && n.offsetParent !== null; }
    );
  }

  function onKey(e) {
    if (!boot.embed) { return; }
    if (e.key === "Escape") {
      e.preventDefault();
      tellParent("tcb-close");
    } else if (e.key === "Tab") {
      var items = focusables();
      if (!items.length) { return; }
      var first = items[0];
      var last = items[items.length - 1];
      var active = document.activeElement;
      if (e.shiftKey && (active === first || !root.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !root.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || busy) { return; }
    input.value = "";
    ask(text);
  });
  root.querySelectorAll(".lang").forEach(function (b) {
    b.addEventListener("click", function () { switchLanguage(b.dataset.lang); });
  });
  document.getElementById("clear").addEventListener("click", clearConversation);
  var closeBtn = document.getElementById("close");
  if (closeBtn) { closeBtn.addEventListener("click", function () { tellParent("tcb-close"); }); }
  document.addEventListener("keydown", onKey);
  window.addEventListener("message", function (e) {
    if (!boot.parent_origin || e.origin !== boot.parent_origin || e.source !== window.parent) { return; }
    if (e.data && e.data.type === "tcb-open") { input.focus(); }
  });

  applyStrings();
  greet();
  if (boot.embed) { input.focus(); }
}());

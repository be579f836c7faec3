/* The one-line embed: <script src="https://BOT/widget.js" data-lang="es" async></script>
 * Adds a launcher button to the host page; the chat itself opens in an iframe on
 * the bot's origin, so neither page can reach into the other. The only messages
 * exchanged go to an exact origin and are accepted only from that origin.
 * Styles are set through the CSSOM (el.style), which host CSPs allow, and nothing
 * is requested from the bot until the resident opens the chat. */
(function () {
  "use strict";
  var STRINGS = /*STRINGS*/{};
  var script = document.currentScript;
  if (!script || !script.src || window.__tucsonChatWidget) { return; }
  window.__tucsonChatWidget = true;
  var bot = new URL(script.src).origin;
  var lang = STRINGS[script.getAttribute("data-lang")] ? script.getAttribute("data-lang") : "en";
  var s = STRINGS[lang];
  if (!s) { return; } /* served raw from /static: use /widget.js, which adds the labels */
  var launcher, panel, frame;
  var isOpen = false;

  function css(node, rules) {
    Object.keys(rules).forEach(function (k) { node.style.setProperty(k, rules[k], "important"); });
  }

  function ring(node, on) {
    css(node, on ? { outline: "3px solid #1b1b1b", "outline-offset": "2px",
      "box-shadow": "0 0 0 6px #fff" } : { outline: "none", "box-shadow": "0 2px 8px rgba(0,0,0,.35)" });
  }

  function layout() {
    var small = window.matchMedia("(max-width: 480px)").matches;
    css(panel, small
      ? { top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%", "border-radius": "0" }
      : { top: "auto", left: "auto", right: "16px", bottom: "16px", width: "400px",
          height: "min(640px, calc(100vh - 32px))", "border-radius": "12px" });
  }

  function build() {
    launcher = document.createElement("button");
    launcher.type = "button";
    launcher.lang = lang;
    launcher.textContent = s.open_short;
    launcher.title = s.open;
    launcher.setAttribute("aria-haspopup", "dialog");
    launcher.setAttribute("aria-expanded", "false");
    css(launcher, { position: "fixed", right: "16px", bottom: "16px", "z-index": "2147483000",
      margin: "0", padding: "12px 20px", "min-height": "48px", border: "2px solid #fff",
      "border-radius": "24px", background: "#0b5394", color: "#fff", cursor: "pointer",
      font: "600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" });
    ring(launcher, false);
    launcher.addEventListener("focus", function () { ring(launcher, true); });
    launcher.addEventListener("blur", function () { ring(launcher, false); });
    launcher.addEventListener("click", open);

    panel = document.createElement("div");
    panel.lang = lang;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    panel.setAttribute("aria-label", s.frame_title);
    panel.hidden = true;
    css(panel, { position: "fixed", "z-index": "2147483001", display: "none", background: "#fff",
      overflow: "hidden", "box-shadow": "0 4px 24px rgba(0,0,0,.4)", border: "1px solid #5e5e5e" });
    layout();
    window.matchMedia("(max-width: 480px)").addEventListener("change", layout);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
  }

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = s.frame_title;
      frame.src = bot + "/chat?embed=1&lang=" + encodeURIComponent(lang) +
        "&host=" + encodeURIComponent(window.location.origin);
      css(frame, { display: "block", width: "100%", height: "100%", border: "0" });
      panel.appendChild(frame);
    }
    isOpen = true;
    panel.hidden = false;
    css(panel, { display: "block" });
    css(launcher, { display: "none" });
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
    frame.contentWindow.postMessage({ type: "tcb-open" }, bot);
  }

  function close() {
    if (!isOpen) { return; }
    isOpen = false;
    panel.hidden = true;
    css(panel, { display: "none" });
    css(launcher, { display: "block" });
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== bot || !frame || e.source !== frame.contentWindow) { return; }
    if (e.data && e.data.type === "tcb-close") { close(); }
  });
  /* Modal: while open, focus that lands on the host page goes back into the chat. */
  document.addEventListener("focusin", function (e) {
    if (isOpen && panel && !panel.contains(e.target)) {
      frame.focus();
      frame.contentWindow.postMessage({ type: "tcb-open" }, bot);
    }
  });

  if (document.body) { build(); } else { document.addEventListener("DOMContentLoaded", build); }
}());

/* hiendien chat widget for the ward portal. Add one line to a page:
 *   <script src="https://YOUR-HIENDIEN-SERVER/widget.js" data-source="portal" async></script>
 * It adds a round button (bottom-right) that opens the chat in a panel (an iframe of this
 * server's page). Styles are set through element.style inside a shadow root, so the host
 * page's CSS cannot reach it, it cannot reach the host page, and a strict host CSP
 * (no 'unsafe-inline') does not block it. No external resources.
 */
(function () {
  "use strict";
  if (window.__hiendienWidget) return;
  window.__hiendienWidget = true;

  var TEXT = {
    label: {{ t("widget_label")|tojson }},
    close: {{ t("widget_close")|tojson }},
    title: {{ t("widget_title")|tojson }}
  };
  var LANG = {{ lang|tojson }};
  var SOURCE_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var Z = "2147483000";

  function findScript() {
    var current = document.currentScript;
    if (current && current.src) return current;
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#].*)?$/.test(scripts[i].src || "")) return scripts[i];
    }
    return null;
  }

  var script = findScript();
  var base;
  try {
    base = new URL(script ? script.src : "/widget.js", window.location.href);
  } catch (e) {
    return;
  }
  var chatUrl = new URL("/", base.origin);
  var source = script ? script.getAttribute("data-source") : null;
  if (source && SOURCE_RE.test(source)) chatUrl.searchParams.set("source", source);

  function css(el, styles) {
    for (var k in styles) {
      if (Object.prototype.hasOwnProperty.call(styles, k)) {
        el.style.setProperty(k, styles[k], "important");
      }
    }
    return el;
  }

  function svg(paths) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("width", "28");
    icon.setAttribute("height", "28");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(ns, "path");
      p.setAttribute("d", d);
      p.setAttribute("fill", "none");
      p.setAttribute("stroke", "currentColor");
      p.setAttribute("stroke-width", "2");
      p.setAttribute("stroke-linecap", "round");
      p.setAttribute("stroke-linejoin", "round");
      icon.appendChild(p);
    });
    return icon;
  }
  var CHAT_ICON = [
    "M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z",
    "M8.5 12h.01M12 12h.01M15.5 12h.01",
  ];
  var CLOSE_ICON = ["M6 6l12 12", "M18 6L6 18"];

  function build() {
    var host = document.createElement("div");
    host.id = "hiendien-widget";
    host.setAttribute("lang", LANG);
    css(host, {
      position: "fixed",
      right: "0",
      bottom: "0",
      width: "0",
      height: "0",
      margin: "0",
      padding: "0",
      border: "0",
      "z-index": Z,
    });
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

    var small = function () {
      return window.innerWidth < 480;
    };

    var panel = document.createElement("div");
    panel.setAttribute("data-hiendien", "panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", TEXT.title);
    panel.hidden = true;
    css(panel, {
      position: "fixed",
      "z-index": Z,
      display: "none",
      overflow: "hidden",
      background: "#ffffff",
      "border-radius": "16px",
      "box-shadow": "0 12px 40px rgba(0, 0, 0, 0.28)",
      border: "1px solid rgba(0, 0, 0, 0.08)",
    });

    function place() {
      if (small()) {
        css(panel, {
          left: "8px",
          right: "8px",
          top: "8px",
          bottom: "84px",
          width: "auto",
          height: "auto",
        });
      } else {
        css(panel, {
          left: "auto",
          top: "auto",
          right: "20px",
          bottom: "92px",
          width: "380px",
          height: "min(620px, calc(100vh - 120px))",
        });
      }
    }

    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-hiendien", "toggle");
    button.setAttribute("aria-label", TEXT.label);
    button.setAttribute("aria-expanded", "false");
    button.title = TEXT.label;
    css(button, {
      position: "fixed",
      right: "20px",
      bottom: "20px",
      "z-index": Z,
      width: "60px",
      height: "60px",
      margin: "0",
      padding: "0",
      display: "flex",
      "align-items": "center",
      "justify-content": "center",
      border: "0",
      "border-radius": "50%",
      background: "#0b57a4",
      color: "#ffffff",
      cursor: "pointer",
      "box-shadow": "0 6px 20px rgba(0, 0, 0, 0.3)",
      outline: "none",
    });
    button.appendChild(svg(CHAT_ICON));
    button.addEventListener("focus", function () {
      css(button, { outline: "3px solid #f5a623", "outline-offset": "3px" });
    });
    button.addEventListener("blur", function () {
      css(button, { outline: "none" });
    });

    var frame = null;
    var open = false;

    function setIcon(paths) {
      while (button.firstChild) button.removeChild(button.firstChild);
      button.appendChild(svg(paths));
    }

    function show() {
      if (!frame) {
        // created on first open only: a portal visit alone starts no conversation
        frame = document.createElement("iframe");
        frame.setAttribute("data-hiendien", "frame");
        frame.title = TEXT.title;
        frame.src = chatUrl.href;
        frame.setAttribute("allow", "clipboard-write");
        frame.setAttribute("referrerpolicy", "no-referrer");
        css(frame, {
          display: "block",
          width: "100%",
          height: "100%",
          border: "0",
          margin: "0",
          padding: "0",
          background: "#f3f5f8",
        });
        panel.appendChild(frame);
      }
      place();
      panel.hidden = false;
      css(panel, { display: "block" });
      open = true;
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-label", TEXT.close);
      button.title = TEXT.close;
      setIcon(CLOSE_ICON);
      try {
        frame.focus();
      } catch (e) {
        /* focus is a nicety */
      }
    }

    function hide() {
      panel.hidden = true;
      css(panel, { display: "none" });
      open = false;
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-label", TEXT.label);
      button.title = TEXT.label;
      setIcon(CHAT_ICON);
    }

    button.addEventListener("click", function () {
      if (open) hide();
      else show();
    });
    document.addEventListener("keydown", function (event) {
      if (open && (event.key === "Escape" || event.key === "Esc")) {
        hide();
        button.focus();
      }
    });
    window.addEventListener("resize", function () {
      if (open) place();
    });

    root.appendChild(panel);
    root.appendChild(button);
    document.body.appendChild(host);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();

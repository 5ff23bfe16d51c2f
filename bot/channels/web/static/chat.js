/* hiendien web chat: plain JS, no framework, no inline code (the page's CSP is script-src 'self').
 *
 * Talks to POST /api/chat. Every text from the bot or the person is put in the page with
 * textContent / DOM nodes only, never as HTML.
 */
(function () {
  "use strict";

  var USER_KEY = "hiendien.user";
  var TRANSCRIPT_KEY = "hiendien.transcript";
  var MAX_ENTRIES = 300;
  var TIMEOUT_MS = 30000;
  var SOURCE_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  var TRAILING_RE = /[.,;:!?)\]}»”’]+$/;

  var root = document.getElementById("hiendien-chat");
  var configEl = document.getElementById("chat-config");
  if (!root || !configEl) return;
  var config = {};
  try {
    config = JSON.parse(configEl.textContent || "{}");
  } catch (e) {
    config = {};
  }
  function str(key) {
    return typeof config[key] === "string" ? config[key] : "";
  }

  var log = root.querySelector('[data-role="log"]');
  var scroller = root.querySelector('[data-role="scroller"]');
  var typing = root.querySelector('[data-role="typing"]');
  var form = root.querySelector('[data-role="form"]');
  var input = root.querySelector('[data-role="input"]');
  var send = root.querySelector('[data-role="send"]');
  var restartButton = root.querySelector('[data-role="restart"]');

  // --- storage that never throws (blocked storage in a third-party iframe, private mode) ---
  var memory = {};
  function store(kind) {
    try {
      var s = window[kind];
      var probe = "hiendien.probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;
    }
  }
  var local = store("localStorage");
  var session = store("sessionStorage");
  function getItem(s, key) {
    try {
      return s ? s.getItem(key) : (memory[key] === undefined ? null : memory[key]);
    } catch (e) {
      return null;
    }
  }
  function setItem(s, key, value) {
    try {
      if (s) s.setItem(key, value);
      else memory[key] = value;
    } catch (e) {
      memory[key] = value;
    }
  }

  function randomId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var hex = "";
    for (var j = 0; j < bytes.length; j++) hex += (bytes[j] + 0x100).toString(16).slice(1);
    return hex;
  }

  function userId() {
    var id = getItem(local, USER_KEY);
    if (!id || id.length > 64) {
      id = randomId();
      setItem(local, USER_KEY, id);
    }
    return id;
  }
  var user = userId();

  function source() {
    var params;
    try {
      params = new URLSearchParams(window.location.search);
    } catch (e) {
      return null;
    }
    // ?source= is what links and QR codes carry; ?src= and ?start= are older spellings
    var value = params.get("source") || params.get("src") || params.get("start");
    return value && SOURCE_RE.test(value) ? value : null;
  }

  // --- the transcript: [{role: "bot"|"user"|"system", text, buttons?, spent?}] ---------------
  var transcript = [];
  function loadTranscript() {
    var raw = getItem(session, TRANSCRIPT_KEY);
    if (!raw) return [];
    try {
      var data = JSON.parse(raw);
      return Array.isArray(data) ? data.filter(isEntry) : [];
    } catch (e) {
      return [];
    }
  }
  function isEntry(e) {
    return e && typeof e.text === "string" && /^(bot|user|system)$/.test(e.role);
  }
  function saveTranscript() {
    if (transcript.length > MAX_ENTRIES) transcript = transcript.slice(-MAX_ENTRIES);
    setItem(session, TRANSCRIPT_KEY, JSON.stringify(transcript));
  }

  // --- drawing -------------------------------------------------------------------------------
  function appendText(parent, text) {
    // Plain text with addresses made clickable; line breaks kept by CSS (white-space: pre-wrap).
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = match[0];
      var trail = url.match(TRAILING_RE);
      if (trail) url = url.slice(0, url.length - trail[0].length);
      if (url.length <= "https://".length) continue;
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = url;
      parent.appendChild(a);
      last = match.index + url.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function hidden(text) {
    var span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  var rowOf = typeof WeakMap === "function" ? new WeakMap() : null;

  function draw(entry, retryable) {
    var row = document.createElement("div");
    if (rowOf) rowOf.set(entry, row);
    row.className = "chat-row chat-row-" + entry.role;
    var bubble = document.createElement("div");
    bubble.className = "chat-bubble chat-" + entry.role;
    bubble.setAttribute("data-role", entry.role);
    if (entry.role === "bot" && str("bot_said")) bubble.appendChild(hidden(str("bot_said") + " "));
    if (entry.role === "user" && str("you_said")) bubble.appendChild(hidden(str("you_said") + " "));
    var body = document.createElement("span");
    body.className = "chat-text";
    if (entry.role === "bot") appendText(body, entry.text);
    else body.textContent = entry.text;
    bubble.appendChild(body);
    row.appendChild(bubble);

    var buttons = Array.isArray(entry.buttons) ? entry.buttons : [];
    if (buttons.length) {
      var chips = document.createElement("div");
      chips.className = "chat-buttons";
      buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string") return;
        if (typeof b.url === "string" && /^https?:\/\//i.test(b.url)) {
          var a = document.createElement("a");
          a.className = "chat-link";
          a.href = b.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          a.setAttribute("data-role", "link");
          a.textContent = b.title;
          var arrow = document.createElement("span");
          arrow.setAttribute("aria-hidden", "true");
          arrow.textContent = " ↗";
          a.appendChild(arrow);
          if (str("new_tab")) a.appendChild(hidden(" " + str("new_tab")));
          chips.appendChild(a);
        } else if (typeof b.payload === "string") {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "chat-chip";
          button.setAttribute("data-payload", b.payload);
          button.textContent = b.title;
          if (entry.spent) button.setAttribute("data-spent", "true");
          button.disabled = !!entry.spent || busy;
          button.addEventListener("click", function () {
            if (button.disabled || busy) return;
            act({ payload: b.payload }, b.title, false);
          });
          chips.appendChild(button);
        }
      });
      if (chips.childNodes.length) row.appendChild(chips);
    }
    if (retryable) {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "chat-retry";
      retry.setAttribute("data-role", "retry");
      retry.textContent = str("retry");
      retry.addEventListener("click", function () {
        if (busy || !lastRequest) return;
        var again = lastRequest;
        removeEntry(entry, row);
        again.spent = spendButtons();
        post(again);
      });
      row.appendChild(retry);
    }
    log.appendChild(row);
    return row;
  }

  function removeEntry(entry, row) {
    var i = transcript.indexOf(entry);
    if (i >= 0) transcript.splice(i, 1);
    saveTranscript();
    if (row && row.parentNode) row.parentNode.removeChild(row);
  }

  function add(entry, retryable) {
    transcript.push(entry);
    saveTranscript();
    return draw(entry, retryable);
  }

  function scrollTo(firstNew) {
    if (!scroller) return;
    var gap = firstNew
      ? firstNew.getBoundingClientRect().top -
        scroller.getBoundingClientRect().top +
        scroller.scrollTop
      : 0;
    if (firstNew && scroller.scrollHeight - gap > scroller.clientHeight) {
      // a long answer: show its beginning rather than its end
      scroller.scrollTop = Math.max(0, gap - 8);
    } else {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  // --- talking to the server ---------------------------------------------------------------
  var busy = false;
  var lastRequest = null;
  var refocus = false;

  function setBusy(on) {
    busy = on;
    input.disabled = on;
    send.disabled = on;
    if (restartButton) restartButton.disabled = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    if (typing) typing.hidden = !on;
    var chips = log.querySelectorAll("[data-payload]");
    for (var i = 0; i < chips.length; i++) {
      var spent = chips[i].getAttribute("data-spent") === "true";
      chips[i].disabled = on || spent;
    }
    if (!on && refocus) {
      refocus = false;
      input.focus();
    }
  }

  function spendButtons() {
    var before = [];
    transcript.forEach(function (e) {
      if (e.role === "bot" && !e.spent && e.buttons && e.buttons.length) {
        e.spent = true;
        before.push(e);
      }
    });
    var chips = log.querySelectorAll("[data-payload]");
    for (var i = 0; i < chips.length; i++) chips[i].setAttribute("data-spent", "true");
    return before;
  }

  function unspend(entries) {
    // the turn did not happen: the last question's buttons can be used again
    if (!entries.length) return;
    entries.forEach(function (e) {
      e.spent = false;
    });
    saveTranscript();
    entries.forEach(function (e) {
      var row = rowOf && rowOf.get(e);
      if (!row) return;
      var chips = row.querySelectorAll("[data-payload]");
      for (var j = 0; j < chips.length; j++) chips[j].removeAttribute("data-spent");
    });
  }

  function act(body, shown, typed) {
    if (busy) return;
    refocus = typed;
    var request = { user: user, id: randomId() };
    if (body.text !== undefined) request.text = body.text;
    else request.payload = body.payload;
    request.spent = spendButtons();
    if (shown) add({ role: "user", text: shown });
    scrollTo(null);
    post(request);
  }

  function post(request) {
    lastRequest = request;
    setBusy(true);
    var payload = { user: request.user, id: request.id };
    if (request.text !== undefined) payload.text = request.text;
    else payload.payload = request.payload;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, TIMEOUT_MS)
      : null;
    fetch(str("api") || "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { status: response.status, ok: response.ok, data: data || {} };
          });
      })
      .then(
        function (result) {
          if (timer) clearTimeout(timer);
          if (result.ok) {
            lastRequest = null;
            showReply(result.data);
          } else if (result.status === 429 && typeof result.data.error === "string") {
            failed(request, result.data.error, true, null); // too fast: says how long to wait
          } else if (result.status >= 500) {
            failed(request, str("server_error"), true, result.data.error);
          } else {
            failed(request, str("error"), false, result.data.error);
          }
          setBusy(false);
        },
        function () {
          if (timer) clearTimeout(timer);
          failed(request, str("network_error"), true, null);
          setBusy(false);
        }
      );
  }

  function failed(request, text, canRetry, detail) {
    unspend(request.spent || []);
    var row = add({ role: "system", text: text }, canRetry);
    if (typeof detail === "string" && detail) {
      var bubble = row.querySelector('[data-role="system"]');
      if (bubble) bubble.title = detail;
    }
    if (!canRetry) lastRequest = null;
    scrollTo(null);
  }

  function showReply(data) {
    var messages = Array.isArray(data.messages) ? data.messages : [];
    var first = null;
    messages.forEach(function (m) {
      if (!m || typeof m.text !== "string") return;
      var buttons = Array.isArray(m.buttons)
        ? m.buttons
            .filter(function (b) {
              return b && typeof b.title === "string";
            })
            .map(function (b) {
              return typeof b.url === "string"
                ? { title: b.title, url: b.url }
                : { title: b.title, payload: String(b.payload || "") };
            })
        : [];
      var row = add({ role: "bot", text: m.text, buttons: buttons });
      if (!first) first = row;
    });
    scrollTo(first);
  }

  function start(focus) {
    var src = source();
    act({ text: "/start" + (src ? " " + src : "") }, null, focus);
  }

  // --- wiring ------------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.replace(/^\s+|\s+$/g, "");
    if (!text || busy) return;
    input.value = "";
    act({ text: text }, text, true);
  });

  if (restartButton) {
    restartButton.addEventListener("click", function () {
      if (busy) return;
      transcript = [];
      saveTranscript();
      while (log.firstChild) log.removeChild(log.firstChild);
      start(true);
    });
  }

  transcript = loadTranscript();
  if (transcript.length) {
    transcript.forEach(function (entry) {
      draw(entry, false); // a stored error is only a note now: its request is gone
    });
    scrollTo(null);
  } else {
    start(false);
  }
})();

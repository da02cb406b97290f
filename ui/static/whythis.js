/*
 * whythis shopper chat widget: one self-contained file, no framework, no build step, no CDN.
 *
 * A shop page includes it with one tag:
 *   <script src="/widget/whythis.js" data-api="" defer></script>
 * Attributes of that tag:
 *   data-api      base URL of the whythis API; empty (the default) means the page's own origin.
 *   data-shopper  optional id of a shopper the server knows (for the demo: a demo shopper such as "lea");
 *                 it is sent as shopper_id when a session opens, so the first answer is personalised.
 *                 Without it the chat starts as an anonymous cold start.
 * The stylesheet whythis.css is loaded from the same folder as this file.
 *
 * The session id and its token live in sessionStorage, so a reload of the page continues the chat
 * (the widget asks GET /api/sessions/{id} to redraw it).
 *
 * Everything the model or the catalog says is untrusted: the DOM is built with createElement and
 * textContent only, never by parsing markup.
 */
(() => {
  "use strict";

  if (document.getElementById("whythis-panel")) return; // included twice: keep the first

  const script =
    document.currentScript || document.querySelector('script[src$="whythis.js"]') || null;
  const apiBase = ((script && script.getAttribute("data-api")) || "").replace(/\/+$/, "");
  const shopperId = (script && script.getAttribute("data-shopper")) || null;
  const STORE_KEY = "whythis.session";
  const BUSY_RETRIES = 5;
  const POLITE = {
    too_large: "That message is too long. Please shorten it and try again.",
    busy: "The assistant is very busy right now. Please try again in a moment.",
    too_many: "That was a lot of messages at once. Please wait a moment and try again.",
    bad_request: "Sorry, I couldn't read that message. Please try again.",
    unauthorized: "This chat has expired. Please send your message again.",
    forbidden: "This chat has expired. Please send your message again.",
    not_found: "This chat has ended. Please send your message again.",
    internal: "Sorry, something went wrong on our side. Please try again.",
    network: "I can't reach the shop's assistant right now. Please check your connection and try again.",
  };

  const state = { session: null, started: false, queue: Promise.resolve(), pending: 0 };
  let ui = null;

  // ---- small DOM helpers (textContent only) ----

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(cls, label, text, onClick) {
    const node = el("button", cls, text);
    node.type = "button";
    node.setAttribute("aria-label", label);
    node.addEventListener("click", onClick);
    return node;
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function notice(host, text, kind) {
    const node = el("p", "whythis-notice " + (kind || "whythis-error"), text);
    node.setAttribute("role", kind === "whythis-busy" ? "status" : "alert");
    (host || ui.log).appendChild(node);
    scrollDown();
    return node;
  }

  // ---- session storage ----

  function loadSaved() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      return saved && typeof saved.id === "string" && typeof saved.token === "string" ? saved : null;
    } catch (err) {
      return null; // storage blocked or garbled: start afresh
    }
  }

  function persist() {
    if (!state.session) return; // a saved chat not redrawn yet must stay until it is
    try {
      const saved = { ...state.session, open: ui ? !ui.panel.hidden : false };
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(saved));
    } catch (err) {
      // storage blocked: the chat still works, it just won't survive a reload
    }
  }

  function remember(data) {
    state.session = { id: String(data.session_id), token: String(data.token), shopper: shopperId };
    persist();
  }

  function forget() {
    state.session = null;
    try {
      window.sessionStorage.removeItem(STORE_KEY);
    } catch (err) {
      // storage blocked: nothing was saved
    }
  }

  // ---- HTTP ----

  function headers(withToken) {
    const out = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    if (withToken && state.session) out.Authorization = "Bearer " + state.session.token;
    return out;
  }

  function sessionPath(suffix) {
    return "/api/sessions/" + encodeURIComponent(state.session.id) + (suffix || "");
  }

  function retryAfter(res) {
    const raw = res.headers.get("Retry-After") || "";
    let seconds = Number.parseInt(raw, 10);
    if (Number.isNaN(seconds)) {
      const when = Date.parse(raw);
      seconds = Number.isNaN(when) ? 2 : Math.ceil((when - Date.now()) / 1000);
    }
    return Math.min(30, Math.max(1, seconds));
  }

  function sleep(ms) {
    return new Promise((resolve) => window.setTimeout(resolve, ms));
  }

  async function fetchRetrying(path, init, host) {
    for (let attempt = 0; ; attempt += 1) {
      let res;
      try {
        res = await fetch(apiBase + path, init);
      } catch (err) {
        throw Object.assign(new Error("network"), { code: "network" });
      }
      if (res.status !== 503 || attempt >= BUSY_RETRIES) return res;
      const wait = retryAfter(res);
      const note = notice(host, "The assistant is busy, retrying in " + wait + " s…", "whythis-busy");
      await sleep(wait * 1000);
      note.remove();
    }
  }

  async function httpError(res) {
    const err = new Error("http " + res.status);
    err.status = res.status;
    err.code = "http_" + res.status;
    try {
      const body = await res.json();
      if (body && body.error && typeof body.error.code === "string") err.code = body.error.code;
    } catch (parseErr) {
      // not our JSON error shape: keep the status code
    }
    return err;
  }

  function politeText(err) {
    return POLITE[err && err.code] || POLITE.internal;
  }

  // ---- SSE over fetch (EventSource cannot POST) ----

  function dispatchBlock(block, onEvent) {
    let name = "";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line[0] === ":") continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return;
    let parsed;
    try {
      parsed = JSON.parse(data.join("\n"));
    } catch (err) {
      return; // not JSON: nothing this widget knows how to show
    }
    if (parsed && typeof parsed === "object") onEvent(name || parsed.type || "message", parsed);
  }

  async function readSse(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let carry = "";
    for (;;) {
      const { value, done } = await reader.read();
      let text = carry + (value ? decoder.decode(value, { stream: !done }) : "");
      carry = "";
      if (!done && text.endsWith("\r")) {
        carry = "\r"; // a CRLF may be split across chunks
        text = text.slice(0, -1);
      }
      buffer += text.replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        dispatchBlock(buffer.slice(0, end), onEvent);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
      if (done) return; // an unterminated last block is dropped, as the SSE spec says
    }
  }

  // ---- rendering ----

  function userBubble(text) {
    ui.log.appendChild(el("div", "whythis-msg whythis-msg-user", text));
    scrollDown();
  }

  function newTurn() {
    const turn = { box: el("div", "whythis-msg whythis-msg-bot"), text: null, cards: [], done: false };
    turn.number = null;
    ui.log.appendChild(turn.box);
    return turn;
  }

  function appendText(turn, text) {
    if (!turn.text) {
      turn.text = el("p", "whythis-text");
      turn.box.appendChild(turn.text);
    }
    turn.text.textContent += String(text);
  }

  function formatPrice(price, currency) {
    const amount = Number(price);
    if (currency && /^[A-Z]{3}$/.test(currency)) {
      try {
        const lang = document.documentElement.lang || undefined;
        return new Intl.NumberFormat(lang, { style: "currency", currency }).format(amount);
      } catch (err) {
        // unknown currency code: fall through to the plain form
      }
    }
    return amount.toFixed(2) + (currency ? " " + currency : "");
  }

  function renderCard(turn, card) {
    const node = el("article", "whythis-card");
    node.setAttribute("data-item-id", String(card.item_id));
    node.setAttribute("data-position", String(card.position));
    const head = el("div", "whythis-card-head");
    head.appendChild(el("span", "whythis-pos", "#" + card.position));
    head.appendChild(el("span", "whythis-title", card.title));
    node.appendChild(head);
    const meta = el("div", "whythis-card-meta");
    if (card.price !== null && card.price !== undefined) {
      meta.appendChild(el("span", "whythis-price", formatPrice(card.price, card.currency)));
    }
    if (card.brand) meta.appendChild(el("span", "whythis-brand", card.brand));
    // Variants of this product (other colours) are named here instead of filling the list.
    const also = Array.isArray(card.also_in) ? card.also_in.filter((c) => c) : [];
    if (also.length) meta.appendChild(el("span", "whythis-also", "also in " + also.join(", ")));
    node.appendChild(meta);
    // The card comes as soon as the item is found; its reason follows once written and checked.
    const reason = el("p", "whythis-reason");
    node.appendChild(reason);
    fillReason(node, card);
    node.appendChild(cardActions(turn, node, card));
    turn.box.appendChild(node);
    scrollDown();
    return node;
  }

  function fillReason(node, data) {
    const reason = node.querySelector(".whythis-reason");
    const pending = data.reason === null || data.reason === undefined;
    reason.textContent = pending ? "Writing a reason…" : String(data.reason);
    reason.classList.toggle("whythis-pending", pending);
    node.setAttribute("aria-busy", pending ? "true" : "false");
  }

  function reasonArrived(turn, data) {
    const id = String(data.item_id);
    const node = turn.cards.find((c) => c.getAttribute("data-item-id") === id);
    if (node) fillReason(node, data);
  }

  function cardActions(turn, node, card) {
    const bar = el("div", "whythis-actions");
    const name = "#" + card.position + " " + card.title;
    bar.appendChild(button("whythis-explain", "Explain why " + name, "Explain", () => send(card.explain)));
    const up = button("whythis-thumb-up", "Helpful: " + name, "✓ Helpful", () =>
      rate(turn, node, card.item_id, 1, up),
    );
    const down = button("whythis-thumb-down", "Not helpful: " + name, "✗ Not helpful", () =>
      rate(turn, node, card.item_id, -1, down),
    );
    up.setAttribute("aria-pressed", "false");
    down.setAttribute("aria-pressed", "false");
    bar.appendChild(up);
    bar.appendChild(down);
    return bar;
  }

  function factList(cls, heading, lines) {
    const box = el("div", cls);
    box.appendChild(el("p", "whythis-evidence-heading", heading));
    const list = el("ul", "whythis-lines");
    for (const line of lines) list.appendChild(el("li", "whythis-line", line));
    box.appendChild(list);
    return box;
  }

  function renderEvidence(turn, ev) {
    const box = el("section", "whythis-evidence");
    box.setAttribute("data-item-id", String(ev.item_id));
    box.setAttribute("aria-label", "Evidence for " + ev.title);
    const pos = ev.position ? "#" + ev.position + " " : "";
    box.appendChild(el("p", "whythis-evidence-title", "Why " + pos + ev.title));
    const signals = Array.isArray(ev.signals) ? ev.signals : [];
    // Staff see scores and ranks in the console; a shopper reads what put the item forward, in words.
    const found = signals.map((s) => String(s.detail || "")).filter((d) => d);
    if (found.length) box.appendChild(factList("whythis-found", "How it came up", found));
    // A planned reason lists the facts it states; a free-text one what met the shopper.
    const facts = (ev.facts || []).map((f) => f.what + ": " + Object.values(f.values || {}).join(", "));
    const matched = (ev.matched || []).map(
      (m) => "your " + m.shopper_fact + " → its " + m.item_attribute + ": " + m.value,
    );
    if (facts.length) box.appendChild(factList("whythis-facts", "What it rests on", facts));
    else if (matched.length) box.appendChild(factList("whythis-matched", "What matched", matched));
    const collab = (ev.collaborative || []).map(
      (c) =>
        "Shoppers who bought " + c.title + " also bought this" + (c.count == null ? "" : " (" + c.count + ")"),
    );
    if (collab.length) box.appendChild(factList("whythis-collab", "Other shoppers", collab));
    turn.box.appendChild(box);
    scrollDown();
  }

  function finishTurn(turn, done) {
    turn.done = true;
    turn.number = Number(done.turn);
    for (const card of turn.cards) card.setAttribute("data-turn", String(turn.number));
    if (done.ended) forget(); // the shopper said goodbye: the next message starts a new chat
  }

  function handleEvent(turn, name, data) {
    if (name === "session") remember(data);
    else if (name === "text") appendText(turn, data.text);
    else if (name === "item_card") turn.cards.push(renderCard(turn, data));
    else if (name === "reason") reasonArrived(turn, data);
    else if (name === "evidence") renderEvidence(turn, data);
    else if (name === "error") notice(turn.box, String(data.message || POLITE.internal));
    else if (name === "done") finishTurn(turn, data);
    // other event names are ignored, so the server can add new ones
  }

  // ---- turns ----

  async function streamTurn(path, body, withToken) {
    const turn = newTurn();
    const init = { method: "POST", headers: headers(withToken), body: JSON.stringify(body) };
    const res = await fetchRetrying(path, init, turn.box);
    if (!res.ok) {
      turn.box.remove();
      throw await httpError(res);
    }
    await readSse(res, (name, data) => handleEvent(turn, name, data));
    if (!turn.done) notice(turn.box, "The answer was cut off. Please try again.");
  }

  function openSession(message) {
    return streamTurn("/api/sessions", { shopper_id: shopperId, message: message || null }, false);
  }

  async function sendMessage(text) {
    if (!state.session) return openSession(text);
    try {
      return await streamTurn(sessionPath("/messages"), { message: text }, true);
    } catch (err) {
      if (![401, 403, 404].includes(err.status)) throw err;
      forget(); // the server no longer knows this chat: carry on in a new one
      notice(null, "That chat had ended, so I started a new one.", "whythis-busy");
      return openSession(text);
    }
  }

  // The cards still on screen come back as cards, with the turn that showed them (feedback names it).
  function redrawCards(cards, turnNumber) {
    if (!cards.length) return;
    const turn = newTurn();
    for (const card of cards) turn.cards.push(renderCard(turn, card));
    finishTurn(turn, { turn: turnNumber, ended: false });
  }

  async function redraw(saved) {
    state.session = saved;
    const init = { method: "GET", headers: headers(true) };
    const res = await fetchRetrying(sessionPath(), init, null);
    if ([401, 403, 404].includes(res.status)) {
      forget();
      return false;
    }
    if (!res.ok) throw await httpError(res);
    const data = await res.json();
    for (const m of data.messages || []) {
      if (m.role === "human") userBubble(m.text);
      else appendText(newTurn(), m.text);
    }
    redrawCards(data.cards || [], data.cards_turn);
    return true;
  }

  function enqueue(task) {
    state.pending += 1;
    ui.panel.setAttribute("aria-busy", "true");
    const run = state.queue
      .then(task)
      .catch((err) => notice(null, politeText(err)))
      .finally(() => {
        state.pending -= 1;
        if (!state.pending) ui.panel.setAttribute("aria-busy", "false");
      });
    state.queue = run;
    return run;
  }

  function ensureStarted() {
    if (state.started) return;
    state.started = true;
    enqueue(async () => {
      const saved = loadSaved();
      if (saved && saved.shopper === shopperId && (await redraw(saved))) return;
      await openSession(null);
    });
  }

  function send(raw) {
    const text = String(raw || "").trim();
    if (!text) return;
    ensureStarted();
    enqueue(() => {
      userBubble(text); // in the queue, so it lands after a redraw or an opening still running
      return sendMessage(text);
    });
  }

  async function rate(turn, node, itemId, rating, pressed) {
    const thumbs = node.querySelectorAll(".whythis-thumb-up, .whythis-thumb-down");
    thumbs.forEach((b) => (b.disabled = true));
    const body = { item_id: itemId, rating, comment: null, turn: turn.number };
    try {
      if (!state.session) throw Object.assign(new Error("no session"), { code: "not_found" });
      const init = { method: "POST", headers: headers(true), body: JSON.stringify(body) };
      const res = await fetchRetrying(sessionPath("/feedback"), init, node);
      if (!res.ok) throw await httpError(res);
      pressed.setAttribute("aria-pressed", "true");
      node.appendChild(el("span", "whythis-thanks", "Thanks for your feedback"));
      node.setAttribute("data-rated", String(rating));
    } catch (err) {
      thumbs.forEach((b) => (b.disabled = false));
      notice(node, politeText(err));
    }
  }

  // ---- the panel ----

  function setOpen(open) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    persist();
    if (open) {
      ensureStarted();
      ui.input.focus();
    }
  }

  function buildForm() {
    const form = el("form", "whythis-form");
    const label = el("label", "whythis-visually-hidden", "Your message");
    label.htmlFor = "whythis-input";
    const input = el("input", "whythis-input");
    input.id = "whythis-input";
    input.type = "text";
    input.autocomplete = "off";
    input.placeholder = "Ask for ideas, or “why #1?”";
    const sendButton = el("button", "whythis-send", "Send");
    sendButton.id = "whythis-send";
    sendButton.type = "submit";
    sendButton.setAttribute("aria-label", "Send message");
    form.addEventListener("submit", (event) => {
      event.preventDefault(); // Enter in the input submits the form too
      const text = input.value;
      input.value = "";
      send(text);
    });
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(sendButton);
    return { form, input };
  }

  function buildUi() {
    const label = "Why this? Ask the shopping assistant";
    const launcher = button("whythis-launcher", label, label, () => setOpen(ui.panel.hidden));
    launcher.id = "whythis-launcher";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "whythis-panel");
    const panel = el("section", "whythis-panel");
    panel.id = "whythis-panel";
    panel.hidden = true;
    panel.setAttribute("aria-label", "Shopping assistant");
    panel.setAttribute("aria-busy", "false");
    const head = el("div", "whythis-head");
    head.appendChild(el("p", "whythis-heading", "Shopping assistant"));
    head.appendChild(button("whythis-close", "Close the shopping assistant", "×", () => setOpen(false)));
    const log = el("div", "whythis-log");
    log.id = "whythis-log";
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    const { form, input } = buildForm();
    panel.appendChild(head);
    panel.appendChild(log);
    panel.appendChild(form);
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        setOpen(false);
        launcher.focus();
      }
    });
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
    return { launcher, panel, log, input };
  }

  function loadStyles() {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("whythis.css", (script && script.src) || window.location.href).href;
    document.head.appendChild(link);
  }

  function start() {
    loadStyles();
    ui = buildUi();
    const saved = loadSaved();
    if (saved && saved.open && saved.shopper === shopperId) setOpen(true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

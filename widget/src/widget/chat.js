// The widget's behaviour: one Socket.IO connection to the /visitor namespace (docs/protocol.md),
// the conversation it shows, and the DOM built by view.js.
import { io } from "socket.io-client";
import { uuid4, Stream } from "../lib/text.js";
import { request } from "../lib/ack.js";
import { h } from "../lib/dom.js";
import { buildView, messageEl, setState } from "./view.js";

const TOKEN_KEY = "tandem.visitor_token";
const SEND_TIMEOUT_MS = 5000;
const TYPING_EVERY_MS = 2000;
const TYPING_IDLE_MS = 3000;
// The agent's console repeats typing:true while they type; hide the indicator if it stops coming.
const AGENT_TYPING_MS = 6000;

// localStorage throws in some privacy modes and sandboxed frames: fall back to this page's memory.
let memoryToken = null;
function loadToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch (e) {
    return memoryToken;
  }
}
function saveToken(token) {
  memoryToken = token;
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    // memoryToken keeps it for this page.
  }
}

const page = () => ({ url: location.href, title: document.title, referrer: document.referrer });

function timezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return undefined;
  }
}

/** The text colour readable on `color` (#rgb or #rrggbb); white for anything else. */
function textOn(color) {
  let hex = (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color) || [])[1];
  if (!hex) return "#fff";
  if (hex.length === 3) hex = hex.replace(/./g, "$&$&");
  const n = parseInt(hex, 16);
  const luma = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return luma > 0.65 ? "#111827" : "#fff";
}

/**
 * Start the widget: build its DOM in `shadow`, connect to the Tandem server and keep the two in
 * step.
 * @param {ShadowRoot} shadow
 * @param {{origin: string, prefix: string}} server where widget.js came from: origin and path prefix
 * @returns {{open: function(): void, close: function(): void}} for the host page
 */
export function startWidget(shadow, server) {
  const v = buildView(shadow);
  let settings = { greeting: "", color: "", prechat: {}, agents_online: true };
  let conv = null; // Conversation (visitor view) on screen; null until the first message
  let stream = new Stream();
  const shown = new Map(); // seq -> element: a message is drawn once, however often it arrives
  const pending = []; // sends not yet acknowledged, oldest first: {client_id, text, el}
  const ended = new Set(); // closed conversations: late events about them must not bring them back
  let inflight = false;
  let unanswered = 0; // message.send timeouts in a row
  let syncing = false;
  let syncAgain = false;
  let starting = false;
  let isOpen = false;
  let offline = false; // show the leave-a-message form (decided when the panel opens)
  let thanked = false; // a left message is waiting: say so until an agent picks it up
  let unread = 0;
  let connectedOnce = false;
  let typingSentAt = 0;
  let idleTimer;
  let agentTypingTimer;

  const socket = io(server.origin + "/visitor", {
    path: server.prefix + "/socket.io/",
    // A function, so every reconnect sends the token stored by then (a first session stores one).
    auth: (cb) => cb({ token: loadToken() }),
    transports: ["websocket", "polling"],
    // Fall back to long-polling where a proxy blocks WebSockets, instead of retrying WebSocket only.
    tryAllTransports: true,
  });

  const live = () => !!conv && conv.status !== "closed";

  // ---- what is on screen -------------------------------------------------------------------

  function statusText() {
    if (!conv) return "";
    if (conv.status === "closed") return "This chat has ended";
    if (conv.status === "assigned") return `You are chatting with ${(conv.agent && conv.agent.name) || "an agent"}`;
    return conv.queue_position ? `You are number ${conv.queue_position} in line` : "Waiting for an agent…";
  }

  const prechatMode = (name) => (settings.prechat && settings.prechat[name]) || "off";

  function render() {
    const fresh = !conv;
    const closed = !!conv && conv.status === "closed";
    const leaveMessage = fresh && offline;
    v.status.textContent = statusText();
    v.prechat.hidden = !fresh || leaveMessage || (prechatMode("name") === "off" && prechatMode("email") === "off");
    v.offline.hidden = !leaveMessage;
    v.footer.hidden = closed || leaveMessage;
    v.ended.hidden = !closed;
    v.notice.hidden = !(thanked && conv && conv.status === "queued");
    if (!live()) showTyping(null);
  }

  function applySettings(next) {
    if (next) settings = { ...settings, ...next };
    v.greeting.textContent = settings.greeting || "";
    v.greetingRow.hidden = !settings.greeting;
    const color = settings.color;
    if (color && typeof CSS !== "undefined" && CSS.supports("color", color)) {
      v.root.style.setProperty("--tc", color);
      v.root.style.setProperty("--tt", textOn(color));
    }
    for (const form of [v.prechat, v.offline]) {
      for (const name of ["name", "email"]) {
        const input = form.elements.namedItem(name);
        const mode = prechatMode(name);
        input.parentNode.hidden = mode === "off";
        input.required = mode === "required";
        input.placeholder = mode === "required" ? "Required" : "Optional";
      }
    }
    render();
  }

  // Offline (no agent online) is judged when a new chat is about to begin, and not while the
  // visitor is typing into one of the two forms.
  function decideOffline() {
    if (!conv && !v.composer.value.trim() && !v.offlineText.value.trim()) offline = settings.agents_online === false;
  }

  // The session's settings may be minutes old when the panel opens; ask again (best effort).
  function refreshSettings() {
    if (!socket.connected) return; // refused or unreachable: the fetch would fail the same way
    fetch(`${server.origin}${server.prefix}/api/widget/settings`, { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => {
        if (!s || !s.prechat) return;
        applySettings(s);
        decideOffline();
        render();
      })
      .catch(() => {});
  }

  // Follow new messages only if the visitor is at the bottom (not reading back), and lay out
  // once per frame however many messages a sync brings.
  let atBottom = true;
  let scrollQueued = false;
  v.scroll.addEventListener("scroll", () => {
    atBottom = v.scroll.scrollHeight - v.scroll.scrollTop - v.scroll.clientHeight < 60;
  });
  function scrollDown(force) {
    if (force) atBottom = true;
    if (scrollQueued || !atBottom) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      v.scroll.scrollTop = v.scroll.scrollHeight;
    });
  }

  function showBadge() {
    v.unread.textContent = String(unread);
    v.unread.hidden = !unread;
  }

  function showTyping(name) {
    clearTimeout(agentTypingTimer);
    v.typing.textContent = name ? `${name} is typing…` : "";
    v.typing.hidden = !name;
    if (name) {
      agentTypingTimer = setTimeout(() => showTyping(null), AGENT_TYPING_MS);
      scrollDown();
    }
  }

  function setConnection(text) {
    v.conn.textContent = text || "";
    v.conn.hidden = !text;
  }

  function openPanel() {
    isOpen = true;
    unread = 0;
    showBadge();
    v.root.classList.add("open");
    v.panel.hidden = false;
    v.launcher.setAttribute("aria-expanded", "true");
    v.launcher.setAttribute("aria-label", "Close chat");
    if (!conv) {
      decideOffline();
      refreshSettings();
    }
    render();
    scrollDown(true);
    const first = [v.composer, v.offlineText].find((el) => el.offsetParent);
    if (first) first.focus();
  }

  function closePanel() {
    isOpen = false;
    v.root.classList.remove("open");
    v.panel.hidden = true;
    v.launcher.setAttribute("aria-expanded", "false");
    v.launcher.setAttribute("aria-label", "Open chat");
    // Keep keyboard users where they were, unless the host page moved focus elsewhere.
    if (shadow.activeElement) v.launcher.focus();
  }

  // ---- the conversation and its stream -------------------------------------------------------

  function setConv(c) {
    // An acknowledgement can cross a newer conversation.updated: keep the newer snapshot.
    if (conv && conv.id === c.id && c.last_seq < conv.last_seq) return;
    conv = c;
    if (c.status === "closed") {
      ended.add(c.id);
      stopTyping();
    }
    render();
  }

  /** Show conversation `c` (or none) from scratch; unsent messages stay on screen and in line. */
  function reset(c) {
    conv = null;
    stream = new Stream();
    shown.clear();
    thanked = false;
    v.messages.replaceChildren(...pending.map((p) => p.el));
    if (c) setConv(c);
    else render();
  }

  /** Switch to a conversation this tab had not seen (e.g. another tab started it) and load it. */
  function adopt(c) {
    reset(c);
    requestSync();
  }

  // Insert after the last message with a lower seq, before any still being sent, so the list
  // stays in seq order however messages arrive (live, replayed, acknowledged).
  function place(el, seq) {
    let c = v.messages.lastElementChild;
    while (c && (c.getAttribute("data-state") === "sending" || +c.getAttribute("data-seq") > seq)) c = c.previousElementSibling;
    v.messages.insertBefore(el, c ? c.nextElementSibling : v.messages.firstElementChild);
  }

  /**
   * Take in a stored message, from a live event, a sync or an acknowledgement. A live message
   * beyond the next seq expected is shown but not counted as held until a sync fills the gap, so
   * stream.lastSeq always means "everything up to here".
   */
  function ingest(m, fromSync) {
    if (!conv || m.conversation_id !== conv.id) {
      if (ended.has(m.conversation_id)) return;
      adopt({ id: m.conversation_id, status: "queued", agent: null, queue_position: null, last_seq: 0 });
    }
    if (!fromSync && stream.isAhead(m)) requestSync();
    else stream.add(m);
    if (shown.has(m.seq)) return;
    const mine = m.client_id && pending.find((p) => p.client_id === m.client_id);
    let el;
    if (mine) {
      pending.splice(pending.indexOf(mine), 1);
      el = mine.el;
      el.remove();
      setState(el, "sent");
    } else {
      el = messageEl(m);
    }
    el.setAttribute("data-seq", m.seq);
    shown.set(m.seq, el);
    place(el, m.seq);
    if (m.type !== "event" && m.author && m.author.type === "agent") {
      showTyping(null);
      if (!isOpen && !fromSync) {
        unread++;
        showBadge();
      }
    }
    scrollDown();
  }

  /** Fetch every message after the last seq held (coalescing calls made while one is running). */
  async function requestSync() {
    if (!conv || !socket.connected) return; // the next connect syncs
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    syncAgain = false;
    const id = conv.id;
    const res = await request(socket, "sync", { last_seq: stream.lastSeq });
    syncing = false;
    const c = res.ok && res.conversation;
    if (!conv || conv.id !== id) {
      // The screen moved on while we waited (new chat, another conversation): this answer is stale.
    } else if (c && c.id !== id) {
      // The visitor's open conversation is another one: the answer holds only its tail.
      if (!ended.has(c.id)) {
        reset(c);
        syncAgain = true;
      }
    } else if (c) {
      setConv(c);
      for (const m of res.messages || []) ingest(m, true);
      if (res.more) syncAgain = true;
    } else if ((res.ok || res.error.code === "no_conversation") && live()) {
      // The server has no conversation for us at all: the one on screen is over.
      setConv({ ...conv, status: "closed", queue_position: null });
    }
    if (syncAgain) requestSync();
  }

  // ---- sending ---------------------------------------------------------------------------------

  function queueText(text) {
    const p = { client_id: uuid4(), text, el: messageEl({ author: { type: "visitor" }, text }, "sending") };
    pending.push(p);
    v.messages.append(p.el);
    scrollDown(true);
    pump();
  }

  /**
   * Send the oldest unacknowledged message, one at a time so the server stores them in the order
   * typed. With no acknowledgement it stays first in line and goes again with the same client_id
   * (the server stores it once): at once if still connected, else after the reconnect.
   */
  async function pump() {
    const p = pending[0];
    if (inflight || !p || !socket.connected) return;
    inflight = true;
    const res = await request(socket, "message.send", { client_id: p.client_id, text: p.text }, SEND_TIMEOUT_MS);
    inflight = false;
    if (res.error && res.error.code === "timeout") {
      // Unanswered twice on a "live" connection: it is probably dead without knowing it yet
      // (half-open TCP after a network switch, a server shutting down). Drop it so Socket.IO
      // reconnects now rather than after its ping timeout; the resend follows the reconnect.
      if (++unanswered >= 2 && socket.connected) {
        unanswered = 0;
        socket.io.engine.close();
      }
    } else {
      unanswered = 0;
      if (res.ok) {
        ingest(res.message);
        settle(p, "sent"); // in case ingest ignored it
      } else {
        fail(p, res.error);
      }
    }
    pump();
  }

  function settle(p, state) {
    const i = pending.indexOf(p);
    if (i < 0) return;
    pending.splice(i, 1);
    setState(p.el, state);
  }

  function fail(p, error) {
    settle(p, "error");
    const note = h("div", { class: "err", "data-tandem": "error", role: "alert" }, error.message || error.code);
    p.el.append(note);
    if (error.code === "rate_limited") {
      // Nothing was stored: the same client_id may go again once the visitor slows down.
      const retry = h("button", { class: "link err", type: "button", "data-tandem": "retry" }, "Retry");
      retry.addEventListener("click", () => {
        note.remove();
        retry.remove();
        setState(p.el, "sending");
        pending.push(p);
        pump();
      });
      p.el.append(retry);
    }
  }

  function formError(form, text) {
    form.querySelector("[data-tandem=form-error]").textContent = text;
  }

  /** Read the pre-chat fields of `form`; null (with the reason shown) if a required one is empty. */
  function readFields(form) {
    const fields = {};
    for (const name of ["name", "email"]) {
      const mode = prechatMode(name);
      if (mode === "off") continue;
      const input = form.elements.namedItem(name);
      const value = input.value.trim();
      if (!value && mode === "required") {
        formError(form, `Please enter your ${name}.`);
        input.focus();
        return null;
      }
      if (value) fields[name] = value;
    }
    formError(form, "");
    return fields;
  }

  /** conversation.start; errors (bad_request: a missing field, a bad email) show on `form`. */
  async function start(fields, form) {
    if (!socket.connected) {
      formError(form, "Connecting… please try again in a moment.");
      return false;
    }
    starting = true;
    const res = await request(socket, "conversation.start", { ...fields, page: page(), timezone: timezone() });
    starting = false;
    if (!res.ok) {
      formError(form, res.error.message || res.error.code);
      return false;
    }
    if (conv && conv.id === res.conversation.id) setConv(res.conversation);
    else adopt(res.conversation);
    return true;
  }

  async function send() {
    const text = v.composer.value.trim();
    if (!text || starting) return;
    stopTyping();
    if (!live()) {
      const fields = readFields(v.prechat);
      if (!fields || !(await start(fields, v.prechat))) return;
    }
    // Keep whatever was typed while the chat was starting.
    if (v.composer.value.trim() === text) v.composer.value = "";
    grow();
    queueText(text);
  }

  async function leaveMessage(e) {
    e.preventDefault();
    const text = v.offlineText.value.trim();
    const fields = readFields(v.offline);
    if (!fields || starting) return;
    if (!text) {
      formError(v.offline, "Please write a message.");
      return v.offlineText.focus();
    }
    if (!(await start(fields, v.offline))) return;
    v.offlineText.value = "";
    offline = false;
    thanked = true;
    queueText(text);
    render();
  }

  // ---- typing ----------------------------------------------------------------------------------

  function typed() {
    grow();
    if (!live()) return;
    if (!v.composer.value.trim()) return stopTyping();
    const now = Date.now();
    if (now - typingSentAt >= TYPING_EVERY_MS) {
      socket.volatile.emit("typing", { typing: true }); // volatile: stale typing is worthless later
      typingSentAt = now;
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(idleTimer);
    if (!typingSentAt) return;
    typingSentAt = 0;
    if (conv) socket.volatile.emit("typing", { typing: false });
  }

  function grow() {
    v.composer.style.height = "auto";
    v.composer.style.height = `${Math.min(v.composer.scrollHeight + 2, 120)}px`;
  }

  // ---- server events -------------------------------------------------------------------------

  socket.on("session", (s) => {
    saveToken(s.token);
    applySettings(s.settings);
    const c = s.conversation;
    if (c && c.status !== "closed") {
      if (conv && conv.id === c.id) setConv(c);
      else reset(c);
      socket.emit("page.view", page());
    } else if (live()) {
      // The chat on screen ended while this tab was disconnected.
      setConv(c && c.id === conv.id ? c : { ...conv, status: "closed", queue_position: null });
    }
    requestSync();
    if (isOpen) decideOffline();
    render();
    pump();
  });

  socket.on("connect", () => {
    setConnection("");
    // The session event normally triggers the sync first; this covers a server that sends it later.
    if (connectedOnce && !syncing) requestSync();
    connectedOnce = true;
    pump();
  });

  socket.on("disconnect", () => setConnection("Reconnecting…"));

  socket.on("connect_error", (err) => {
    if (err && err.message === "invalid_token" && loadToken()) {
      // Not a token this server signed (e.g. its secret changed): start over as a new visitor.
      saveToken(null);
      reset(null);
      socket.connect();
    } else if (err && err.message === "origin_not_allowed") {
      setConnection("Chat is not available on this website.");
    } else {
      setConnection(connectedOnce ? "Reconnecting…" : "Connecting…");
    }
  });

  socket.on("message", (m) => ingest(m));

  socket.on("conversation.updated", (data) => {
    const c = data.conversation || data;
    if (conv && conv.id === c.id) setConv(c);
    else if (c.status !== "closed" && !ended.has(c.id)) adopt(c);
  });

  socket.on("typing", (t) => {
    if (!conv || t.conversation_id !== conv.id) return;
    showTyping(t.typing ? t.name || (conv.agent && conv.agent.name) || "Agent" : null);
  });

  // ---- DOM events ------------------------------------------------------------------------------

  v.launcher.addEventListener("click", () => (isOpen ? closePanel() : openPanel()));
  v.close.addEventListener("click", closePanel);
  v.panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closePanel();
  });
  v.composer.addEventListener("input", typed);
  v.composer.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  v.send.addEventListener("click", send);
  // Enter in a pre-chat field moves on to the message (or sends it, if one is written).
  v.prechat.addEventListener("submit", (e) => e.preventDefault());
  v.prechat.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.isComposing) return;
    e.preventDefault();
    if (v.composer.value.trim()) send();
    else v.composer.focus();
  });
  v.offline.addEventListener("submit", leaveMessage);
  v.restart.addEventListener("click", () => {
    reset(null);
    decideOffline();
    refreshSettings();
    render();
    (offline ? v.offlineText : v.composer).focus();
  });

  return { open: openPanel, close: closePanel };
}

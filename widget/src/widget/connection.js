// The widget's Socket.IO connection to the /visitor namespace (docs/protocol.md): the visitor's
// token, the page it reports, and the server's events.
import { io } from "socket.io-client";
import { applySettings, render, setConnection } from "./screen.js";
import { adopt, ingest, live, requestSync, reset, setConv } from "./sync.js";
import { decideOffline } from "./forms.js";
import { pump } from "./outbox.js";
import { showTyping } from "./typing.js";

const TOKEN_KEY = "tandem.visitor_token";

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

/** The page the visitor is on, as conversation.start and page.view report it. */
export function page() {
  return { url: location.href, title: document.title, referrer: document.referrer };
}

/** The visitor's IANA time zone, or undefined where the browser cannot tell. */
export function timezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return undefined;
  }
}

/**
 * Open the visitor's connection to the Tandem server that served widget.js.
 * @param {{origin: string, prefix: string}} server
 * @returns {import("socket.io-client").Socket}
 */
export function connect(server) {
  return io(server.origin + "/visitor", {
    path: server.prefix + "/socket.io/",
    // A function, so every reconnect sends the token stored by then (a first session stores one).
    auth: (cb) => cb({ token: loadToken() }),
    transports: ["websocket", "polling"],
    // Fall back to long-polling where a proxy blocks WebSockets, instead of retrying WebSocket only.
    tryAllTransports: true,
  });
}

/** A `session` event: the server's view of this visitor, on every (re)connect. */
function onSession(w, s) {
  saveToken(s.token);
  applySettings(w, s.settings);
  const c = s.conversation;
  const conv = w.conv;
  if (c && c.status !== "closed") {
    if (conv && conv.id === c.id) setConv(w, c);
    else reset(w, c);
    w.socket.emit("page.view", page());
  } else if (live(w)) {
    // The chat on screen ended while this tab was disconnected.
    setConv(w, c && c.id === conv.id ? c : { ...conv, status: "closed", queue_position: null });
  }
  requestSync(w);
  if (w.isOpen) decideOffline(w);
  render(w);
  pump(w);
}

/**
 * Handle the server's events on `w.socket`: the session and connection state, messages,
 * conversation updates and the agent's typing.
 * @param {object} w the widget (see chat.js)
 */
export function listen(w) {
  const socket = w.socket;
  let connectedOnce = false;

  socket.on("session", (s) => onSession(w, s));

  socket.on("connect", () => {
    setConnection(w, "");
    // The session event normally triggers the sync first; this covers a server that sends it later.
    if (connectedOnce && !w.syncing) requestSync(w);
    connectedOnce = true;
    pump(w);
  });

  socket.on("disconnect", () => setConnection(w, "Reconnecting…"));

  socket.on("connect_error", (err) => {
    if (err && err.message === "invalid_token" && loadToken()) {
      // Not a token this server signed (e.g. its secret changed): start over as a new visitor.
      saveToken(null);
      reset(w, null);
      socket.connect();
    } else if (err && err.message === "origin_not_allowed") {
      setConnection(w, "Chat is not available on this website.");
    } else {
      setConnection(w, connectedOnce ? "Reconnecting…" : "Connecting…");
    }
  });

  socket.on("message", (m) => ingest(w, m));

  socket.on("conversation.updated", (data) => {
    const c = data.conversation || data;
    if (w.conv && w.conv.id === c.id) setConv(w, c);
    else if (c.status !== "closed" && !w.ended.has(c.id)) adopt(w, c);
  });

  socket.on("typing", (t) => {
    const conv = w.conv;
    if (!conv || t.conversation_id !== conv.id) return;
    showTyping(w, t.typing ? t.name || (conv.agent && conv.agent.name) || "Agent" : null);
  });
}

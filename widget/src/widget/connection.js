// The server's events on the visitor's connection (docs/protocol.md): the session on every
// (re)connect, the connection's state, messages, resyncs, conversation updates and the agent's
// typing.
import { loadToken, page, saveToken } from "./socket.js";
import { live } from "./state.js";
import { applySettings, render, setConnection, showTyping } from "./screen.js";
import { adopt, ingest, requestSync, reset, setConv } from "./sync.js";
import { decideOffline } from "./forms.js";
import { pump } from "./outbox.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */

/**
 * @typedef {object} Session the server's `session` event on the /visitor namespace
 * @property {string} token
 * @property {import("./state.js").Conversation | null} conversation
 * @property {import("./state.js").Settings} settings
 * @property {{max_message_length?: number}} [limits]
 */

/**
 * A `session` event: the server's view of this visitor, on every (re)connect.
 * @param {WidgetState} w
 * @param {Session} s
 */
function onSession(w, s) {
  saveToken(s.token);
  if (s.limits && s.limits.max_message_length) w.maxLength = s.limits.max_message_length;
  applySettings(w, s.settings);
  const c = s.conversation;
  const conv = w.conv;
  if (c && c.status !== "closed") {
    if (conv && conv.id === c.id) setConv(w, c);
    else reset(w, c);
    w.socket.emit("page.view", page());
  } else if (live(w)) {
    // The chat on screen ended while this tab was disconnected.
    setConv(w, c && c.id === w.conv.id ? c : { ...w.conv, status: "closed", queue_position: null });
  }
  if (w.isOpen) decideOffline(w);
  render(w);
  catchUp(w);
}

/**
 * Fetch what this tab missed, then send what it has not yet: after every session (a reconnect),
 * and on `resync`, when events on their way here may have been lost between server processes.
 * @param {WidgetState} w
 */
function catchUp(w) {
  requestSync(w);
  pump(w);
}

/**
 * Handle the server's events on `w.socket`: the session and connection state, messages,
 * conversation updates and the agent's typing.
 * @param {import("./state.js").WidgetState} w
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

  // May come at any time, several times: requestSync coalesces, and drops nothing held.
  socket.on("resync", () => catchUp(w));

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

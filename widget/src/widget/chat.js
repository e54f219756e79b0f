// The widget's behaviour: one Socket.IO connection to the /visitor namespace (docs/protocol.md),
// the conversation it shows, and the DOM built by view.js. This module puts the parts together.
// They are plain functions over one object, `w` (below), that holds the widget's elements, its
// socket and all its state:
//   connection.js  the socket, the visitor's token and the server's events
//   screen.js      what is shown: panel, status line, forms, colour, scrolling, badge
//   sync.js        the conversation on screen and its message stream, kept whole by sync
//   outbox.js      unsent messages, sent in order and resent until acknowledged
//   forms.js       starting a chat: composer, pre-chat and leave-a-message forms
//   typing.js      typing indicators, both ways
import { Stream } from "../lib/text.js";
import { buildView } from "./view.js";
import { connect, listen } from "./connection.js";
import { closePanel, openPanel, watchScroll } from "./screen.js";
import { leaveMessage, restart, send } from "./forms.js";
import { typed } from "./typing.js";

/**
 * Start the widget: build its DOM in `shadow`, connect to the Tandem server and keep the two in
 * step.
 * @param {ShadowRoot} shadow
 * @param {{origin: string, prefix: string}} server where widget.js came from: origin and path prefix
 * @returns {{open: function(): void, close: function(): void}} for the host page
 */
export function startWidget(shadow, server) {
  const w = createState(shadow, server, buildView(shadow));
  watchScroll(w);
  listen(w);
  bindDom(w);
  return { open: () => openPanel(w), close: () => closePanel(w) };
}

/** The widget object every part works on; each field is written by the part named beside it. */
function createState(shadow, server, v) {
  return {
    shadow,
    server,
    v, // the elements built by view.js
    socket: connect(server),
    settings: { greeting: "", color: "", prechat: {}, agents_online: true }, // screen.js
    conv: null, // sync.js: Conversation (visitor view) on screen; null until the first message
    stream: new Stream(), // sync.js
    shown: new Map(), // sync.js: seq -> element: a message is drawn once, however often it arrives
    ended: new Set(), // sync.js: closed conversations: late events about them must not bring them back
    syncing: false, // sync.js
    syncAgain: false, // sync.js
    pending: [], // outbox.js: sends not yet acknowledged, oldest first: {client_id, text, el}
    inflight: false, // outbox.js
    unanswered: 0, // outbox.js: message.send timeouts in a row
    starting: false, // forms.js
    offline: false, // forms.js: show the leave-a-message form (decided when the panel opens)
    thanked: false, // forms.js, sync.js: a left message is waiting: say so until an agent picks it up
    isOpen: false, // screen.js
    unread: 0, // screen.js
    atBottom: true, // screen.js
    scrollQueued: false, // screen.js
    typingSentAt: 0, // typing.js
    idleTimer: undefined, // typing.js
    agentTypingTimer: undefined, // typing.js
  };
}

/** The visitor's clicks and keys. */
function bindDom(w) {
  const v = w.v;
  const sendNow = () => send(w);
  v.launcher.addEventListener("click", () => (w.isOpen ? closePanel(w) : openPanel(w)));
  v.close.addEventListener("click", () => closePanel(w));
  v.panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closePanel(w);
  });
  v.composer.addEventListener("input", () => typed(w));
  v.composer.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendNow();
    }
  });
  v.send.addEventListener("click", sendNow);
  // Enter in a pre-chat field moves on to the message (or sends it, if one is written).
  v.prechat.addEventListener("submit", (e) => e.preventDefault());
  v.prechat.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.isComposing) return;
    e.preventDefault();
    if (v.composer.value.trim()) sendNow();
    else v.composer.focus();
  });
  v.offline.addEventListener("submit", (e) => leaveMessage(w, e));
  v.restart.addEventListener("click", () => restart(w));
}

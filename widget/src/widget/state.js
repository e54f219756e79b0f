// The widget's state: one object, `w`, that every part of the widget works on. It is the bottom
// of the widget's modules and imports none of them, so they can all depend on it one way:
//   state.js       this object, and questions answered from it alone
//   socket.js      the connection to the server, the visitor's token, the page and time zone
//   screen.js      what is shown: status line, forms, colour, scrolling, badge, agent typing
//   typing.js      the visitor's typing, told to the agent, and the composer's height
//   sync.js        the conversation on screen and its message stream, kept whole by sync
//   outbox.js      unsent messages, sent in order and resent until acknowledged
//   forms.js       starting a chat: composer, pre-chat and leave-a-message forms
//   connection.js  the server's events
//   chat.js        puts them together: the panel, the visitor's clicks and keys
import { Stream } from "../lib/text.js";

/** @typedef {"off" | "optional" | "required"} PrechatMode */
/** The pre-chat fields the settings can ask for. */
export const PRECHAT_FIELDS = /** @type {const} */ (["name", "email"]);
/**
 * @typedef {object} Settings the widget settings the server sends (docs/protocol.md)
 * @property {string} greeting
 * @property {string} color
 * @property {{name?: PrechatMode, email?: PrechatMode}} prechat
 * @property {PrechatMode} [leave_message_email] the email on the leave-a-message form
 * @property {boolean} agents_online
 */
/**
 * @typedef {object} Conversation the visitor's view of a conversation (docs/protocol.md)
 * @property {string} id
 * @property {"queued" | "assigned" | "closed"} status
 * @property {{name?: string} | null} agent
 * @property {number | null} queue_position
 * @property {number} last_seq
 */
/**
 * @typedef {object} Pending a visitor message not yet acknowledged
 * @property {string} client_id
 * @property {string} text
 * @property {HTMLElement} el
 */

/** Everything the widget knows; each field is written by the module named beside it. */
export class WidgetState {
  /**
   * @param {ShadowRoot} shadow
   * @param {{origin: string, prefix: string}} server where widget.js came from
   * @param {import("./view.js").View} v the elements built by view.js
   * @param {import("socket.io-client").Socket} socket from socket.js
   */
  constructor(shadow, server, v, socket) {
    this.shadow = shadow;
    this.server = server;
    this.v = v;
    this.socket = socket;
    /** @type {Settings} screen.js */
    this.settings = { greeting: "", color: "", prechat: {}, agents_online: true };
    /** @type {Conversation | null} sync.js: the conversation on screen; null until the first message */
    this.conv = null;
    this.stream = new Stream(); // sync.js
    /** @type {Map<number, HTMLElement>} sync.js: a message is drawn once, however often it arrives */
    this.shown = new Map();
    /** @type {Set<string>} sync.js: closed conversations: late events about them must not bring them back */
    this.ended = new Set();
    this.syncing = false; // sync.js
    this.syncAgain = false; // sync.js
    /** @type {Pending[]} outbox.js: oldest first */
    this.pending = [];
    this.inflight = false; // outbox.js
    this.unanswered = 0; // outbox.js: message.send timeouts in a row
    this.starting = false; // forms.js
    this.offline = false; // forms.js: show the leave-a-message form (decided when the panel opens)
    this.thanked = false; // forms.js, sync.js: a left message is waiting: say so until an agent picks it up
    /** @type {string | null} forms.js, sync.js: the email a left message will be answered at */
    this.leftEmail = null;
    /** @type {{client_id: string, text: string} | null} forms.js: the first message, sent with conversation.start */
    this.first = null;
    this.isOpen = false; // chat.js
    this.unread = 0; // screen.js
    this.atBottom = true; // screen.js
    this.scrollQueued = false; // screen.js
    this.typingSentAt = 0; // typing.js
    this.maxLength = Infinity; // connection.js: the server's limit (session.limits), in code points
    /** @type {ReturnType<typeof setTimeout> | undefined} typing.js */
    this.idleTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} screen.js */
    this.agentTypingTimer = undefined;
  }
}

/**
 * Is there a conversation on screen that has not ended?
 * @param {WidgetState} w
 * @returns {w is WidgetState & {conv: Conversation}}
 */
export function live(w) {
  return !!w.conv && w.conv.status !== "closed";
}

/**
 * How the settings ask for pre-chat field `name`.
 * @param {WidgetState} w
 * @param {"name" | "email"} name
 * @returns {PrechatMode}
 */
export function prechatMode(w, name) {
  return (w.settings.prechat && w.settings.prechat[name]) || "off";
}

const MODES = /** @type {const} */ (["off", "optional", "required"]);

/**
 * How a form asks for field `name`: the pre-chat mode, and on the leave-a-message form the
 * stricter of that and the form's own email mode (required unless the admin says otherwise).
 * @param {WidgetState} w
 * @param {"name" | "email"} name
 * @param {boolean} leaveMessage
 * @returns {PrechatMode}
 */
export function fieldMode(w, name, leaveMessage) {
  const mode = prechatMode(w, name);
  if (!leaveMessage || name !== "email") return mode;
  const own = w.settings.leave_message_email || "required";
  return MODES.indexOf(own) > MODES.indexOf(mode) ? own : mode;
}

// What the widget shows, drawn from its state into the DOM built by view.js: the status line,
// which form is visible, the brand colour, scrolling, the unread badge, the connection notice and
// the agent's typing indicator.
import { PRECHAT_FIELDS, fieldMode, live } from "./state.js";
import { LEFT_STATUS, THANKS } from "./view.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */

// The agent's console repeats typing:true while they type; hide the indicator if it stops coming.
const AGENT_TYPING_MS = 6000;

/**
 * The text colour readable on `color` (#rgb or #rrggbb); white for anything else.
 * @param {string} color
 */
function textOn(color) {
  let hex = (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color) || [])[1];
  if (!hex) return "#fff";
  if (hex.length === 3) hex = hex.replace(/./g, "$&$&");
  const n = parseInt(hex, 16);
  const luma = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return luma > 0.65 ? "#111827" : "#fff";
}

/**
 * @param {import("./state.js").Conversation | null} conv
 */
function statusText(conv) {
  if (!conv) return "";
  if (conv.status === "closed") return "This chat has ended";
  if (conv.status === "assigned") return `You are chatting with ${(conv.agent && conv.agent.name) || "an agent"}`;
  return conv.queue_position ? `You are number ${conv.queue_position} in line` : "Waiting for an agent…";
}

/**
 * Show or hide the status line, the forms, the composer and the notices for the current state.
 * @param {WidgetState} w
 */
export function render(w) {
  const v = w.v;
  const conv = w.conv;
  const fresh = !conv;
  const closed = !!conv && conv.status === "closed";
  const leaveMessage = fresh && w.offline;
  const left = w.thanked && !!conv && conv.status === "queued";
  // A left message says one thing: received, and how we will answer (never a place in line).
  v.status.textContent = left ? LEFT_STATUS : statusText(conv);
  v.notice.textContent = w.leftEmail
    ? `Thanks — we have your message and will reply to ${w.leftEmail}, or here if someone is free while you are on this page.`
    : THANKS;
  v.prechat.hidden = !fresh || leaveMessage || (fieldMode(w, "name", false) === "off" && fieldMode(w, "email", false) === "off");
  v.offline.hidden = !leaveMessage;
  v.footer.hidden = closed || leaveMessage;
  v.ended.hidden = !closed;
  v.notice.hidden = !left;
  if (!live(w)) showTyping(w, null);
}

/**
 * Merge `next` (if any) into the settings and show them: greeting, colour, pre-chat fields.
 * @param {WidgetState} w
 * @param {Partial<import("./state.js").Settings>} [next]
 */
export function applySettings(w, next) {
  const v = w.v;
  if (next) w.settings = { ...w.settings, ...next };
  const settings = w.settings;
  v.greeting.textContent = settings.greeting || "";
  v.greetingRow.hidden = !settings.greeting;
  const color = settings.color;
  if (color && typeof CSS !== "undefined" && CSS.supports("color", color)) {
    v.root.style.setProperty("--tc", color);
    v.root.style.setProperty("--tt", textOn(color));
  }
  for (const form of [v.prechat, v.offline]) {
    for (const name of PRECHAT_FIELDS) {
      const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
      const mode = fieldMode(w, name, form === v.offline);
      /** @type {HTMLElement} */ (input.parentNode).hidden = mode === "off"; // its label
      input.required = mode === "required";
      input.placeholder = mode === "required" ? "Required" : "Optional";
    }
  }
  v.offlineIntro.textContent = fieldMode(w, "email", true) === "off"
    ? "No one is available right now. Leave a message and we'll reply here."
    : "No one is available right now. Leave a message and we'll reply by email.";
  render(w);
}

// Follow new messages only if the visitor is at the bottom (not reading back), and lay out
// once per frame however many messages a sync brings.

/**
 * Track whether the visitor is at the bottom of the message list.
 * @param {WidgetState} w
 */
export function watchScroll(w) {
  const scroll = w.v.scroll;
  scroll.addEventListener("scroll", () => {
    w.atBottom = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 60;
  });
}

/**
 * Scroll to the newest message on the next frame, if following (or `force`d).
 * @param {WidgetState} w
 * @param {boolean} [force]
 */
export function scrollDown(w, force) {
  if (force) w.atBottom = true;
  if (w.scrollQueued || !w.atBottom) return;
  w.scrollQueued = true;
  requestAnimationFrame(() => {
    w.scrollQueued = false;
    w.v.scroll.scrollTop = w.v.scroll.scrollHeight;
  });
}

/**
 * Show the unread count on the launcher, or hide it at 0.
 * @param {WidgetState} w
 */
export function showBadge(w) {
  w.v.unread.textContent = String(w.unread);
  w.v.unread.hidden = !w.unread;
}

/**
 * Count an agent's message that arrived while the panel was closed.
 * @param {WidgetState} w
 */
export function addUnread(w) {
  w.unread++;
  showBadge(w);
}

/**
 * Show `text` as the connection notice, or hide it when empty.
 * @param {WidgetState} w
 * @param {string} text
 */
export function setConnection(w, text) {
  w.v.conn.textContent = text || "";
  w.v.conn.hidden = !text;
}

/**
 * Show that agent `name` is typing, or hide the indicator (`name` null).
 * @param {WidgetState} w
 * @param {string | null} name
 */
export function showTyping(w, name) {
  const v = w.v;
  clearTimeout(w.agentTypingTimer);
  v.typing.textContent = name ? `${name} is typing…` : "";
  v.typing.hidden = !name;
  if (name) {
    w.agentTypingTimer = setTimeout(() => showTyping(w, null), AGENT_TYPING_MS);
    scrollDown(w);
  }
}

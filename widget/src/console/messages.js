// Builds message elements, shared by the live conversation view and the read-only transcript.
// Text always goes through renderText (text nodes and safe links), never through markup.
import { renderText } from "../lib/text.js";
import { h } from "../lib/dom.js";
import { formatClock } from "./format.js";

const STATE_LABELS = { sending: "Sending…", sent: "Sent", error: "Not sent" };

/**
 * What a message element shows: a stored Message, or a pending one of our own (no seq yet).
 * @typedef {object} Shown
 * @property {import("../lib/types.js").Author | null} author
 * @property {string} text
 * @property {string} [type]
 * @property {boolean} [private]
 * @property {number} [seq]
 * @property {string | null} [client_id]
 * @property {string} [created_at]
 */

/**
 * One message of a conversation's stream, or a not-yet-acknowledged one of our own (no seq).
 * @param {Shown} msg
 * @param {{meId?: string|null, state?: "sending"|"sent"|"error", error?: string, readOnly?: boolean}} [opts] state: delivery
 *   state of the agent's own messages; readOnly (transcripts): no delivery state at all
 * @returns {HTMLElement}
 */
export function messageElement(msg, opts = {}) {
  const author = (msg.author && msg.author.type) || "system";
  const isEvent = msg.type === "event" || author === "system";
  const own = author === "agent" && !!opts.meId && !!msg.author && msg.author.id === opts.meId;
  const el = h("div", {
    class: messageClasses(msg, author, isEvent, own),
    "data-testid": "message",
    "data-author": isEvent ? "system" : author,
    "data-private": String(!!msg.private),
  });
  if (msg.seq !== undefined && msg.seq !== null) el.dataset.seq = String(msg.seq);
  if (msg.client_id) el.dataset.clientId = msg.client_id;
  if (isEvent) {
    fillEvent(el, msg);
  } else {
    fillText(el, msg, own, !opts.readOnly);
    if (own && !opts.readOnly) setMessageState(el, opts.state || "sent", opts.error);
  }
  return el;
}

/**
 * @param {Shown} msg
 * @param {string} author
 * @param {boolean} isEvent
 * @param {boolean} own
 */
function messageClasses(msg, author, isEvent, own) {
  const classes = ["msg", isEvent ? "msg--system" : `msg--${author}`];
  if (own) classes.push("msg--own");
  if (msg.private) classes.push("msg--private");
  return classes.join(" ");
}

/**
 * @param {HTMLElement} el
 * @param {Shown} msg
 */
function fillEvent(el, msg) {
  const text = h("span", { class: "msg-text", "data-testid": "message-text" });
  renderText(text, msg.text || "");
  el.append(text);
  if (msg.private) el.append(h("span", { class: "msg-tag", text: "Agents only" }));
  el.append(h("time", { class: "msg-time", datetime: msg.created_at, text: formatClock(msg.created_at || "") }));
}

/**
 * @param {HTMLElement} el
 * @param {Shown} msg
 * @param {boolean} own
 * @param {boolean} withState
 */
function fillText(el, msg, own, withState) {
  const bubble = h("div", { class: "msg-bubble" });
  if (msg.private) bubble.append(h("div", { class: "msg-label", text: "Private note" }));
  const text = h("div", { class: "msg-text", "data-testid": "message-text" });
  renderText(text, msg.text || "");
  bubble.append(text);
  const name = own ? "You" : (msg.author && msg.author.name) || (msg.author && msg.author.type === "visitor" ? "Visitor" : "Agent");
  const meta = h("div", { class: "msg-meta" },
    h("span", { class: "msg-author", text: name }),
    h("time", { class: "msg-time", datetime: msg.created_at || "", text: msg.created_at ? formatClock(msg.created_at) : "" }));
  if (own && withState) meta.append(h("span", { class: "msg-state", "data-testid": "message-state" }));
  el.append(bubble, meta);
}

/**
 * Show the delivery state of one of the agent's own messages.
 * @param {HTMLElement} el a message element
 * @param {"sending"|"sent"|"error"} state
 * @param {string} [error] why it was not sent
 */
export function setMessageState(el, state, error) {
  el.dataset.state = state;
  const slot = el.querySelector(".msg-state");
  if (slot) slot.textContent = state === "error" && error ? `Not sent: ${error}` : STATE_LABELS[state] || "";
}

// The history page's rows: conversations (the list) and matching messages (search results).
import { h } from "../lib/dom.js";
import { formatDateTime, visitorName } from "./format.js";

/**
 * @typedef {import("./state.js").Conversation & {labels?: string[]}} Listed
 * @typedef {{message: import("../lib/types.js").Message, conversation: Listed}} Result
 */

/** @param {string} id */
export function transcriptHref(id) {
  return `/console/transcripts/${encodeURIComponent(id)}`;
}

/** @param {string[] | undefined} labels */
export function labelChips(labels) {
  if (!labels || !labels.length) return null;
  return h("span", { class: "label-chips", "aria-label": "Labels" },
    labels.map((l) => h("span", { class: "label-chip", "data-testid": "label-chip", text: l })));
}

/** @param {Listed} c */
function heading(c) {
  return h("span", { class: "history-top" },
    h("span", { class: "conv-name", text: visitorName(c.visitor) }),
    h("span", { class: `badge badge-${c.status}`, text: c.status }),
    h("span", { class: "history-agent", text: c.agent ? c.agent.name : "Unassigned" }),
    labelChips(c.labels));
}

/**
 * One conversation of the list.
 * @param {Listed} c
 */
export function conversationRow(c) {
  return h("li", { class: "history-item", "data-testid": "history-item", "data-conversation-id": c.id, "data-status": c.status },
    h("a", { class: "history-open", href: transcriptHref(c.id) },
      heading(c),
      h("span", { class: "history-when", text: `Started ${formatDateTime(c.created_at || "")}` }),
      h("span", { class: "conv-preview", text: (c.last_message && c.last_message.text) || "No messages" })));
}

/**
 * One message that matched a search, its words marked.
 * @param {Result} r
 * @param {string[]} words
 */
export function resultRow(r, words) {
  const m = r.message;
  const who = m.author && m.author.type === "visitor" ? visitorName(r.conversation.visitor) : (m.author && m.author.name) || "Agent";
  return h("li", { class: "history-item history-hit", "data-testid": "search-result", "data-conversation-id": r.conversation.id },
    h("a", { class: "history-open", href: transcriptHref(r.conversation.id) },
      heading(r.conversation),
      h("span", { class: "history-when", text: `${m.private ? `Note by ${who}` : who}, ${formatDateTime(m.created_at || "")}` }),
      h("span", { class: `hit-text${m.private ? " hit-note" : ""}`, "data-testid": "hit-text" }, marked(m.text, words))));
}

/**
 * `text` with each place a search word starts a word of it wrapped in <mark> (as the server
 * matched: case folded, at word starts). Text nodes only.
 * @param {string} text
 * @param {string[]} words
 * @returns {(string | HTMLElement)[]}
 */
export function marked(text, words) {
  if (!words.length) return [text];
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})`, "giu");
  /** @type {(string | HTMLElement)[]} */
  const out = [];
  let at = 0;
  for (const match of text.matchAll(re)) {
    const start = match.index || 0;
    if (start > at) out.push(text.slice(at, start));
    out.push(h("mark", { text: match[0] }));
    at = start + match[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

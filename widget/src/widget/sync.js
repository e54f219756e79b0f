// The conversation on screen and its message stream: messages are drawn once each, in seq order,
// and a sync fills any gap, whether they arrive live, replayed or acknowledged.
import { Stream } from "../lib/text.js";
import { request } from "../lib/ack.js";
import { messageEl, setState } from "./view.js";
import { live } from "./state.js";
import { addUnread, render, scrollDown, showTyping } from "./screen.js";
import { stopTyping } from "./typing.js";
import { leftMessageEmail } from "./socket.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */
/** @typedef {import("./state.js").Conversation} Conversation */
/** @typedef {import("../lib/types.js").Message} Message */

/**
 * Show conversation snapshot `c` (unless the one on screen is newer).
 * @param {WidgetState} w
 * @param {Conversation} c
 */
export function setConv(w, c) {
  // An acknowledgement can cross a newer conversation.updated: keep the newer snapshot.
  if (w.conv && w.conv.id === c.id && c.last_seq < w.conv.last_seq) return;
  w.conv = c;
  if (c.status === "closed") {
    w.ended.add(c.id);
    stopTyping(w);
  }
  render(w);
}

/**
 * Show conversation `c` (or none) from scratch; unsent messages stay on screen and in line.
 * @param {WidgetState} w
 * @param {Conversation | null} c
 */
export function reset(w, c) {
  w.conv = null;
  w.stream = new Stream();
  w.shown.clear();
  const email = c ? leftMessageEmail(c.id) : null;
  w.thanked = email !== null;
  w.leftEmail = email || null;
  w.v.messages.replaceChildren(...w.pending.map((p) => p.el));
  if (c) setConv(w, c);
  else render(w);
}

/**
 * Switch to a conversation this tab had not seen (e.g. another tab started it) and load it.
 * @param {WidgetState} w
 * @param {Conversation} c
 */
export function adopt(w, c) {
  reset(w, c);
  requestSync(w);
}

// Insert after the last message with a lower seq, before any still being sent, so the list
// stays in seq order however messages arrive (live, replayed, acknowledged).
/**
 * @param {HTMLElement} list
 * @param {HTMLElement} el
 * @param {number} seq
 */
function place(list, el, seq) {
  let c = list.lastElementChild;
  while (c && (c.getAttribute("data-state") === "sending" || Number(c.getAttribute("data-seq")) > seq)) c = c.previousElementSibling;
  list.insertBefore(el, c ? c.nextElementSibling : list.firstElementChild);
}

/**
 * The element for stored message `m`: the visitor's own pending one if it is that, else new.
 * @param {import("./state.js").Pending[]} pending
 * @param {Message} m
 */
function elementFor(pending, m) {
  const mine = m.client_id && pending.find((p) => p.client_id === m.client_id);
  if (!mine) return messageEl(m);
  pending.splice(pending.indexOf(mine), 1);
  mine.el.remove();
  setState(mine.el, "sent");
  return mine.el;
}

/**
 * Take in a stored message, from a live event, a sync or an acknowledgement. A live message
 * beyond the next seq expected is shown but not counted as held until a sync fills the gap, so
 * stream.lastSeq always means "everything up to here".
 * @param {WidgetState} w
 * @param {Message} m
 * @param {boolean} [fromSync]
 */
export function ingest(w, m, fromSync) {
  if (!w.conv || m.conversation_id !== w.conv.id) {
    if (w.ended.has(m.conversation_id)) return;
    adopt(w, { id: m.conversation_id, status: "queued", agent: null, queue_position: null, last_seq: 0 });
  }
  if (!fromSync && w.stream.isAhead(m)) requestSync(w);
  else w.stream.add(m);
  if (w.shown.has(m.seq)) return;
  const el = elementFor(w.pending, m);
  el.setAttribute("data-seq", String(m.seq));
  w.shown.set(m.seq, el);
  place(w.v.messages, el, m.seq);
  if (m.type !== "event" && m.author && m.author.type === "agent") {
    showTyping(w, null);
    if (!w.isOpen && !fromSync) addUnread(w);
  }
  scrollDown(w);
}

/**
 * Fetch every message after the last seq held (coalescing calls made while one is running).
 * @param {WidgetState} w
 */
export async function requestSync(w) {
  if (!w.conv || !w.socket.connected) return; // the next connect syncs
  if (w.syncing) {
    w.syncAgain = true;
    return;
  }
  w.syncing = true;
  w.syncAgain = false;
  const id = w.conv.id;
  const res = await request(w.socket, "sync", { last_seq: w.stream.lastSeq });
  w.syncing = false;
  takeSync(w, id, res);
  if (w.syncAgain) requestSync(w);
}

/**
 * Apply a sync answer for conversation `id`; sets w.syncAgain when another round is needed.
 * @param {WidgetState} w
 * @param {string} id
 * @param {import("../lib/ack.js").Ack} res
 */
function takeSync(w, id, res) {
  const c = res.ok && res.conversation;
  if (!w.conv || w.conv.id !== id) {
    // The screen moved on while we waited (new chat, another conversation): this answer is stale.
  } else if (c && c.id !== id) {
    // The visitor's open conversation is another one: the answer holds only its tail.
    if (!w.ended.has(c.id)) {
      reset(w, c);
      w.syncAgain = true;
    }
  } else if (c) {
    setConv(w, c);
    for (const m of res.messages || []) ingest(w, m, true);
    if (res.more) w.syncAgain = true;
  } else if ((res.ok || res.error.code === "no_conversation") && live(w)) {
    // The server has no conversation for us at all: the one on screen is over.
    setConv(w, { ...w.conv, status: "closed", queue_position: null });
  }
}

// The visitor's unsent messages (w.pending): shown at once as "Sending…", sent one at a time in
// the order typed, and resent with the same client_id until the server acknowledges them.
import { uuid4 } from "../lib/text.js";
import { request } from "../lib/ack.js";
import { h } from "../lib/dom.js";
import { messageEl, setState } from "./view.js";
import { scrollDown } from "./screen.js";
import { ingest } from "./sync.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */
/** @typedef {import("./state.js").Pending} Pending */

const SEND_TIMEOUT_MS = 5000;

/**
 * Show `text` as the visitor's message and put it in line to be sent.
 * @param {WidgetState} w
 * @param {string} text
 */
export function queueText(w, text) {
  const p = { client_id: uuid4(), text, el: messageEl({ author: { type: "visitor" }, text }, "sending") };
  w.pending.push(p);
  w.v.messages.append(p.el);
  scrollDown(w, true);
  pump(w);
}

/**
 * Send the oldest unacknowledged message, one at a time so the server stores them in the order
 * typed. With no acknowledgement it stays first in line and goes again with the same client_id
 * (the server stores it once): at once if still connected, else after the reconnect.
 * @param {WidgetState} w
 */
export async function pump(w) {
  const p = w.pending[0];
  const socket = w.socket;
  if (w.inflight || !p || !socket.connected) return;
  w.inflight = true;
  const res = await request(socket, "message.send", { client_id: p.client_id, text: p.text }, SEND_TIMEOUT_MS);
  w.inflight = false;
  if (res.error && res.error.code === "timeout") {
    // Unanswered twice on a "live" connection: it is probably dead without knowing it yet
    // (half-open TCP after a network switch, a server shutting down). Drop it so Socket.IO
    // reconnects now rather than after its ping timeout; the resend follows the reconnect.
    if (++w.unanswered >= 2 && socket.connected) {
      w.unanswered = 0;
      socket.io.engine.close();
    }
  } else {
    w.unanswered = 0;
    if (res.ok) {
      ingest(w, res.message);
      settle(w, p, "sent"); // in case ingest ignored it
    } else {
      fail(w, p, res.error);
    }
  }
  pump(w);
}

/**
 * @param {WidgetState} w
 * @param {Pending} p
 * @param {"sent" | "error"} state
 */
function settle(w, p, state) {
  const i = w.pending.indexOf(p);
  if (i < 0) return;
  w.pending.splice(i, 1);
  setState(p.el, state);
}

/**
 * @param {WidgetState} w
 * @param {Pending} p
 * @param {import("../lib/ack.js").AckError} error
 */
function fail(w, p, error) {
  settle(w, p, "error");
  const note = h("div", { class: "err", "data-tandem": "error", role: "alert" }, error.message || error.code);
  p.el.append(note);
  if (error.code === "rate_limited") {
    // Nothing was stored: the same client_id may go again once the visitor slows down.
    const retry = h("button", { class: "link err", type: "button", "data-tandem": "retry" }, "Retry");
    retry.addEventListener("click", () => {
      note.remove();
      retry.remove();
      setState(p.el, "sending");
      w.pending.push(p);
      pump(w);
    });
    p.el.append(retry);
  }
}

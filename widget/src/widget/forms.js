// Starting a chat: the composer's first message, the pre-chat fields and the leave-a-message form
// shown when no agent is online.
import { request } from "../lib/ack.js";
import { uuid4 } from "../lib/text.js";
import { page, rememberLeftMessage, timezone } from "./socket.js";
import { PRECHAT_FIELDS, fieldMode, live } from "./state.js";
import { applySettings, render } from "./screen.js";
import { adopt, ingest, reset, setConv } from "./sync.js";
import { queueText } from "./outbox.js";
import { fits, grow, stopTyping } from "./typing.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */

/**
 * Decide whether a new chat starts with the leave-a-message form (no agent online).
 * Offline is judged when a new chat is about to begin, and not while the visitor is typing into
 * one of the two forms.
 * @param {WidgetState} w
 */
export function decideOffline(w) {
  const v = w.v;
  if (!w.conv && !v.composer.value.trim() && !v.offlineText.value.trim()) w.offline = w.settings.agents_online === false;
}

/**
 * The session's settings may be minutes old when the panel opens; ask again (best effort).
 * @param {WidgetState} w
 */
export function refreshSettings(w) {
  if (!w.socket.connected) return; // refused or unreachable: the fetch would fail the same way
  fetch(`${w.server.origin}${w.server.prefix}/api/widget/settings`, { credentials: "omit" })
    .then((r) => (r.ok ? r.json() : null))
    .then((s) => {
      if (!s || !s.prechat) return;
      applySettings(w, s);
      decideOffline(w);
      render(w);
    })
    .catch(() => {});
}

/**
 * Show `text` as the error of `form` ("" clears it).
 * @param {HTMLFormElement} form
 * @param {string} text
 */
function formError(form, text) {
  /** @type {HTMLElement} */ (form.querySelector("[data-tandem=form-error]")).textContent = text;
}

/**
 * Read the pre-chat fields of `form`; null (with the reason shown) if a required one is empty.
 * @param {WidgetState} w
 * @param {HTMLFormElement} form
 * @returns {{name?: string, email?: string} | null}
 */
function readFields(w, form) {
  /** @type {{name?: string, email?: string}} */
  const fields = {};
  for (const name of PRECHAT_FIELDS) {
    const mode = fieldMode(w, name, form === w.v.offline);
    if (mode === "off") continue;
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    const value = input.value.trim();
    if (!value && mode === "required") {
      formError(form, name === "email" ? "Please enter your email address so we can reply." : "Please enter your name.");
      input.focus();
      return null;
    }
    if (value) fields[name] = value;
  }
  formError(form, "");
  return fields;
}

/**
 * conversation.start with the visitor's first message, stored before any agent joins (so the
 * chat reads in the order it happened); errors (a missing field, a bad email) show on `form`.
 * Returns whether it started.
 * @param {WidgetState} w
 * @param {{name?: string, email?: string}} fields
 * @param {HTMLFormElement} form
 * @param {string} text the first message
 */
async function start(w, fields, form, text) {
  if (!w.socket.connected) {
    formError(form, "Connecting… please try again in a moment.");
    return false;
  }
  // A retry of the same text keeps its client_id: the server stores it once.
  if (!w.first || w.first.text !== text) w.first = { client_id: uuid4(), text };
  const leaveMessage = form === w.v.offline;
  w.starting = true;
  const res = await request(w.socket, "conversation.start", {
    ...fields, page: page(), timezone: timezone(), message: w.first, ...(leaveMessage ? { leave_message: true } : {}),
  });
  w.starting = false;
  if (!res.ok) {
    formError(form, res.error.message || res.error.code);
    return false;
  }
  w.first = null;
  if (w.conv && w.conv.id === res.conversation.id) setConv(w, res.conversation);
  else adopt(w, res.conversation);
  if (leaveMessage) rememberLeftMessage(res.conversation.id, fields.email || null);
  if (res.message) ingest(w, res.message);
  return true;
}

/**
 * Send the composer's text, starting a chat first (with the pre-chat fields) if none is live.
 * @param {WidgetState} w
 */
export async function send(w) {
  const v = w.v;
  const text = v.composer.value.trim();
  if (!text || w.starting) return;
  if (!fits(w)) return; // too long: the text stays for the visitor to shorten
  stopTyping(w);
  const starting = !live(w);
  if (starting) {
    const fields = readFields(w, v.prechat);
    if (!fields || !(await start(w, fields, v.prechat, text))) return;
  }
  // Keep whatever was typed while the chat was starting.
  if (v.composer.value.trim() === text) v.composer.value = "";
  grow(w);
  fits(w);
  if (!starting) queueText(w, text);
}

/**
 * Submit of the leave-a-message form: start a chat with its fields and send its message.
 * @param {WidgetState} w
 * @param {SubmitEvent} e
 */
export async function leaveMessage(w, e) {
  const v = w.v;
  e.preventDefault();
  const text = v.offlineText.value.trim();
  const fields = readFields(w, v.offline);
  if (!fields || w.starting) return;
  if (!text) {
    formError(v.offline, "Please write a message.");
    return v.offlineText.focus();
  }
  if (!(await start(w, fields, v.offline, text))) return;
  v.offlineText.value = "";
  w.offline = false;
  w.thanked = true;
  w.leftEmail = fields.email || null;
  render(w);
}

/**
 * "Start a new chat" after one ended.
 * @param {WidgetState} w
 */
export function restart(w) {
  reset(w, null);
  decideOffline(w);
  refreshSettings(w);
  render(w);
  (w.offline ? w.v.offlineText : w.v.composer).focus();
}

// Starting a chat: the composer's first message, the pre-chat fields and the leave-a-message form
// shown when no agent is online.
import { request } from "../lib/ack.js";
import { page, timezone } from "./socket.js";
import { PRECHAT_FIELDS, live, prechatMode } from "./state.js";
import { applySettings, render } from "./screen.js";
import { adopt, reset, setConv } from "./sync.js";
import { queueText } from "./outbox.js";
import { grow, stopTyping } from "./typing.js";

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
    const mode = prechatMode(w, name);
    if (mode === "off") continue;
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    const value = input.value.trim();
    if (!value && mode === "required") {
      formError(form, `Please enter your ${name}.`);
      input.focus();
      return null;
    }
    if (value) fields[name] = value;
  }
  formError(form, "");
  return fields;
}

/**
 * conversation.start; errors (bad_request: a missing field, a bad email) show on `form`.
 * @param {WidgetState} w
 * @param {{name?: string, email?: string}} fields
 * @param {HTMLFormElement} form
 */
async function start(w, fields, form) {
  if (!w.socket.connected) {
    formError(form, "Connecting… please try again in a moment.");
    return false;
  }
  w.starting = true;
  const res = await request(w.socket, "conversation.start", { ...fields, page: page(), timezone: timezone() });
  w.starting = false;
  if (!res.ok) {
    formError(form, res.error.message || res.error.code);
    return false;
  }
  if (w.conv && w.conv.id === res.conversation.id) setConv(w, res.conversation);
  else adopt(w, res.conversation);
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
  stopTyping(w);
  if (!live(w)) {
    const fields = readFields(w, v.prechat);
    if (!fields || !(await start(w, fields, v.prechat))) return;
  }
  // Keep whatever was typed while the chat was starting.
  if (v.composer.value.trim() === text) v.composer.value = "";
  grow(w);
  queueText(w, text);
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
  if (!(await start(w, fields, v.offline))) return;
  v.offlineText.value = "";
  w.offline = false;
  w.thanked = true;
  queueText(w, text);
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

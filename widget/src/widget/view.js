// Builds the widget's DOM. Only structure lives here; screen.js decides what is shown when.
// Every element tests (or hosts) may need carries a stable data-tandem hook.
import { h } from "../lib/dom.js";
import { renderText } from "../lib/text.js";
import { CSS } from "./styles.js";

/** @typedef {import("../lib/types.js").Message} Message */

export const THANKS = "Thanks — we have your message and will reply here as soon as someone is available.";
export const LEFT_STATUS = "Message received";
const STATE_LABELS = { sending: "Sending…", sent: "Sent", error: "Not sent" };

/**
 * Props for an element with the data-tandem hook `name`.
 * @param {string} name
 * @param {Object<string, any>} [props]
 */
const hook = (name, props) => ({ "data-tandem": name, ...props });

/**
 * A labelled input for a pre-chat field; screen.js hides it or marks it required per settings.
 * @param {"name" | "email"} name
 * @param {string} type
 * @param {string} label
 */
function field(name, type, label) {
  return h("label", { class: "field" }, label, h("input", { name, type, autocomplete: name }));
}

function chatIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const path = document.createElementNS(ns, "path");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  return svg;
}

/** The pre-chat and leave-a-message forms; screen.js shows at most one. */
function buildForms() {
  const formError = () => h("p", hook("form-error", { class: "err", role: "alert" }));
  const offlineText = h("textarea", hook("offline-message", { name: "message", rows: "4" }));
  const offlineIntro = h("p", hook("offline-intro"), "No one is available right now. Leave a message and we'll reply by email.");
  const offline = h("form", hook("offline", { class: "form", novalidate: true, hidden: true }),
    offlineIntro,
    field("name", "text", "Name"), field("email", "email", "Email"),
    h("label", { class: "field" }, "Message", offlineText),
    formError(), h("button", hook("offline-send", { class: "btn", type: "submit" }), "Send message"));
  const prechat = h("form", hook("prechat", { class: "form", novalidate: true, hidden: true }),
    field("name", "text", "Name"), field("email", "email", "Email"), formError());
  return { offlineText, offlineIntro, offline, prechat };
}

/**
 * Build the launcher and panel inside `shadow` and return the elements the widget drives.
 * @param {ShadowRoot} shadow
 */
export function buildView(shadow) {
  const unread = h("span", hook("unread", { class: "badge", hidden: true }));
  const launcher = h("button", hook("launcher", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false" }),
    chatIcon(), h("span", { class: "x2", "aria-hidden": "true" }, "×"), unread);
  const status = h("div", hook("status", { class: "status", "aria-live": "polite" }));
  const close = h("button", hook("close", { class: "x", type: "button", "aria-label": "Close chat" }), "×");
  const conn = h("div", hook("connection", { class: "conn", role: "status", hidden: true }));
  const greeting = h("div", hook("greeting", { class: "bubble" }));
  const greetingRow = h("div", { class: "msg agent", hidden: true }, greeting);
  const messages = h("div", hook("messages", { role: "log", "aria-live": "polite" }));
  const notice = h("p", hook("notice", { class: "sys", hidden: true }), THANKS);
  const typing = h("div", hook("typing", { class: "typing", hidden: true }));
  const { offlineText, offlineIntro, offline, prechat } = buildForms();
  const scroll = h("div", { class: "scroll" }, greetingRow, messages, notice, typing, offline);
  const restart = h("button", hook("restart", { class: "btn", type: "button" }), "Start a new chat");
  const ended = h("div", hook("ended", { class: "ended", hidden: true }), restart);
  const composer = h("textarea", hook("composer", { rows: "1", placeholder: "Type your message…", "aria-label": "Message" }));
  const send = h("button", hook("send", { class: "send", type: "button" }), "Send");
  const count = h("div", hook("count", { class: "count", "aria-live": "polite", hidden: true }));
  const footer = h("div", { class: "composer" }, composer, send);
  const panel = h("section", hook("panel", { class: "panel", role: "dialog", "aria-label": "Chat", hidden: true }),
    h("header", {}, h("div", { class: "title" }, "Chat with us"), status, close),
    conn, scroll, prechat, ended, footer, count);
  const root = h("div", { class: "root" }, panel, launcher);
  adoptStyles(shadow);
  shadow.append(root);
  return { unread, launcher, status, close, conn, greeting, greetingRow, messages, notice, typing,
    offlineText, offlineIntro, offline, scroll, prechat, restart, ended, composer, send, footer, count, panel, root };
}

/**
 * The widget's styles as a constructed stylesheet: a page's Content-Security-Policy governs
 * <style> elements (a strict style-src would block ours on the host site) but not these. Browsers
 * without constructable stylesheets (before Safari 16.4) get the <style> element as before.
 * @param {ShadowRoot} shadow
 */
function adoptStyles(shadow) {
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(h("style", {}, CSS));
  }
}

/** @typedef {ReturnType<typeof buildView>} View the elements the widget drives */

/**
 * Build the element for one message. Text goes through renderText only (text nodes and http(s)
 * links), never markup. `state` is for the visitor's own messages: sending, sent or error.
 * @param {Pick<Message, "author" | "text"> & Partial<Message>} m a Message (or, while sending, just {author, text})
 * @param {"sending" | "sent" | "error"} [state]
 */
export function messageEl(m, state) {
  const text = h("div", hook("text"));
  renderText(text, String(m.text || ""));
  if (m.type === "event") {
    return h("div", hook("message", { class: "sys", "data-author": "system" }), text);
  }
  const who = m.author && m.author.type === "visitor" ? "visitor" : "agent";
  text.className = "bubble";
  const el = h("div", hook("message", { class: `msg ${who}`, "data-author": who, title: m.created_at && new Date(m.created_at).toLocaleString() }),
    who === "agent" && m.author && m.author.name ? h("div", { class: "who" }, m.author.name) : null, text);
  if (who === "visitor") {
    el.append(h("div", hook("state", { class: "meta" })));
    setState(el, state || "sent");
  }
  return el;
}

/**
 * Show a visitor message's delivery state (data-state and its label).
 * @param {HTMLElement} el from messageEl
 * @param {"sending"|"sent"|"error"} state
 */
export function setState(el, state) {
  el.setAttribute("data-state", state);
  /** @type {HTMLElement} */ (el.querySelector("[data-tandem=state]")).textContent = STATE_LABELS[state];
}

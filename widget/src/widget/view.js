// Builds the widget's DOM. Only structure lives here; screen.js decides what is shown when.
// Every element tests (or hosts) may need carries a stable data-tandem hook.
import { h } from "../lib/dom.js";
import { renderText } from "../lib/text.js";
import { CSS } from "./styles.js";

export const THANKS = "Thanks — we'll reply here as soon as an agent is available.";
const STATE_LABELS = { sending: "Sending…", sent: "Sent", error: "Not sent" };

/** Props for an element with the data-tandem hook `name`. */
const hook = (name, props) => ({ "data-tandem": name, ...props });

/** A labelled input for a pre-chat field; screen.js hides it or marks it required per settings. */
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

/**
 * Build the launcher and panel inside `shadow` and return the elements the widget drives.
 * @param {ShadowRoot} shadow
 */
export function buildView(shadow) {
  const v = {};
  const formError = () => h("p", hook("form-error", { class: "err", role: "alert" }));
  v.unread = h("span", hook("unread", { class: "badge", hidden: true }));
  v.launcher = h("button", hook("launcher", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false" }),
    chatIcon(), h("span", { class: "x2", "aria-hidden": "true" }, "×"), v.unread);
  v.status = h("div", hook("status", { class: "status", "aria-live": "polite" }));
  v.close = h("button", hook("close", { class: "x", type: "button", "aria-label": "Close chat" }), "×");
  v.conn = h("div", hook("connection", { class: "conn", role: "status", hidden: true }));
  v.greeting = h("div", hook("greeting", { class: "bubble" }));
  v.greetingRow = h("div", { class: "msg agent", hidden: true }, v.greeting);
  v.messages = h("div", hook("messages", { role: "log", "aria-live": "polite" }));
  v.notice = h("p", hook("notice", { class: "sys", hidden: true }), THANKS);
  v.typing = h("div", hook("typing", { class: "typing", hidden: true }));
  v.offlineText = h("textarea", hook("offline-message", { name: "message", rows: "4" }));
  v.offline = h("form", hook("offline", { class: "form", novalidate: true, hidden: true }),
    h("p", {}, "No one is available right now. Leave a message and we'll reply here."),
    field("name", "text", "Name"), field("email", "email", "Email"),
    h("label", { class: "field" }, "Message", v.offlineText),
    formError(), h("button", hook("offline-send", { class: "btn", type: "submit" }), "Send message"));
  v.scroll = h("div", { class: "scroll" }, v.greetingRow, v.messages, v.notice, v.typing, v.offline);
  v.prechat = h("form", hook("prechat", { class: "form", novalidate: true, hidden: true }),
    field("name", "text", "Name"), field("email", "email", "Email"), formError());
  v.restart = h("button", hook("restart", { class: "btn", type: "button" }), "Start a new chat");
  v.ended = h("div", hook("ended", { class: "ended", hidden: true }), v.restart);
  v.composer = h("textarea", hook("composer", { rows: "1", placeholder: "Type your message…", "aria-label": "Message" }));
  v.send = h("button", hook("send", { class: "send", type: "button" }), "Send");
  v.footer = h("div", { class: "composer" }, v.composer, v.send);
  v.panel = h("section", hook("panel", { class: "panel", role: "dialog", "aria-label": "Chat", hidden: true }),
    h("header", {}, h("div", { class: "title" }, "Chat with us"), v.status, v.close),
    v.conn, v.scroll, v.prechat, v.ended, v.footer);
  v.root = h("div", { class: "root" }, v.panel, v.launcher);
  shadow.append(h("style", {}, CSS), v.root);
  return v;
}

/**
 * Build the element for one message. Text goes through renderText only (text nodes and http(s)
 * links), never markup. `state` is for the visitor's own messages: sending, sent or error.
 * @param {object} m a Message (or, while sending, just {author, text})
 * @param {string} [state]
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
  el.querySelector("[data-tandem=state]").textContent = STATE_LABELS[state];
}

// The widget's top: builds the DOM (view.js), opens the connection (socket.js), hands both to
// the state every part works on (state.js, which lists the parts), and binds what the host page
// and the visitor do to them. Dependencies run one way, down from here to state.js.
import { buildView } from "./view.js";
import { connect } from "./socket.js";
import { WidgetState } from "./state.js";
import { render, scrollDown, showBadge, watchScroll } from "./screen.js";
import { typed } from "./typing.js";
import { decideOffline, leaveMessage, refreshSettings, restart, send } from "./forms.js";
import { listen } from "./connection.js";

/**
 * Start the widget: build its DOM in `shadow`, connect to the Tandem server and keep the two in
 * step.
 * @param {ShadowRoot} shadow
 * @param {{origin: string, prefix: string}} server where widget.js came from: origin and path prefix
 * @returns {{open: () => void, close: () => void}} for the host page
 */
export function startWidget(shadow, server) {
  const v = buildView(shadow);
  const w = new WidgetState(shadow, server, v, connect(server));
  watchScroll(w);
  listen(w);
  bindDom(w);
  return { open: () => openPanel(w), close: () => closePanel(w) };
}

/**
 * Open the chat panel (window.Tandem.open).
 * @param {WidgetState} w
 */
function openPanel(w) {
  const v = w.v;
  w.isOpen = true;
  w.unread = 0;
  showBadge(w);
  v.root.classList.add("open");
  v.panel.hidden = false;
  v.launcher.setAttribute("aria-expanded", "true");
  v.launcher.setAttribute("aria-label", "Close chat");
  if (!w.conv) {
    decideOffline(w);
    refreshSettings(w);
  }
  render(w);
  scrollDown(w, true);
  // The first field the visitor is asked to fill: a pre-chat or leave-a-message field when one
  // is shown, else the composer.
  const first = focusable(v.panel).find((el) => el.matches("input, textarea"));
  if (first) first.focus();
}

const FOCUSABLE = "button, input, textarea, select, a[href], [tabindex]:not([tabindex='-1'])";

/**
 * The elements of `panel` that Tab reaches now, in order.
 * @param {HTMLElement} panel
 * @returns {HTMLElement[]}
 */
function focusable(panel) {
  return /** @type {HTMLElement[]} */ ([...panel.querySelectorAll(FOCUSABLE)])
    .filter((el) => el.offsetParent && !(/** @type {HTMLButtonElement} */ (el).disabled));
}

/**
 * Keep Tab and Shift+Tab inside the open panel (it is a dialog): past the last control comes the
 * first again, and the other way round.
 * @param {WidgetState} w
 * @param {KeyboardEvent} e
 */
function keepTabInside(w, e) {
  const items = focusable(w.v.panel);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  const active = w.shadow.activeElement;
  if (e.shiftKey && (active === first || !items.includes(/** @type {HTMLElement} */ (active)))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !items.includes(/** @type {HTMLElement} */ (active)))) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Close the chat panel (window.Tandem.close).
 * @param {WidgetState} w
 */
function closePanel(w) {
  const v = w.v;
  w.isOpen = false;
  v.root.classList.remove("open");
  v.panel.hidden = true;
  v.launcher.setAttribute("aria-expanded", "false");
  v.launcher.setAttribute("aria-label", "Open chat");
  // Keep keyboard users where they were, unless the host page moved focus elsewhere.
  if (w.shadow.activeElement) v.launcher.focus();
}

/**
 * The visitor's clicks and keys.
 * @param {WidgetState} w
 */
function bindDom(w) {
  const v = w.v;
  const sendNow = () => send(w);
  v.launcher.addEventListener("click", () => (w.isOpen ? closePanel(w) : openPanel(w)));
  v.close.addEventListener("click", () => closePanel(w));
  v.root.addEventListener("keydown", (e) => {
    if (!w.isOpen) return;
    if (e.key === "Escape") closePanel(w);
    else if (e.key === "Tab") keepTabInside(w, e);
  });
  v.composer.addEventListener("input", () => typed(w));
  v.composer.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendNow();
    }
  });
  v.send.addEventListener("click", sendNow);
  // Enter in a pre-chat field moves on to the message (or sends it, if one is written).
  v.prechat.addEventListener("submit", (e) => e.preventDefault());
  v.prechat.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.isComposing) return;
    e.preventDefault();
    if (v.composer.value.trim()) sendNow();
    else v.composer.focus();
  });
  v.offline.addEventListener("submit", (e) => leaveMessage(w, e));
  v.restart.addEventListener("click", () => restart(w));
}

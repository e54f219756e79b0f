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
  const first = [v.composer, v.offlineText].find((el) => el.offsetParent);
  if (first) first.focus();
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
  v.panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closePanel(w);
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

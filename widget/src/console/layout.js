// The console's page layout and the glue that redraws it: top bar (name, status, admin link),
// connection banner, the three columns, the placeholder and toasts.
import { h, replace } from "../lib/dom.js";
import { Sidebar } from "./sidebar.js";
import { ConversationView } from "./conversation.js";
import { VisitorPanel } from "./visitor.js";
import { AssistPanel } from "./assist.js";
import { PanelDrawer } from "./drawer.js";
import { openPasswordDialog } from "./account.js";
import { NotifyPanel } from "./notify.js";
import { HelpOverlay } from "./help.js";

const TOAST_MS = 6000;
/** @typedef {import("../lib/types.js").Agent["status"]} Status */
/** @type {Status[]} the options of the status select */
const STATUSES = ["online", "away", "offline"];

/**
 * Building and redrawing the console's layout.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const layoutMethods = {
  buildLayout() {
    this.sidebar = new Sidebar({ onOpen: (id) => this.openConversation(id), onTake: (id, b, over) => this.take(id, b, over) });
    this.view = new ConversationView({
      onSend: (text, isPrivate) => this.sendMessage(text, isPrivate),
      onTyping: (typing) => this.sendTyping(typing),
      onClose: () => this.closeConversation(),
      onTransfer: (agentId, note) => this.transfer(agentId, note),
      getCanned: () => this.state.canned,
      onComposerEmptied: () => this.forgetInserted(),
      onComposerEnabled: (enabled) => this.assistPanel && this.assistPanel.setEnabled(enabled),
    });
    this.panel = new VisitorPanel();
    this.assistPanel = new AssistPanel({
      onInsert: (s) => this.insertSuggestion(s),
      onDismiss: (s) => this.dismissSuggestion(s),
      onSearch: (query) => this.searchAssist(query),
    });
    this.statusSelect = h("select", { class: "status-select", "data-testid": "status-select", "aria-label": "Your status",
      onchange: () => this.setStatus(/** @type {Status} */ (this.statusSelect.value)) },
    STATUSES.map((s) => h("option", { value: s, text: s[0].toUpperCase() + s.slice(1) })));
    this.notifyPanel = new NotifyPanel({ onChange: (name, on) => this.setPreference(name, on) });
    this.notifyPanel.setPreferences(this.state.preferences);
    this.help = new HelpOverlay();
    this.meName = h("span", { class: "me-name" });
    this.adminLink = h("a", { href: "/admin", class: "btn btn-ghost", text: "Admin", hidden: true });
    this.banner = h("div", { class: "banner", role: "status", "data-testid": "connection-banner", text: "Connecting…" });
    this.chat = h("main", { class: "chat" });
    this.details = h("aside", { class: "details-col", hidden: true, "aria-label": "Suggestions and visitor details" });
    this.drawer = new PanelDrawer(this.details, [{ key: "assist", label: "Suggestions" }, { key: "visitor", label: "Visitor" }]);
    replace(this.details, this.drawer.closeButton, this.assistPanel.el, this.panel.el);
    this.toasts = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    replace(this.root,
      h("header", { class: "topbar" },
        h("a", { class: "brand", href: "/console" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
        h("div", { class: "topbar-right" },
          this.drawer.el,
          this.meName,
          h("span", { class: `dot dot-${this.state.me.status}`, "data-role": "my-dot" }),
          this.statusSelect,
          this.notifyPanel.el,
          h("button", { type: "button", class: "btn btn-ghost", "data-testid": "shortcuts-button", text: "Shortcuts",
            title: "Keyboard shortcuts (?)", "aria-haspopup": "dialog", onclick: () => this.help.open() }),
          h("a", { href: "/console/history", class: "btn btn-ghost", "data-testid": "history-link", text: "History" }),
          this.adminLink,
          h("button", { type: "button", class: "btn btn-ghost", "data-testid": "change-password", text: "Password",
            onclick: () => openPasswordDialog(this.root, (text) => this.toast(text)) }),
          h("button", { type: "button", class: "btn btn-ghost", "data-testid": "sign-out", text: "Sign out",
            onclick: () => this.signOut() }))),
      this.banner,
      h("div", { class: "layout" }, this.sidebar.el, this.chat, this.details),
      this.toasts,
      this.help.el);
    this.renderMe();
    this.showPlaceholder();
  },

  renderMe() {
    const me = this.state.me;
    this.meName.textContent = me.name;
    this.statusSelect.value = me.status;
    this.statusSelect.className = `status-select status-${me.status}`;
    const dot = this.root.querySelector('[data-role="my-dot"]');
    if (dot) dot.className = `dot dot-${me.status}`;
    this.adminLink.hidden = me.role !== "admin";
  },

  showPlaceholder() {
    this.details.hidden = true;
    this.drawer.setAvailable(false);
    this.panel.clear();
    replace(this.chat, h("div", { class: "placeholder" },
      h("p", { text: "Select a conversation, or take one from the queue." })));
  },

  renderLists() {
    this.sidebar.renderConversations(this.state);
    this.sidebar.renderQueue(this.state);
    this.sidebar.renderTeam(this.state);
  },

  /** @param {string} text @param {"info"|"error"} [kind] */
  toast(text, kind = "info") {
    const el = h("div", { class: `toast toast-${kind}`, "data-testid": "toast", text });
    this.toasts.append(el);
    setTimeout(() => el.remove(), TOAST_MS);
  },

  /**
   * The connection banner; empty hides it.
   * @param {string} text
   */
  setBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  },
};

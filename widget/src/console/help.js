// The keyboard shortcuts overlay, opened with "?" (or the top bar's Shortcuts button).
import { h } from "../lib/dom.js";
import { SHORTCUTS } from "./shortcuts.js";

/** A modal list of the shortcuts; Esc, its Close button or a click beside it closes it. */
export class HelpOverlay {
  constructor() {
    /** @type {HTMLElement | null} where the focus goes back to */
    this.returnTo = null;
    this.closeButton = h("button", { type: "button", class: "btn", "data-testid": "shortcuts-close", text: "Close",
      onclick: () => this.close() });
    const rows = SHORTCUTS.map((s) => h("tr", { "data-testid": "shortcut", "data-action": s.action },
      h("td", { class: "keys" }, s.keys.flatMap((k, i) => [i ? " + " : null, h("kbd", { text: k })])),
      h("td", { text: s.label })));
    this.dialog = h("div", { class: "help-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "help-title",
      "data-testid": "shortcuts-help",
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKeyDown(e) },
    h("h2", { id: "help-title", text: "Keyboard shortcuts" }),
    h("table", { class: "help-table" }, h("tbody", {}, rows)),
    h("p", { class: "hint", text: "Esc closes this list. On a Mac, ⌘ works for Ctrl and Option for Alt." }),
    h("div", { class: "help-actions" }, this.closeButton));
    this.el = h("div", { class: "help-backdrop", hidden: true,
      onclick: (/** @type {MouseEvent} */ e) => { if (e.target === this.el) this.close(); } }, this.dialog);
  }

  isOpen() {
    return !this.el.hidden;
  }

  open() {
    if (this.isOpen()) return;
    this.returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.el.hidden = false;
    this.closeButton.focus();
  }

  close() {
    if (!this.isOpen()) return;
    this.el.hidden = true;
    if (this.returnTo && this.returnTo.isConnected) this.returnTo.focus();
    this.returnTo = null;
  }

  /** Esc closes; Tab stays on the one control inside. @param {KeyboardEvent} e */
  onKeyDown(e) {
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      e.stopPropagation();
      if (e.key === "Escape") this.close();
    }
  }
}

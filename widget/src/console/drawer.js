// The side panels (suggestions, visitor details) at 1,100 px or narrower: out of the grid, in a
// drawer over the chat's right edge, one panel at a time, opened by toggles in the top bar. Wider,
// both sit in their own column and the toggles and the drawer's close button are hidden (CSS): the
// composer never leaves the screen because a panel needs room.
import { h } from "../lib/dom.js";

/** @typedef {{key: string, label: string}} PanelTab */

export class PanelDrawer {
  /**
   * @param {HTMLElement} column the details column; its direct children are the panels
   * @param {PanelTab[]} tabs one per panel, in order; `key` matches the column's `data-panel` rules
   */
  constructor(column, tabs) {
    this.column = column;
    this.column.id = this.column.id || "side-panels";
    /** @type {Map<string, HTMLButtonElement>} */
    this.buttons = new Map(tabs.map(({ key, label }) => [key, h("button", {
      type: "button", class: "btn btn-ghost panel-toggle", "data-testid": `panel-toggle-${key}`,
      "aria-controls": this.column.id, "aria-expanded": "false", text: label, onclick: () => this.toggle(key),
    })]));
    this.el = h("div", { class: "panel-toggles", hidden: true }, [...this.buttons.values()]);
    this.closeButton = h("button", { type: "button", class: "btn btn-ghost drawer-close", "data-testid": "drawer-close",
      "aria-label": "Close the side panel", text: "Close ×", onclick: () => this.close() });
    column.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen()) {
        event.stopPropagation();
        this.close();
      }
    });
  }

  isOpen() {
    return this.column.classList.contains("drawer-open");
  }

  /** @param {string} key */
  toggle(key) {
    if (this.isOpen() && this.column.dataset.panel === key) this.close();
    else this.show(key);
  }

  /** @param {string} key */
  show(key) {
    this.column.dataset.panel = key;
    this.column.classList.add("drawer-open");
    for (const [k, button] of this.buttons) button.setAttribute("aria-expanded", String(k === key));
    this.closeButton.focus();
  }

  close() {
    const key = this.column.dataset.panel;
    this.column.classList.remove("drawer-open");
    delete this.column.dataset.panel;
    for (const button of this.buttons.values()) button.setAttribute("aria-expanded", "false");
    const opener = key ? this.buttons.get(key) : undefined;
    if (opener && !this.el.hidden) opener.focus();
  }

  /**
   * Whether there are panels to show (a conversation is open).
   * @param {boolean} available
   */
  setAvailable(available) {
    if (!available && this.isOpen()) this.close();
    this.el.hidden = !available;
  }
}

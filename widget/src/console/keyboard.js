// What each keyboard shortcut (shortcuts.js) does. Where the console has a button for the action,
// the shortcut presses it, so it does exactly what a click does (and nothing a disabled button
// would not).
import { shortcutFor } from "./shortcuts.js";

/**
 * Keyboard shortcuts and their help overlay.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const keyboardMethods = {
  /** @param {KeyboardEvent} e */
  onShortcutKey(e) {
    // Already used (a canned response picked with Enter, an IME confirming a word), or the help
    // overlay is open and has the keyboard.
    if (e.defaultPrevented || e.isComposing || this.help.isOpen()) return;
    const shortcut = shortcutFor(e);
    if (!shortcut) return;
    e.preventDefault();
    this.runShortcut(shortcut.action);
  },

  /** @param {import("./shortcuts.js").Shortcut["action"]} action */
  runShortcut(action) {
    if (action === "next" || action === "previous") this.stepConversation(action === "next" ? 1 : -1);
    else if (action === "send") this.view.composer.sendButton.click();
    else if (action === "insert") this.insertFirstSuggestion();
    else if (action === "close" && this.state.openId) this.view.closeButton.click();
    else if (action === "search") this.focusSearch();
    else if (action === "help") this.help.open();
  },

  /**
   * Open the next (1) or previous (-1) of the agent's conversations, in the sidebar's order,
   * round from the end to the start.
   * @param {number} step
   */
  stepConversation(step) {
    const ids = [...this.state.conversations.keys()];
    if (!ids.length) return;
    const at = this.state.openId ? ids.indexOf(this.state.openId) : -1;
    const next = at < 0 ? (step > 0 ? 0 : ids.length - 1) : (at + step + ids.length) % ids.length;
    this.openConversation(ids[next]);
  },

  insertFirstSuggestion() {
    const button = /** @type {HTMLButtonElement | null} */ (
      this.assistPanel.list.querySelector("[data-testid=assist-insert]:not(:disabled)"));
    if (button && this.state.openId) button.click();
  },

  focusSearch() {
    if (this.details.hidden) {
      this.toast("Open a conversation to search the knowledge base.");
      return;
    }
    this.assistPanel.input.focus();
    this.assistPanel.input.select();
  },
};

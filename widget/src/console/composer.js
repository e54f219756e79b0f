// The message composer: Enter sends, Shift+Enter adds a line, "/shortcut" offers canned responses,
// a toggle turns the message into a private note, and typing is reported to the visitor (throttled).
import { h } from "../lib/dom.js";

const TYPING_THROTTLE_MS = 2000; // at most one typing:true per 2 s
const TYPING_IDLE_MS = 3000; // typing:false after 3 s without a keystroke
const MAX_SUGGESTIONS = 8;
const PLACEHOLDER = "Type a reply… (Enter to send, Shift+Enter for a new line, / for canned responses)";
// The counter shows from this share of the length limit on.
const COUNT_FROM = 0.9;
// A "/word" ending at the caret, at the start of the text or after whitespace.
const SHORTCUT_RE = /(^|\s)\/([^\s/]*)$/;

/** The composer of the conversation view. */
export class Composer {
  /**
   * @param {{onSend: (text: string, isPrivate: boolean) => void,
   *          onTyping: (typing: boolean) => void,
   *          getCanned: () => Array<{id: string, shortcut: string, text: string}>,
   *          onEmptied?: () => void, onEnabled?: (enabled: boolean) => void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.typingActive = false;
    this.lastTypingSent = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.idleTimer = null;
    /** @type {Array<{id: string, shortcut: string, text: string}>} canned responses offered */
    this.matches = [];
    this.active = 0;
    /** @type {{start: number, end: number, query: string} | null} the "/word" they are offered for */
    this.token = null;
    this.textarea = h("textarea", {
      class: "composer-input", "data-testid": "composer", rows: "2", placeholder: PLACEHOLDER,
      "aria-label": "Message",
      oninput: () => this.onInput(),
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKeyDown(e),
      onclick: () => this.updateSuggestions(),
      onblur: () => setTimeout(() => this.closeSuggestions(), 150),
    });
    this.privateToggle = h("input", { type: "checkbox", "data-testid": "private-toggle", onchange: () => this.onPrivateChange() });
    this.sendButton = h("button", { type: "button", class: "btn btn-primary", "data-testid": "send", text: "Send", onclick: () => this.send() });
    this.suggestions = h("ul", { class: "canned-suggestions", "data-testid": "canned-suggestions", role: "listbox", hidden: true });
    /** @type {number} the server's limit (session.limits), in code points */
    this.maxLength = Infinity;
    this.counter = h("span", { class: "composer-count", "data-testid": "composer-count", "aria-live": "polite", hidden: true });
    this.el = h("div", { class: "composer" },
      this.suggestions,
      this.textarea,
      h("div", { class: "composer-bar" },
        h("label", { class: "toggle" }, this.privateToggle, h("span", { text: "Private note" })),
        h("span", { class: "composer-hint", text: "Only agents see private notes" }),
        this.counter,
        this.sendButton));
  }

  /** @param {number} max the longest message the server takes */
  setMaxLength(max) {
    this.maxLength = max;
    this.updateCounter();
  }

  /** Near the limit, show how many characters are left; over it, by how much, and refuse to send. */
  updateCounter() {
    const length = [...this.textarea.value.trim()].length; // code points, as the server counts
    const over = length - this.maxLength;
    this.counter.hidden = length < this.maxLength * COUNT_FROM;
    this.counter.classList.toggle("composer-count--over", over > 0);
    this.counter.textContent = over > 0
      ? `${over} ${over === 1 ? "character" : "characters"} too long (the limit is ${this.maxLength})`
      : `${length} / ${this.maxLength}`;
    return over <= 0;
  }

  /** @param {boolean} enabled @param {string} [placeholder] shown when disabled */
  setEnabled(enabled, placeholder) {
    this.textarea.disabled = !enabled;
    this.sendButton.disabled = !enabled;
    this.privateToggle.disabled = !enabled;
    this.textarea.placeholder = enabled ? PLACEHOLDER : placeholder || "";
    if (!enabled) {
      this.stopTyping();
      this.closeSuggestions();
    }
    if (this.handlers.onEnabled) this.handlers.onEnabled(enabled);
  }

  get draft() {
    return this.textarea.value;
  }

  set draft(text) {
    this.textarea.value = text || "";
    this.autosize();
    this.updateCounter();
  }

  focus() {
    this.textarea.focus();
  }

  /**
   * Put `text` in the composer for the agent to edit: it replaces blank text, or goes after what
   * is there, on a new paragraph. Nothing is sent.
   * @param {string} text
   */
  insertText(text) {
    const current = this.textarea.value.replace(/\s+$/, "");
    this.textarea.value = current ? `${current}\n\n${text}` : text;
    const end = this.textarea.value.length;
    this.textarea.setSelectionRange(end, end);
    this.autosize();
    this.updateCounter();
    this.closeSuggestions();
    this.noteTyping();
    this.focus();
  }

  // --- sending ---

  send() {
    if (this.textarea.disabled) return;
    const text = this.textarea.value.trim();
    if (!text) return;
    if (!this.updateCounter()) {
      this.focus(); // too long: the text stays for the agent to shorten
      return;
    }
    this.stopTyping();
    this.handlers.onSend(text, this.privateToggle.checked);
    this.draft = "";
    this.closeSuggestions();
    this.focus();
  }

  /**
   * Enter sends; arrows, Enter, Tab and Escape work the suggestions while shown.
   * @param {KeyboardEvent} e
   */
  onKeyDown(e) {
    if (e.isComposing || e.keyCode === 229) return; // an IME is composing: Enter confirms it, not the message
    if (!this.suggestions.hidden && this.onSuggestionKey(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.send();
    }
  }

  onInput() {
    this.autosize();
    this.updateCounter();
    this.updateSuggestions();
    if (this.textarea.value.trim()) {
      this.noteTyping();
    } else {
      this.stopTyping();
      if (this.handlers.onEmptied) this.handlers.onEmptied();
    }
  }

  autosize() {
    this.textarea.style.height = "auto";
    this.textarea.style.height = `${Math.min(this.textarea.scrollHeight + 2, 200)}px`;
  }

  onPrivateChange() {
    this.el.classList.toggle("composer--private", this.privateToggle.checked);
    // Writing a note is not something the visitor should see as "typing".
    if (this.privateToggle.checked) this.stopTyping();
    this.focus();
  }

  // --- typing indicator for the visitor ---

  noteTyping() {
    if (this.privateToggle.checked) return;
    const now = Date.now();
    if (now - this.lastTypingSent >= TYPING_THROTTLE_MS) {
      this.lastTypingSent = now;
      this.typingActive = true;
      this.handlers.onTyping(true);
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  /** Tell the visitor we stopped typing (if we said we were). */
  stopTyping() {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.typingActive) return;
    this.typingActive = false;
    this.handlers.onTyping(false);
  }

  // --- canned responses ---

  /** The "/word" being typed at the caret: its start index and the word, or null. */
  shortcutAtCaret() {
    const ta = this.textarea;
    if (ta.selectionStart !== ta.selectionEnd) return null;
    const before = ta.value.slice(0, ta.selectionStart);
    const m = before.match(SHORTCUT_RE);
    if (!m) return null;
    return { start: before.length - m[2].length - 1, end: ta.selectionStart, query: m[2].toLowerCase() };
  }

  updateSuggestions() {
    const token = this.shortcutAtCaret();
    const canned = token ? this.handlers.getCanned() : [];
    const query = token ? token.query : "";
    this.matches = canned
      .filter((c) => normaliseShortcut(c.shortcut).startsWith(query))
      .slice(0, MAX_SUGGESTIONS);
    this.token = token;
    this.active = 0;
    this.renderSuggestions();
  }

  renderSuggestions() {
    this.suggestions.replaceChildren(...this.matches.map((c, i) => h("li", {
      class: i === this.active ? "canned-option active" : "canned-option",
      role: "option",
      "aria-selected": String(i === this.active),
      "data-testid": "canned-suggestion",
      // mousedown, not click: keep the textarea's focus and caret.
      onmousedown: (/** @type {MouseEvent} */ e) => {
        e.preventDefault();
        this.pick(i);
      },
    }, h("span", { class: "canned-shortcut", text: `/${normaliseShortcut(c.shortcut)}` }),
       h("span", { class: "canned-text", text: c.text }))));
    this.suggestions.hidden = this.matches.length === 0;
  }

  /**
   * Keyboard handling while suggestions are shown; true if the key was used.
   * @param {KeyboardEvent} e
   */
  onSuggestionKey(e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const step = e.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.matches.length) % this.matches.length;
      this.renderSuggestions();
    } else if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
      this.pick(this.active);
    } else if (e.key === "Escape") {
      this.closeSuggestions();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  /**
   * Replace the "/shortcut" at the caret with canned response `i`, for the agent to edit.
   * @param {number} i
   */
  pick(i) {
    const canned = this.matches[i];
    const token = this.token;
    if (!canned || !token) return;
    const value = this.textarea.value;
    this.textarea.value = value.slice(0, token.start) + canned.text + value.slice(token.end);
    const caret = token.start + canned.text.length;
    this.textarea.setSelectionRange(caret, caret);
    this.closeSuggestions();
    this.autosize();
    this.noteTyping();
    this.focus();
  }

  closeSuggestions() {
    this.matches = [];
    this.token = null;
    this.suggestions.hidden = true;
    this.suggestions.replaceChildren();
  }
}

// Shortcuts may be stored as "hello" or "/hello"; compare without the slash.
/** @param {string} shortcut */
function normaliseShortcut(shortcut) {
  return String(shortcut || "").replace(/^\//, "").toLowerCase();
}

// Flashes document.title to get an agent's attention from another tab, until they look at the page.

const FLASH_MS = 1000;

/**
 * Alternates the title between "(N) New chat — Tandem" and "(N) <base title>", N being the number of
 * conversations that want attention. "New chat" wins over "New message" while any chat is new.
 */
export class TitleFlasher {
  /** @param {string} baseTitle */
  constructor(baseTitle) {
    this.baseTitle = baseTitle;
    /** @type {Set<string>} */
    this.conversations = new Set();
    this.newChat = false;
    /** @type {ReturnType<typeof setInterval> | null} */
    this.timer = null;
    this.on = false;
    this.stop = this.stop.bind(this);
    // Any sign that the agent is looking at the page ends the flash.
    window.addEventListener("focus", this.stop);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.stop();
    });
    document.addEventListener("pointerdown", this.stop, true);
    document.addEventListener("keydown", this.stop, true);
  }

  /**
   * Start (or continue) flashing for conversation `conversationId`.
   * @param {"chat"|"message"} kind a newly assigned chat, or a new message
   * @param {string} conversationId
   */
  flash(kind, conversationId) {
    this.conversations.add(conversationId);
    if (kind === "chat") this.newChat = true;
    this.on = true;
    this.render();
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.on = !this.on;
        this.render();
      }, FLASH_MS);
    }
  }

  /** Stop flashing and restore the base title. */
  stop() {
    if (!this.timer && !this.conversations.size) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.conversations.clear();
    this.newChat = false;
    document.title = this.baseTitle;
  }

  render() {
    // Both phases keep the count, so the tab always shows that something is waiting.
    const count = this.conversations.size;
    const label = this.newChat ? (count > 1 ? "New chats" : "New chat") : count > 1 ? "New messages" : "New message";
    document.title = this.on ? `(${count}) ${label} — Tandem` : `(${count}) ${this.baseTitle}`;
  }
}

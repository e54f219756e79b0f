// Flashes document.title to get an agent's attention from another tab, until they look at the page.

const FLASH_MS = 1000;

/** Alternates the title between "(N) New chat — Tandem" and "(N) <base title>". */
export class TitleFlasher {
  /** @param {string} baseTitle */
  constructor(baseTitle) {
    this.baseTitle = baseTitle;
    this.count = 0;
    this.label = "";
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
   * Start (or continue) flashing; each call adds one to the count.
   * @param {string} label e.g. "New chat" or "New message"
   */
  flash(label) {
    this.count += 1;
    this.label = label;
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
    if (!this.timer && !this.count) return;
    clearInterval(this.timer);
    this.timer = null;
    this.count = 0;
    document.title = this.baseTitle;
  }

  render() {
    // Both phases keep the count, so the tab always shows that something is waiting.
    document.title = this.on ? `(${this.count}) ${this.label} — Tandem` : `(${this.count}) ${this.baseTitle}`;
  }
}

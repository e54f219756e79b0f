// Telling an agent whose console is in a background tab that a chat was assigned or a visitor
// wrote: a short tone made with the Web Audio API (no sound file to download), and a desktop
// notification (the browser's Notification API, used only after the agent turned it on, which is
// when the browser asks for its permission: never on load). What the agent wants is kept by the
// server (docs/protocol.md, Preferences); the panel here shows and changes it.
import { h } from "../lib/dom.js";

const TONE_GAIN = 0.18;
const NOTE_SECONDS = 0.12;
const BODY_CHARS = 140;
/** The notes of each tone, in Hz: two rising notes for a new chat, one for a message. */
const NOTES = { chat: [660, 880], message: [880] };

/** The console's tones. */
export class Chime {
  constructor() {
    /** @type {AudioContext | null} */
    this.context = null;
    // Browsers start audio only after the person has used the page: be ready from their first
    // click or key, so a tone can play later while the tab is in the background.
    this.unlock = this.unlock.bind(this);
    document.addEventListener("pointerdown", this.unlock, true);
    document.addEventListener("keydown", this.unlock, true);
  }

  unlock() {
    if (!this.context && typeof AudioContext === "function") this.context = new AudioContext();
    if (this.context && this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  /** @param {"chat" | "message"} kind */
  play(kind) {
    this.unlock();
    const ctx = this.context;
    if (!ctx) return;
    NOTES[kind].forEach((frequency, i) => {
      const start = ctx.currentTime + i * (NOTE_SECONDS + 0.03);
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(TONE_GAIN, start + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + NOTE_SECONDS);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + NOTE_SECONDS + 0.01);
    });
  }

  stop() {
    document.removeEventListener("pointerdown", this.unlock, true);
    document.removeEventListener("keydown", this.unlock, true);
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
  }
}

/** "granted", "denied", "default", or "unsupported" in a browser without notifications. */
export function desktopPermission() {
  return typeof Notification === "function" ? Notification.permission : "unsupported";
}

/**
 * Ask the browser's permission; only ever called from the agent's own click.
 * @returns {Promise<string>}
 */
export async function askDesktopPermission() {
  if (typeof Notification !== "function") return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch (e) {
    return "denied";
  }
}

/**
 * Show a desktop notification, if the browser lets us; clicking it brings the console back.
 * @param {string} title
 * @param {string} body
 * @param {string} tag one notification per conversation: a newer one replaces it
 * @param {() => void} onClick
 */
export function showDesktop(title, body, tag, onClick) {
  if (desktopPermission() !== "granted") return;
  const text = body.length > BODY_CHARS ? `${body.slice(0, BODY_CHARS - 1)}…` : body;
  // silent: the console plays its own tone, when the agent wants one.
  const note = new Notification(title, { body: text, tag, silent: true });
  note.onclick = () => {
    window.focus();
    onClick();
    note.close();
  };
}

const BLOCKED = "Your browser blocks notifications from this page. Allow them in the site settings, then try again.";
const UNSUPPORTED = "This browser cannot show desktop notifications.";

/** The Notifications button of the top bar and its panel of switches. */
export class NotifyPanel {
  /** @param {{onChange: (name: "sound" | "desktop", on: boolean) => void}} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.sound = h("input", { type: "checkbox", "data-testid": "pref-sound",
      onchange: () => this.handlers.onChange("sound", this.sound.checked) });
    this.desktop = h("input", { type: "checkbox", "data-testid": "pref-desktop",
      onchange: () => this.handlers.onChange("desktop", this.desktop.checked) });
    this.allow = h("button", { type: "button", class: "btn btn-small", "data-testid": "notify-allow", hidden: true,
      text: "Allow in this browser", onclick: () => this.handlers.onChange("desktop", true) });
    this.hint = h("p", { class: "hint notify-hint", role: "status", "data-testid": "notify-hint", hidden: true });
    this.panel = h("div", { class: "notify-panel", id: "notify-panel", "data-testid": "notify-panel", hidden: true,
      role: "group", "aria-label": "Notifications",
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKeyDown(e) },
    h("p", { class: "notify-lead", text: "When this tab is in the background and a chat is assigned to you or a visitor writes:" }),
    h("label", { class: "toggle" }, this.sound, h("span", { text: "Play a sound" })),
    h("label", { class: "toggle" }, this.desktop, h("span", { text: "Show a desktop notification" })),
    this.allow,
    this.hint);
    this.button = h("button", { type: "button", class: "btn btn-ghost", "data-testid": "notify-button",
      "aria-expanded": "false", "aria-controls": "notify-panel", text: "Notifications",
      onclick: () => this.toggle(!!this.panel.hidden) });
    this.el = h("div", { class: "notify" }, this.button, this.panel);
    /** A click anywhere else closes the panel. @param {Event} e */
    this.onOutside = (e) => {
      if (!(e.target instanceof Node) || !this.el.contains(e.target)) this.toggle(false);
    };
  }

  /** @param {boolean} open */
  toggle(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) {
      document.addEventListener("pointerdown", this.onOutside, true);
      this.sound.focus();
    } else {
      document.removeEventListener("pointerdown", this.onOutside, true);
    }
  }

  /** Esc closes the panel and gives the focus back to its button. @param {KeyboardEvent} e */
  onKeyDown(e) {
    if (e.key !== "Escape") return;
    e.preventDefault();
    this.toggle(false);
    this.button.focus();
  }

  /**
   * Show the agent's preferences as the server has them, and whether this browser can follow them.
   * @param {import("./state.js").Preferences} prefs
   */
  setPreferences(prefs) {
    const permission = desktopPermission();
    this.sound.checked = !!prefs.sound;
    this.desktop.checked = !!prefs.desktop && permission !== "unsupported";
    this.desktop.disabled = permission === "unsupported";
    this.allow.hidden = !(prefs.desktop && permission === "default");
    if (permission === "unsupported") this.say(UNSUPPORTED);
    else if (prefs.desktop && permission === "denied") this.say(BLOCKED);
    else if (prefs.desktop && permission === "default") this.say("Desktop notifications are on for your account; this browser has not allowed them yet.");
    else this.say("");
  }

  /** The browser said no (or cannot): say why. @param {string} permission */
  refused(permission) {
    this.say(permission === "unsupported" ? UNSUPPORTED : BLOCKED);
  }

  /** @param {string} text empty to hide */
  say(text) {
    this.hint.textContent = text;
    this.hint.hidden = !text;
  }
}

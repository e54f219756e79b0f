// The agent console: a ConsoleApp owns the state, the views and the Socket.IO connection. Its
// methods live in modules by responsibility and are mixed into its prototype here:
//   layout.js    building and redrawing the page (top bar, banner, columns, toasts)
//   events.js    the connection and the server's events
//   delivery.js  messages in (live, replayed, acknowledged; sync) and out (send, resend)
//   actions.js   what the agent does: open, take, transfer, close, set status
//   assisting.js the agent assist: suggestions, Insert / Not helpful, search, feedback
//   notifying.js a tone and desktop notifications while in the background; the agent's preferences
//   keyboard.js  the keyboard shortcuts (the list of them is shortcuts.js)
import { signOut } from "../lib/auth.js";
import { ConsoleState } from "./state.js";
import { layoutMethods } from "./layout.js";
import { eventMethods } from "./events.js";
import { deliveryMethods } from "./delivery.js";
import { actionMethods } from "./actions.js";
import { assistMethods } from "./assisting.js";
import { notifyMethods } from "./notifying.js";
import { keyboardMethods } from "./keyboard.js";
import { Chime } from "./notify.js";

const QUEUE_REFRESH_MS = 15000; // waiting times in the queue tick

/** @typedef {import("./types.js").App} App */
/** @typedef {{flasher: import("./title.js").TitleFlasher, onSignedOut: (notice?: string) => void}} Options */

/**
 * Start the console for a signed-in agent.
 * @param {HTMLElement} root
 * @param {import("../lib/types.js").Agent} agent the agent from /api/me or /api/login
 * @param {Options} opts
 * @returns {App}
 */
export function startConsole(root, agent, opts) {
  // The methods are mixed into the prototype below, which the type checker cannot follow.
  const app = /** @type {App} */ (new ConsoleApp(root, agent, opts));
  app.start();
  return app;
}

export class ConsoleApp {
  /**
   * @param {HTMLElement} root
   * @param {import("../lib/types.js").Agent} agent
   * @param {Options} opts
   */
  constructor(root, agent, { flasher, onSignedOut }) {
    this.root = root;
    this.flasher = flasher;
    this.onSignedOut = onSignedOut;
    this.state = new ConsoleState(agent);
    /** @type {Map<string, string>} unsent composer text, by conversation id */
    this.drafts = new Map();
    /** @type {Map<string, {promise: Promise<void>, again: boolean}>} */
    this.syncs = new Map();
    /** @type {Map<string, ReturnType<typeof setTimeout>>} */
    this.typingTimers = new Map();
    /** @type {Map<string, {again: boolean}>} read marks on their way to the server, by conversation */
    this.readMarks = new Map();
    /** @type {Array<ReturnType<typeof setInterval>>} */
    this.timers = [];
    this.sessions = 0;
    this.ended = false; // the session is over: the sign-in form is (about to be) shown
    this.onVisibility = () => /** @type {App} */ (/** @type {unknown} */ (this)).markOpenSeen();
    this.onKey = (/** @type {KeyboardEvent} */ e) => /** @type {App} */ (/** @type {unknown} */ (this)).onShortcutKey(e);
    this.chime = new Chime();
  }

  /** @this {App} */
  start() {
    this.buildLayout();
    this.loadCanned();
    this.connect();
    this.timers.push(setInterval(() => this.sidebar.renderQueue(this.state), QUEUE_REFRESH_MS));
    document.addEventListener("visibilitychange", this.onVisibility);
    window.addEventListener("focus", this.onVisibility);
    document.addEventListener("keydown", this.onKey);
  }

  /** @this {App} */
  async signOut() {
    this.shutdown();
    await signOut();
    this.onSignedOut();
  }

  /**
   * Disconnect and stop every timer and listener, before the page shows the sign-in form.
   * @this {App}
   */
  shutdown() {
    if (this.state.openId) this.view.composer.stopTyping();
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.disconnect();
    }
    this.timers.forEach(clearInterval);
    this.typingTimers.forEach(clearTimeout);
    this.panel.stopClock();
    this.flasher.stop();
    document.removeEventListener("visibilitychange", this.onVisibility);
    window.removeEventListener("focus", this.onVisibility);
    document.removeEventListener("keydown", this.onKey);
    this.chime.stop();
  }
}

Object.assign(ConsoleApp.prototype, layoutMethods, eventMethods, deliveryMethods, actionMethods, assistMethods,
  notifyMethods, keyboardMethods);

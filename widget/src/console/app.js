// The agent console: a ConsoleApp owns the state, the views and the Socket.IO connection. Its
// methods live in modules by responsibility and are mixed into its prototype here:
//   layout.js    building and redrawing the page (top bar, banner, columns, toasts)
//   events.js    the connection and the server's events
//   delivery.js  messages in (live, replayed, acknowledged; sync) and out (send, resend)
//   actions.js   what the agent does: open, take, transfer, close, set status
//   assisting.js the agent assist: suggestions, Insert / Not helpful, search, feedback
import { signOut } from "../lib/auth.js";
import { ConsoleState } from "./state.js";
import { layoutMethods } from "./layout.js";
import { eventMethods } from "./events.js";
import { deliveryMethods } from "./delivery.js";
import { actionMethods } from "./actions.js";
import { assistMethods } from "./assisting.js";

const QUEUE_REFRESH_MS = 15000; // waiting times in the queue tick

/**
 * Start the console for a signed-in agent.
 * @param {HTMLElement} root
 * @param {object} agent the agent from /api/me or /api/login
 * @param {{flasher: import("./title.js").TitleFlasher, onSignedOut: () => void}} opts
 * @returns {ConsoleApp}
 */
export function startConsole(root, agent, opts) {
  const app = new ConsoleApp(root, agent, opts);
  app.start();
  return app;
}

class ConsoleApp {
  constructor(root, agent, { flasher, onSignedOut }) {
    this.root = root;
    this.flasher = flasher;
    this.onSignedOut = onSignedOut;
    this.state = new ConsoleState(safeStorage());
    this.state.me = agent;
    this.drafts = new Map();
    this.syncs = new Map();
    this.typingTimers = new Map();
    this.timers = [];
    this.sessions = 0;
    this.onVisibility = () => this.markOpenSeen();
  }

  start() {
    this.buildLayout();
    this.loadCanned();
    this.connect();
    this.timers.push(setInterval(() => this.sidebar.renderQueue(this.state), QUEUE_REFRESH_MS));
    document.addEventListener("visibilitychange", this.onVisibility);
    window.addEventListener("focus", this.onVisibility);
  }

  async signOut() {
    this.shutdown();
    await signOut();
    this.onSignedOut();
  }

  /** Disconnect and stop every timer and listener, before the page shows the sign-in form. */
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
  }
}

Object.assign(ConsoleApp.prototype, layoutMethods, eventMethods, deliveryMethods, actionMethods, assistMethods);

function safeStorage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null; // storage disabled: unread counts still work for this page's lifetime
  }
}

// The widget's Socket.IO connection to the /visitor namespace (docs/protocol.md), the visitor's
// token that it authenticates with, and the page and time zone it reports.
import { io } from "socket.io-client";

const TOKEN_KEY = "tandem.visitor_token";
const LEFT_KEY = "tandem.left_message";

// localStorage throws in some privacy modes and sandboxed frames: fall back to this page's memory.
/** @type {string | null} */
let memoryToken = null;

/** The visitor's token from an earlier session, if any. */
export function loadToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch (e) {
    return memoryToken;
  }
}

/**
 * Keep `token` for the next (re)connect; null forgets it.
 * @param {string | null} token
 */
export function saveToken(token) {
  memoryToken = token;
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    // memoryToken keeps it for this page.
  }
}

/** @type {string | null} */
let memoryLeft = null;

/**
 * Remember that conversation `id` was a message left while no one was available (and the email
 * to reply to), so a reload still says so instead of a place in line.
 * @param {string} id
 * @param {string | null} email
 */
export function rememberLeftMessage(id, email) {
  memoryLeft = JSON.stringify({ id, email });
  try {
    localStorage.setItem(LEFT_KEY, memoryLeft);
  } catch (e) {
    // memoryLeft keeps it for this page.
  }
}

/**
 * Whether conversation `id` was a left message: null if not, else the email given (or "").
 * @param {string} id
 * @returns {string | null}
 */
export function leftMessageEmail(id) {
  let raw = memoryLeft;
  try {
    raw = localStorage.getItem(LEFT_KEY) || memoryLeft;
  } catch (e) {
    // memoryLeft it is.
  }
  try {
    const left = raw ? JSON.parse(raw) : null;
    return left && left.id === id ? left.email || "" : null;
  } catch (e) {
    return null;
  }
}

/** The page the visitor is on, as conversation.start and page.view report it. */
export function page() {
  return { url: location.href, title: document.title, referrer: document.referrer };
}

/** The visitor's IANA time zone, or undefined where the browser cannot tell. */
export function timezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return undefined;
  }
}

/**
 * Open the visitor's connection to the Tandem server that served widget.js.
 * @param {{origin: string, prefix: string}} server
 * @returns {import("socket.io-client").Socket}
 */
export function connect(server) {
  return io(server.origin + "/visitor", {
    path: server.prefix + "/socket.io/",
    // A function, so every reconnect sends the token stored by then (a first session stores one).
    auth: (cb) => cb({ token: loadToken() }),
    transports: ["websocket", "polling"],
    // Fall back to long-polling where a proxy blocks WebSockets, instead of retrying WebSocket only.
    tryAllTransports: true,
  });
}

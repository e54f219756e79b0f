// Renders message text into the DOM as text only: nothing typed by a visitor or agent ever becomes
// markup. URLs become links, built with DOM calls (never innerHTML) and only for http(s) schemes.

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that usually ends a sentence rather than a URL.
const TRAILING_PUNCT = /[.,;:!?)\]]+$/;

/**
 * Append `text` to `el` as text nodes, with http(s) URLs as safe links.
 * @param {HTMLElement} el
 * @param {string} text
 */
export function renderText(el, text) {
  const doc = el.ownerDocument;
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    const trail = url.match(TRAILING_PUNCT);
    if (trail) url = url.slice(0, -trail[0].length);
    const start = match.index;
    if (start > last) el.appendChild(doc.createTextNode(text.slice(last, start)));
    const a = doc.createElement("a");
    a.href = url;
    a.textContent = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    el.appendChild(a);
    last = start + url.length;
  }
  if (last < text.length) el.appendChild(doc.createTextNode(text.slice(last)));
}

/** A random RFC 4122 version 4 id, for a message's client_id. */
export function uuid4() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Keeps one conversation's messages in seq order without duplicates, whether they arrive live,
 * in a replay, or both.
 */
export class Stream {
  constructor() {
    /** @type {Map<number, import("./types.js").Message>} */
    this.bySeq = new Map();
    this.lastSeq = 0;
  }

  /**
   * Adds a message; returns false if its seq was already held.
   * @param {import("./types.js").Message} message
   */
  add(message) {
    if (this.bySeq.has(message.seq)) return false;
    this.bySeq.set(message.seq, message);
    if (message.seq > this.lastSeq) this.lastSeq = message.seq;
    return true;
  }

  /**
   * True when `message` skips past the next seq expected (private ones are not counted).
   * @param {{seq: number}} message
   */
  isAhead(message) {
    return message.seq > this.lastSeq + 1;
  }

  ordered() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}

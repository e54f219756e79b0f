// The visitor details panel: who the visitor is, where they are on the site, and their history.
import { h, replace } from "../lib/dom.js";
import { formatDateTime, localTimeIn, summariseUserAgent, visitorName } from "./format.js";

/** @typedef {import("./state.js").Visitor} Visitor */

/** The right-hand panel; `show` re-renders it, the local time refreshes every minute. */
export class VisitorPanel {
  constructor() {
    this.el = h("section", { class: "visitor-details", "data-testid": "visitor-details", "aria-label": "Visitor details" });
    /** @type {Visitor | null} */
    this.visitor = null;
    /** @type {string | null} */
    this.conversationId = null;
    /** @type {ReturnType<typeof setTimeout> | null} a timeout, then an interval */
    this.clock = null;
  }

  /** Show a placeholder while `visitor.get` is on its way. */
  loading() {
    this.stopClock();
    replace(this.el, h("h2", { text: "Visitor" }), h("p", { class: "muted", text: "Loading…" }));
  }

  /** @param {string} message */
  failed(message) {
    this.stopClock();
    replace(this.el, h("h2", { text: "Visitor" }), h("p", { class: "muted", text: message }));
  }

  /**
   * Render the details of `visitor` for the open conversation `conversationId`.
   * @param {Visitor} visitor
   * @param {string} conversationId
   */
  show(visitor, conversationId) {
    this.visitor = visitor;
    this.conversationId = conversationId;
    const page = visitor.page || {};
    this.timeCell = h("dd", { "data-testid": "visitor-local-time" });
    replace(this.el,
      h("h2", { text: visitorName(visitor) }),
      h("dl", { class: "details" },
        row("Email", visitor.email ? link(`mailto:${visitor.email}`, visitor.email, "visitor-email") : dash()),
        row("Page", pageCell(page)),
        row("Referrer", page.referrer ? externalLink(page.referrer) : dash()),
        row("Browser", h("span", { title: visitor.user_agent || "", text: summariseUserAgent(visitor.user_agent) })),
        h("dt", { text: "Local time" }), this.timeCell,
        visitor.ip ? row("IP address", h("span", { text: visitor.ip })) : null),
      earlierConversations(visitor.conversations || [], conversationId));
    this.tick();
    this.startClock();
  }

  tick() {
    if (!this.timeCell || !this.visitor) return;
    this.timeCell.textContent = localTimeIn(this.visitor.timezone) || "Unknown";
  }

  startClock() {
    this.stopClock();
    // Align to the next minute so the shown time changes when the visitor's clock does.
    const untilNextMinute = 60000 - (Date.now() % 60000);
    this.clock = setTimeout(() => {
      this.tick();
      this.clock = setInterval(() => this.tick(), 60000);
    }, untilNextMinute);
  }

  stopClock() {
    if (this.clock) {
      clearTimeout(this.clock);
      clearInterval(this.clock);
    }
    this.clock = null;
  }

  clear() {
    this.stopClock();
    this.visitor = null;
    this.conversationId = null;
    this.el.replaceChildren();
  }
}

/**
 * @param {string} label
 * @param {Node} value
 */
function row(label, value) {
  return [h("dt", { text: label }), h("dd", {}, value)];
}

function dash() {
  return h("span", { class: "muted", text: "—" });
}

/**
 * @param {string} href
 * @param {string} text
 * @param {string} testid
 */
function link(href, text, testid) {
  return h("a", { href, text, "data-testid": testid });
}

// Only http(s) URLs become links: a visitor controls these values.
/**
 * @param {string} url
 * @param {string} [text]
 */
function externalLink(url, text) {
  if (!/^https?:\/\//i.test(url)) return h("span", { class: "break", text: text || url });
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", class: "break", text: text || url });
}

/**
 * @param {NonNullable<Visitor["page"]>} page
 */
function pageCell(page) {
  if (!page.url && !page.title) return dash();
  return h("div", { class: "page-cell" },
    page.title ? h("div", { class: "page-title", "data-testid": "visitor-page-title", text: page.title }) : null,
    page.url ? h("div", { "data-testid": "visitor-page-url" }, externalLink(page.url)) : null);
}

/**
 * @param {NonNullable<Visitor["conversations"]>} conversations
 * @param {string} currentId
 */
function earlierConversations(conversations, currentId) {
  const earlier = conversations.filter((c) => c.id !== currentId);
  const section = h("div", { class: "earlier" }, h("h3", { text: "Earlier conversations" }));
  if (!earlier.length) {
    section.append(h("p", { class: "muted", text: "None" }));
    return section;
  }
  section.append(h("ul", { class: "earlier-list", "data-testid": "earlier-conversations" },
    earlier.map((c) => h("li", {},
      h("a", { href: `/console/transcripts/${encodeURIComponent(c.id)}`, target: "_blank", "data-testid": "transcript-link",
        text: formatDateTime(c.created_at) || c.id }),
      h("span", { class: `badge badge-${c.status}`, text: c.status })))));
  return section;
}

// The left column: the agent's conversations (with unread counts), the queue and the team.
import { h, replace } from "../lib/dom.js";
import { formatElapsed, visitorName } from "./format.js";

/** Renders the lists; the controller calls the render methods whenever the data changes. */
export class Sidebar {
  /** @param {{onOpen: (id: string) => void, onTake: (id: string, button: HTMLButtonElement, overCapacity: boolean) => void}} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.mine = h("ul", { class: "conv-list", "data-testid": "my-conversations" });
    this.queue = h("ul", { class: "conv-list", "data-testid": "queue" });
    this.team = h("ul", { class: "team-list", "data-testid": "team" });
    this.mineCount = h("span", { class: "count" });
    this.queueCount = h("span", { class: "count" });
    this.capacityNote = h("p", { class: "capacity-note", "data-testid": "capacity-note", hidden: true });
    this.el = h("aside", { class: "sidebar" },
      h("section", {}, h("h2", {}, "My conversations", this.mineCount), this.mine),
      h("section", {}, h("h2", {}, "Queue", this.queueCount), this.capacityNote, this.queue),
      h("section", {}, h("h2", { text: "Team" }), this.team));
  }

  /** @param {import("./state.js").ConsoleState} state */
  renderConversations(state) {
    const convs = [...state.conversations.values()];
    this.mineCount.textContent = String(convs.filter((c) => c.status !== "closed").length);
    if (!convs.length) {
      replace(this.mine, h("li", { class: "empty", text: "No conversations yet" }));
      return;
    }
    replace(this.mine, convs.map((c) => this.conversationItem(c, state)));
  }

  /**
   * One of my conversations: name, unread count, the latest text (or "typing…").
   * @param {import("./state.js").Conversation} conv
   * @param {import("./state.js").ConsoleState} state
   */
  conversationItem(conv, state) {
    const unread = state.unreadCount(conv.id);
    const last = lastPreview(state.stream(conv.id), conv);
    const item = h("li", {
      class: `conv-item${conv.id === state.openId ? " active" : ""}${unread ? " unread" : ""}`,
      "data-testid": "conversation-item",
      "data-conversation-id": conv.id,
      "data-status": conv.status,
    }, h("button", { type: "button", class: "conv-open", onclick: () => this.handlers.onOpen(conv.id) },
      h("span", { class: "conv-top" },
        h("span", { class: "conv-name", text: visitorName(conv.visitor) }),
        conv.status === "closed" ? h("span", { class: "badge badge-closed", text: "closed" }) : null,
        h("span", { class: "unread-count", "data-testid": "unread-count", hidden: !unread, text: String(unread),
          "aria-label": `${unread} unread` })),
      h("span", { class: "conv-preview", text: last || "No messages yet" })));
    if (state.isTyping(conv.id)) /** @type {HTMLElement} */ (item.querySelector(".conv-preview")).textContent = "typing…";
    return item;
  }

  /** @param {import("./state.js").ConsoleState} state */
  renderQueue(state) {
    this.queueCount.textContent = String(state.queue.length);
    // Whether a take would be over capacity, shown before the click (admins may, and it is recorded).
    const me = state.me;
    const load = (me && me.load) || 0;
    const capacity = me && me.capacity ? me.capacity : Infinity;
    const full = load >= capacity;
    const admin = !!me && me.role === "admin";
    this.capacityNote.hidden = !full;
    this.capacityNote.textContent = full
      ? `You are at your capacity (${load} of ${capacity} chats)${admin ? ": as an admin you may still take one." : ". Close a chat to take another."}`
      : "";
    if (!state.queue.length) {
      replace(this.queue, h("li", { class: "empty", text: "Nobody is waiting" }));
      return;
    }
    const now = Date.now();
    replace(this.queue, state.queue.map((c) => h("li", {
      class: "queue-item", "data-testid": "queue-item", "data-conversation-id": c.id,
    },
    h("div", { class: "conv-top" },
      h("span", { class: "conv-name", text: visitorName(c.visitor) }),
      h("span", { class: "waiting", "data-testid": "waiting-time", title: "Waiting for",
        text: formatElapsed(c.queued_at || c.created_at, now) })),
    h("div", { class: "conv-preview", text: (c.last_message && c.last_message.text) || "No messages yet" }),
    h("div", { class: "queue-actions" },
      h("span", { class: "take-error", role: "alert", hidden: true }),
      // Read it before taking it: the transcript page follows it live while it waits.
      h("a", { class: "btn btn-small btn-ghost", "data-testid": "preview", text: "Preview", target: "_blank", rel: "noopener",
        href: `/console/transcripts/${encodeURIComponent(c.id)}`, "aria-label": `Preview the chat with ${visitorName(c.visitor)}` }),
      h("button", {
        type: "button", class: "btn btn-small btn-primary", "data-testid": "take",
        text: full ? (admin ? "Take over capacity" : "At capacity") : "Take",
        disabled: full && !admin,
        title: full ? `You hold ${load} of ${capacity} chats` : "",
        onclick: (/** @type {MouseEvent} */ e) =>
          this.handlers.onTake(c.id, /** @type {HTMLButtonElement} */ (e.currentTarget), full && admin) })))));
  }

  /** @param {import("./state.js").ConsoleState} state */
  renderTeam(state) {
    replace(this.team, state.agents.map((a) => h("li", { class: "team-member", "data-agent-id": a.id },
      h("span", { class: `dot dot-${a.connected === false ? "offline" : a.status}`, title: a.connected === false ? "not connected" : a.status }),
      h("span", { class: "team-name", text: a.id === (state.me && state.me.id) ? `${a.name} (you)` : a.name }),
      h("span", { class: "team-load", title: "Load / capacity", text: `${a.load ?? 0}/${a.capacity ?? 0}` }))));
  }
}

// The newest visitor or agent text in the stream, else the server's last_message.
/**
 * @param {import("../lib/text.js").Stream} stream
 * @param {import("./state.js").Conversation} conv
 */
function lastPreview(stream, conv) {
  /** @type {import("../lib/types.js").Message | null} */
  let latest = null;
  for (const m of stream.bySeq.values()) {
    if (m.type !== "event" && (!latest || m.seq > latest.seq)) latest = m;
  }
  if (latest) return latest.private ? `Note: ${latest.text}` : latest.text;
  return conv.last_message ? conv.last_message.text : "";
}

// The console's data: the agent's conversations, the queue, the team, each conversation's message
// stream, unsent messages, how far the agent has read each one and their notification preferences.
// No DOM here.
import { Stream } from "../lib/text.js";

/** @typedef {import("../lib/types.js").Agent} Agent */
/**
 * @typedef {object} Conversation the agent's view of a conversation (docs/protocol.md)
 * @property {string} id
 * @property {"queued" | "assigned" | "closed"} status
 * @property {{id: string, name: string} | null} [agent]
 * @property {{id: string, name?: string | null, email?: string | null}} visitor
 * @property {string} created_at
 * @property {string | null} [queued_at]
 * @property {string | null} [assigned_at]
 * @property {string | null} [closed_at]
 * @property {number} [last_seq]
 * @property {{text: string, created_at: string} | null} [last_message]
 */
/**
 * @typedef {object} Visitor a visitor's details (agents only, docs/protocol.md)
 * @property {string} id
 * @property {string | null} [name]
 * @property {string | null} [email]
 * @property {{url?: string, title?: string, referrer?: string} | null} [page]
 * @property {string | null} [user_agent]
 * @property {string | null} [timezone]
 * @property {string | null} [ip]
 * @property {Array<{id: string, status: string, created_at: string, closed_at?: string | null}>} [conversations]
 */
/** @typedef {import("../lib/types.js").Suggestion} Suggestion */
/**
 * @typedef {object} Pending an agent's message sent but not yet acknowledged (delivery.js)
 * @property {string} client_id
 * @property {string} conversation_id
 * @property {string} text
 * @property {boolean} private
 * @property {"text" | "note"} type
 * @property {import("../lib/types.js").Author} author
 * @property {string} created_at
 * @property {"sending" | "sent" | "error"} state
 * @property {string} [error]
 * @property {boolean} inflight
 * @property {{article_id: string, draft: string} | null} assist
 */
/** @typedef {{forSeq: number, suggestions: Suggestion[], dismissed: Set<string>}} HeldSuggestions */
/** @typedef {{conversation_id: string, last_read_seq: number, unread: number}} ReadState docs/protocol.md */
/** @typedef {{sound: boolean, desktop: boolean}} Preferences docs/protocol.md */

/** Everything the console knows, kept in sync from `session` and live events. */
export class ConsoleState {
  /**
   * @param {Agent} me the signed-in agent
   */
  constructor(me) {
    this.me = me;
    /** @type {Map<string, Conversation>} the agent's conversations (agent view), by id */
    this.conversations = new Map();
    /** @type {Conversation[]} */
    this.queue = [];
    /** @type {Agent[]} */
    this.agents = [];
    /** @type {Map<string, Stream>} */
    this.streams = new Map();
    /** @type {Map<string, Pending>} messages sent but not yet acknowledged, by client_id */
    this.pending = new Map();
    /** @type {Map<string, Visitor>} visitor details, by conversation id */
    this.visitors = new Map();
    /** @type {Map<string, number>} conversation id -> time until which the visitor counts as typing */
    this.typingUntil = new Map();
    /** @type {Map<string, HeldSuggestions>} latest assist suggestions, by conversation id */
    this.suggestions = new Map();
    /** @type {Map<string, {article_id: string, draft: string}>} the suggestion last inserted into each
     *  conversation's composer, sent along with the next message */
    this.inserted = new Map();
    /** @type {Array<{id: string, shortcut: string, text: string}>} */
    this.canned = [];
    /** @type {string | null} */
    this.openId = null;
    /** @type {Map<string, {last_read_seq: number, unread: number}>} the agent's read marks, by conversation id */
    this.reads = new Map();
    /** @type {Preferences} how the agent wants to hear of new chats and messages */
    this.preferences = { sound: true, desktop: false };
  }

  /**
   * Take in a `session` event: the agent, their conversations, the queue and the team.
   * @param {{agent: Agent, conversations?: Conversation[], queue?: Conversation[], agents?: Agent[],
   *          reads?: ReadState[], preferences?: Preferences,
   *          limits?: {max_message_length?: number}}} data
   */
  applySession(data) {
    this.me = data.agent;
    // The server's marks replace ours: one made while we were disconnected never reached it.
    this.reads = new Map();
    this.applyReads(data.reads || []);
    if (data.preferences) this.preferences = { ...this.preferences, ...data.preferences };
    this.conversations = new Map((data.conversations || []).map((c) => [c.id, c]));
    this.queue = data.queue || [];
    this.setAgents(data.agents || []);
    // Suggestions of conversations that went elsewhere while we were disconnected.
    for (const map of [this.suggestions, this.inserted]) {
      for (const id of [...map.keys()]) if (!this.conversations.has(id) && id !== this.openId) map.delete(id);
    }
  }

  /** @param {Agent[]} agents */
  setAgents(agents) {
    this.agents = agents;
    const me = this.me;
    const mine = me && agents.find((a) => a.id === me.id);
    if (mine) this.me = { ...this.me, ...mine };
  }

  /** @param {string} id */
  stream(id) {
    let s = this.streams.get(id);
    if (!s) {
      s = new Stream();
      this.streams.set(id, s);
    }
    return s;
  }

  /**
   * The conversations whose messages are kept whole: the agent's, and the one on screen, which
   * may be theirs no longer (closed, say) and still shows its stream.
   */
  heldIds() {
    const ids = new Set(this.conversations.keys());
    if (this.openId) ids.add(this.openId);
    return ids;
  }

  /** Agents a conversation can be transferred to: online, connected, not me. */
  transferTargets() {
    return this.agents.filter((a) => a.status === "online" && a.connected !== false && a.id !== (this.me && this.me.id));
  }

  /** The open conversation object, if it is one of the agent's. */
  openConversation() {
    return this.openId ? this.conversations.get(this.openId) || null : null;
  }

  // --- unread counts: visitor messages after the agent's read mark, which the server keeps ---

  /**
   * Take in the agent's read states (from `session`, `read.mark` or `read.updated`); a mark only
   * moves forward.
   * @param {ReadState[]} reads
   */
  applyReads(reads) {
    for (const r of reads) {
      if (!r || typeof r.conversation_id !== "string") continue;
      const held = this.reads.get(r.conversation_id);
      if (held && held.last_read_seq > r.last_read_seq) continue;
      this.reads.set(r.conversation_id, { last_read_seq: Number(r.last_read_seq) || 0, unread: Number(r.unread) || 0 });
    }
  }

  /** The last seq the agent has read in conversation `id` (0: none). @param {string} id */
  readSeq(id) {
    const held = this.reads.get(id);
    return held ? held.last_read_seq : 0;
  }

  /**
   * Visitor messages after the read mark: counted in the stream once it holds messages, else
   * the server's count (just after a reload, before the stream is synced).
   * @param {string} id
   */
  unreadCount(id) {
    const stream = this.stream(id);
    if (!stream.lastSeq) return (this.reads.get(id) || { unread: 0 }).unread;
    const read = this.readSeq(id);
    let n = 0;
    for (const m of stream.bySeq.values()) {
      if (m.seq > read && m.author && m.author.type === "visitor") n += 1;
    }
    return n;
  }

  /**
   * Forget a conversation that is no longer the agent's (keeps its stream if it is still open).
   * @param {string} id
   */
  forget(id) {
    this.conversations.delete(id);
    if (id !== this.openId) {
      this.streams.delete(id);
      this.visitors.delete(id);
      this.typingUntil.delete(id);
      this.suggestions.delete(id);
      this.inserted.delete(id);
    }
  }

  // --- assist suggestions ---

  /**
   * Keep `suggestions` as the latest for conversation `id`, unless they answer an older visitor
   * message than those held. Dismissals stay while the suggestions answer the same message.
   * @param {string} id
   * @param {number} forSeq the visitor message they answer
   * @param {Suggestion[]} suggestions
   * @returns {boolean} false when they were older and ignored
   */
  setSuggestions(id, forSeq, suggestions) {
    const held = this.suggestions.get(id);
    const seq = Number(forSeq) || 0;
    if (held && seq < held.forSeq) return false;
    const dismissed = held && seq === held.forSeq ? held.dismissed : new Set();
    this.suggestions.set(id, { forSeq: seq, suggestions, dismissed });
    return true;
  }

  /** The latest suggestions of conversation `id`, or null if none arrived yet. @param {string} id */
  suggestionsFor(id) {
    return this.suggestions.get(id) || null;
  }

  /**
   * Hide suggestion `articleId` of conversation `id`.
   * @param {string} id
   * @param {string} articleId
   */
  dismissSuggestion(id, articleId) {
    const held = this.suggestions.get(id);
    if (held) held.dismissed.add(articleId);
  }

  /**
   * Is the visitor of conversation `id` typing right now?
   * @param {string} id
   */
  isTyping(id) {
    return (this.typingUntil.get(id) || 0) > Date.now();
  }
}

// The console's data: the agent's conversations, the queue, the team, each conversation's message
// stream, unsent messages and what the agent has already seen. No DOM here.
import { Stream } from "../lib/text.js";

/** Everything the console knows, kept in sync from `session` and live events. */
export class ConsoleState {
  /** @param {Storage|null} storage where "seen up to seq N" survives reloads */
  constructor(storage) {
    this.storage = storage;
    this.me = null;
    /** @type {Map<string, object>} the agent's conversations (agent view), by id */
    this.conversations = new Map();
    this.queue = [];
    this.agents = [];
    /** @type {Map<string, Stream>} */
    this.streams = new Map();
    /** @type {Map<string, object>} messages sent but not yet acknowledged, by client_id */
    this.pending = new Map();
    /** @type {Map<string, object>} visitor details, by conversation id */
    this.visitors = new Map();
    /** @type {Map<string, number>} conversation id -> time until which the visitor counts as typing */
    this.typingUntil = new Map();
    /** @type {Map<string, {forSeq: number, suggestions: object[], dismissed: Set<string>}>} latest assist
     *  suggestions, by conversation id */
    this.suggestions = new Map();
    /** @type {Map<string, {article_id: string, draft: string}>} the suggestion last inserted into each
     *  conversation's composer, sent along with the next message */
    this.inserted = new Map();
    this.canned = [];
    this.openId = null;
  }

  /**
   * Take in a `session` event: the agent, their conversations, the queue and the team.
   * @param {{agent: object, conversations: object[], queue: object[], agents: object[]}} data
   */
  applySession(data) {
    this.me = data.agent;
    this.conversations = new Map((data.conversations || []).map((c) => [c.id, c]));
    this.queue = data.queue || [];
    this.setAgents(data.agents || []);
    // Suggestions of conversations that went elsewhere while we were disconnected.
    for (const map of [this.suggestions, this.inserted]) {
      for (const id of [...map.keys()]) if (!this.conversations.has(id) && id !== this.openId) map.delete(id);
    }
  }

  /** @param {object[]} agents */
  setAgents(agents) {
    this.agents = agents;
    const mine = this.me && agents.find((a) => a.id === this.me.id);
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

  /** Agents a conversation can be transferred to: online, connected, not me. */
  transferTargets() {
    return this.agents.filter((a) => a.status === "online" && a.connected !== false && a.id !== (this.me && this.me.id));
  }

  /** The open conversation object, if it is one of the agent's. */
  openConversation() {
    return this.openId ? this.conversations.get(this.openId) || null : null;
  }

  // --- unread counts: visitor messages with a seq above the last one seen in the open view ---

  seenKey(id) {
    return `tandem.console.seen.${this.me ? this.me.id : "?"}.${id}`;
  }

  /** @param {string} id */
  seenSeq(id) {
    try {
      return Number(this.storage && this.storage.getItem(this.seenKey(id))) || 0;
    } catch (e) {
      return 0;
    }
  }

  /** Record that the agent has seen everything held for conversation `id`. */
  markSeen(id) {
    const seq = this.stream(id).lastSeq;
    if (seq <= this.seenSeq(id)) return;
    try {
      if (this.storage) this.storage.setItem(this.seenKey(id), String(seq));
    } catch (e) {
      /* storage full or blocked: counts just reset on reload */
    }
  }

  /** Drop "seen" records of conversations that are no longer the agent's, so storage stays small. */
  pruneSeen() {
    if (!this.storage || !this.me) return;
    const prefix = `tandem.console.seen.${this.me.id}.`;
    try {
      for (let i = this.storage.length - 1; i >= 0; i -= 1) {
        const key = this.storage.key(i);
        if (key && key.startsWith(prefix) && !this.conversations.has(key.slice(prefix.length))) {
          this.storage.removeItem(key);
        }
      }
    } catch (e) {
      /* storage blocked */
    }
  }

  /** @param {string} id */
  unreadCount(id) {
    const seen = this.seenSeq(id);
    let n = 0;
    for (const m of this.stream(id).bySeq.values()) {
      if (m.seq > seen && m.author && m.author.type === "visitor") n += 1;
    }
    return n;
  }

  /** Forget a conversation that is no longer the agent's (keeps its stream if it is still open). */
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
   * @param {object[]} suggestions
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

  /** Hide suggestion `articleId` of conversation `id`. */
  dismissSuggestion(id, articleId) {
    const held = this.suggestions.get(id);
    if (held) held.dismissed.add(articleId);
  }

  /** Is the visitor of conversation `id` typing right now? */
  isTyping(id) {
    return (this.typingUntil.get(id) || 0) > Date.now();
  }
}

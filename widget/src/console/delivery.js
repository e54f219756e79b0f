// Messages in and out: taking in each conversation's stream (live, replayed, acknowledged) without
// gaps or duplicates, syncing what was missed, unread tracking, and sending with resend until
// acknowledged (same client_id, so the server stores each message once).
import { uuid4 } from "../lib/text.js";
import { ackError, request } from "../lib/ack.js";

const RETRY_SEND_MS = 1500;

/** @typedef {import("../lib/types.js").Message} Message */
/** @typedef {import("./state.js").Pending} Pending */

/**
 * Receiving, syncing and sending messages.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const deliveryMethods = {
  /**
   * Take in a message from a live event, a replay or an acknowledgement.
   * @param {Message} msg
   * @param {boolean} live from a `message` event (may flash the title)
   */
  addMessage(msg, live) {
    const id = msg.conversation_id;
    if (!this.state.conversations.has(id) && id !== this.state.openId) {
      this.resolvePending(msg); // e.g. acknowledged just after the conversation was transferred away
      return;
    }
    const stream = this.state.stream(id);
    if (stream.bySeq.has(msg.seq)) {
      this.resolvePending(msg);
      return;
    }
    if (live && stream.isAhead(msg)) {
      // We missed something: replay from what we hold; the replay includes this message too.
      this.sync(id);
      return;
    }
    stream.add(msg);
    this.resolvePending(msg);
    const fromVisitor = msg.author && msg.author.type === "visitor";
    if (fromVisitor && this.state.isTyping(id)) this.setVisitorTyping(id, false);
    if (id === this.state.openId) {
      this.view.addMessage(msg);
      this.markOpenSeen();
    }
    if (live && fromVisitor && (id !== this.state.openId || document.visibilityState === "hidden")) {
      this.flasher.flash("message", id);
      this.notifyMessage(msg);
    }
    this.sidebar.renderConversations(this.state);
  },

  /**
   * Drop the pending copy of `msg`, now stored.
   * @param {Message} msg
   */
  resolvePending(msg) {
    if (!msg.client_id || !this.state.pending.has(msg.client_id)) return;
    this.state.pending.delete(msg.client_id);
    if (msg.conversation_id === this.state.openId) this.view.removePending(msg.client_id);
  },

  /**
   * Everything shown in the open view counts as read, if the agent can actually see the page: the
   * server keeps the mark (docs/protocol.md, `read.mark`), so the counts survive a reload.
   */
  markOpenSeen() {
    const id = this.state.openId;
    if (!id || document.visibilityState === "hidden") return;
    const seq = this.state.stream(id).lastSeq;
    if (seq <= this.state.readSeq(id)) return;
    const before = this.state.unreadCount(id);
    this.state.applyReads([{ conversation_id: id, last_read_seq: seq, unread: 0 }]);
    if (before) this.sidebar.renderConversations(this.state);
    if (this.socket && this.socket.connected) this.sendReadMark(id);
  },

  /**
   * Tell the server how far conversation `id` is read: once for a whole page of a sync (messages
   * come in one by one), and one call at a time per conversation, each with the mark as it is
   * when it leaves. Not sent (a timeout, a reconnect): the next message read sends it again.
   * @param {string} id
   */
  sendReadMark(id) {
    const running = this.readMarks.get(id);
    if (running) {
      running.again = true;
      return;
    }
    const job = { again: true };
    this.readMarks.set(id, job);
    setTimeout(async () => {
      try {
        while (job.again && this.socket.connected) {
          job.again = false;
          const ack = await request(this.socket, "read.mark", { conversation_id: id, seq: this.state.readSeq(id) });
          if (ack.ok && ack.read) this.onReadUpdated(ack.read);
        }
      } finally {
        this.readMarks.delete(id);
      }
    }, 0);
  },

  /**
   * `read.updated`: the agent read a conversation in another tab (or the server answered ours).
   * @param {import("./state.js").ReadState} read
   */
  onReadUpdated(read) {
    if (!read || typeof read.conversation_id !== "string") return;
    this.state.applyReads([read]);
    this.sidebar.renderConversations(this.state);
  },

  /**
   * Catch up on everything missed (messages, the visitor on screen), then resend what was never
   * acknowledged: after every `session` (a reconnect), and on `resync`, when events on their way
   * here may have been lost between server processes. Syncs already running go round once more.
   */
  catchUp() {
    for (const id of this.state.heldIds()) this.sync(id);
    // Visitor details are cached per conversation, but read again only for the one on screen.
    if (this.state.openId) this.loadVisitor(this.state.openId);
    for (const p of this.state.pending.values()) {
      if (p.state === "sending" && !p.inflight) this.transmit(p);
    }
  },

  /**
   * Fetch every message after the last one held, page by page. Concurrent calls for the same
   * conversation are merged into one more round.
   * @param {string} id
   */
  sync(id) {
    const running = this.syncs.get(id);
    if (running) {
      running.again = true;
      return running.promise;
    }
    const job = /** @type {{again: boolean, promise: Promise<void>}} */ ({ again: true });
    job.promise = (async () => {
      try {
        while (job.again) {
          job.again = false;
          await this.syncOnce(id);
        }
      } finally {
        this.syncs.delete(id);
      }
    })();
    this.syncs.set(id, job);
    return job.promise;
  },

  /**
   * One sync of conversation `id`, page by page until it is whole.
   * @param {string} id
   */
  async syncOnce(id) {
    for (;;) {
      if (!this.state.conversations.has(id) && id !== this.state.openId) return;
      const ack = await request(this.socket, "sync", { conversation_id: id, last_seq: this.state.stream(id).lastSeq });
      if (!ack.ok) return;
      if (ack.conversation && this.state.conversations.has(id)) {
        this.state.conversations.set(id, { ...this.state.conversations.get(id), ...ack.conversation });
      }
      const messages = ack.messages || [];
      for (const m of messages) this.addMessage(m, false);
      if (!ack.more || !messages.length) return;
    }
  },

  /**
   * Show a message from the composer as sending, and send it.
   * @param {string} text
   * @param {boolean} isPrivate
   */
  sendMessage(text, isPrivate) {
    const id = this.state.openId;
    if (!id) return;
    const me = this.state.me;
    // A reply that started as an inserted suggestion says so, for the assist's report and learning.
    const used = isPrivate ? null : this.state.inserted.get(id);
    this.state.inserted.delete(id);
    /** @type {Pending} */
    const pending = {
      client_id: uuid4(),
      conversation_id: id,
      text,
      private: isPrivate,
      type: isPrivate ? "note" : "text",
      author: { type: "agent", id: me.id, name: me.name },
      created_at: new Date().toISOString(),
      state: "sending",
      inflight: false,
      assist: used ? { article_id: used.article_id, draft: used.draft } : null,
    };
    this.assistPanel.markInserted(null);
    this.state.pending.set(pending.client_id, pending);
    this.view.showError("");
    this.view.addPending(pending);
    this.transmit(pending);
  },

  /**
   * Send (or resend, with the same client_id) a pending message.
   * @param {Pending} p
   */
  async transmit(p) {
    if (!this.socket.connected || p.inflight) return; // the next `session` resends it
    p.inflight = true;
    /** @type {{conversation_id: string, client_id: string, text: string, private: boolean, assist?: object}} */
    const payload = { conversation_id: p.conversation_id, client_id: p.client_id, text: p.text, private: p.private };
    if (p.assist) payload.assist = p.assist;
    const ack = await request(this.socket, "message.send", payload);
    p.inflight = false;
    if (!this.state.pending.has(p.client_id)) return; // a replay already delivered it
    if (ack.ok && ack.message) {
      this.setPendingState(p, "sent");
      this.addMessage(ack.message, true);
    } else if (ack.error && (ack.error.code === "timeout" || ack.error.code === "rate_limited")) {
      setTimeout(() => this.transmit(p), RETRY_SEND_MS);
    } else {
      this.setPendingState(p, "error", ackError(ack));
    }
  },

  /**
   * Record and show the delivery state of `p` (the error says why it was not sent).
   * @param {Pending} p
   * @param {Pending["state"]} state
   * @param {string} [error]
   */
  setPendingState(p, state, error) {
    p.state = state;
    p.error = error;
    if (p.conversation_id === this.state.openId) this.view.setPendingState(p.client_id, state, error);
  },

  /**
   * Tell the visitor of the open conversation whether the agent is typing.
   * @param {boolean} typing
   */
  sendTyping(typing) {
    const id = this.state.openId;
    if (!id || !this.socket.connected) return;
    this.socket.emit("typing", { conversation_id: id, typing });
  },
};

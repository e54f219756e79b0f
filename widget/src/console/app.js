// The agent console: wires the Socket.IO connection to the state and the views.
import { uuid4 } from "../lib/text.js";
import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { signOut } from "./auth.js";
import { visitorName } from "./format.js";
import { ConsoleState } from "./state.js";
import { connectAgent, request, ackError } from "./socket.js";
import { Sidebar } from "./sidebar.js";
import { ConversationView } from "./conversation.js";
import { VisitorPanel } from "./visitor.js";

const TYPING_SHOWN_MS = 6000; // hide the visitor's typing indicator if no update arrives
const RETRY_SEND_MS = 1500;
const QUEUE_REFRESH_MS = 15000; // waiting times in the queue tick
const TOAST_MS = 6000;
const STATUSES = ["online", "away", "offline"];

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

  // --- layout ---

  buildLayout() {
    this.sidebar = new Sidebar({ onOpen: (id) => this.openConversation(id), onTake: (id, b) => this.take(id, b) });
    this.view = new ConversationView({
      onSend: (text, isPrivate) => this.sendMessage(text, isPrivate),
      onTyping: (typing) => this.sendTyping(typing),
      onClose: () => this.closeConversation(),
      onTransfer: (agentId, note) => this.transfer(agentId, note),
      getCanned: () => this.state.canned,
    });
    this.panel = new VisitorPanel();
    this.statusSelect = h("select", { class: "status-select", "data-testid": "status-select", "aria-label": "Your status",
      onchange: () => this.setStatus(this.statusSelect.value) },
    STATUSES.map((s) => h("option", { value: s, text: s[0].toUpperCase() + s.slice(1) })));
    this.meName = h("span", { class: "me-name" });
    this.adminLink = h("a", { href: "/admin", class: "btn btn-ghost", text: "Admin", hidden: true });
    this.banner = h("div", { class: "banner", role: "status", "data-testid": "connection-banner", text: "Connecting…" });
    this.chat = h("main", { class: "chat" });
    this.details = h("aside", { class: "details-col", hidden: true }, this.panel.el);
    this.toasts = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    replace(this.root,
      h("header", { class: "topbar" },
        h("a", { class: "brand", href: "/console" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
        h("div", { class: "topbar-right" },
          this.meName,
          h("span", { class: `dot dot-${this.state.me.status}`, "data-role": "my-dot" }),
          this.statusSelect,
          this.adminLink,
          h("button", { type: "button", class: "btn btn-ghost", "data-testid": "sign-out", text: "Sign out",
            onclick: () => this.signOut() }))),
      this.banner,
      h("div", { class: "layout" }, this.sidebar.el, this.chat, this.details),
      this.toasts);
    this.renderMe();
    this.showPlaceholder();
  }

  renderMe() {
    const me = this.state.me;
    this.meName.textContent = me.name;
    this.statusSelect.value = me.status;
    this.statusSelect.className = `status-select status-${me.status}`;
    const dot = this.root.querySelector('[data-role="my-dot"]');
    if (dot) dot.className = `dot dot-${me.status}`;
    this.adminLink.hidden = me.role !== "admin";
  }

  showPlaceholder() {
    this.details.hidden = true;
    this.panel.clear();
    replace(this.chat, h("div", { class: "placeholder" },
      h("p", { text: "Select a conversation, or take one from the queue." })));
  }

  renderLists() {
    this.sidebar.renderConversations(this.state);
    this.sidebar.renderQueue(this.state);
    this.sidebar.renderTeam(this.state);
  }

  /** @param {string} text @param {"info"|"error"} [kind] */
  toast(text, kind = "info") {
    const el = h("div", { class: `toast toast-${kind}`, "data-testid": "toast", text });
    this.toasts.append(el);
    setTimeout(() => el.remove(), TOAST_MS);
  }

  // --- connection ---

  connect() {
    const socket = connectAgent();
    this.socket = socket;
    socket.on("connect", () => this.setBanner(""));
    socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") this.setBanner("Connection lost. Reconnecting…");
    });
    socket.on("connect_error", (err) => this.onConnectError(err));
    socket.on("session", (d) => this.onSession(d));
    socket.on("queue.updated", (d) => this.onQueueUpdated(d));
    socket.on("conversation.assigned", (d) => this.onAssigned(d));
    socket.on("conversation.removed", (d) => this.onRemoved(d));
    socket.on("conversation.updated", (d) => this.onConversationUpdated(d));
    socket.on("message", (m) => this.addMessage(m, true));
    socket.on("typing", (d) => this.onTyping(d));
    socket.on("visitor.updated", (d) => this.onVisitorUpdated(d));
    socket.on("agents.updated", (d) => this.onAgentsUpdated(d));
  }

  setBanner(text) {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  onConnectError(err) {
    // socket.active is false when the server itself refused us; otherwise the client retries.
    if (this.socket.active) {
      this.setBanner("Cannot reach the server. Retrying…");
      return;
    }
    if (err && err.message === "unauthorized") {
      this.shutdown();
      this.onSignedOut("Your session has ended. Please sign in again.");
      return;
    }
    this.setBanner(`The server refused the connection (${(err && err.message) || "unknown error"}).`);
  }

  async loadCanned() {
    try {
      const data = await api("GET", "/api/canned");
      this.state.canned = (data && data.canned) || [];
    } catch (e) {
      /* canned responses are a convenience: the console works without them */
    }
  }

  // --- server events ---

  onSession(data) {
    this.sessions += 1;
    if (this.sessions > 1) this.loadCanned(); // an admin may have changed them while we were away
    this.state.applySession(data);
    this.state.pruneSeen();
    this.renderMe();
    this.renderLists();
    this.view.setTargets(this.state.transferTargets());
    const open = this.state.openId;
    if (open) {
      const conv = this.state.conversations.get(open);
      if (conv) this.view.setConversation(conv, true);
      else if (this.view.conversation) this.view.setConversation(this.view.conversation, false);
    }
    // Catch up on everything missed while disconnected, then resend what was never acknowledged.
    for (const id of this.state.conversations.keys()) this.sync(id);
    for (const p of this.state.pending.values()) {
      if (p.state === "sending" && !p.inflight) this.transmit(p);
    }
  }

  onQueueUpdated(data) {
    this.state.queue = data.queue || [];
    this.sidebar.renderQueue(this.state);
  }

  onAssigned({ conversation, reason }) {
    const isNew = !this.state.conversations.has(conversation.id);
    this.state.conversations.set(conversation.id, conversation);
    this.state.queue = this.state.queue.filter((c) => c.id !== conversation.id);
    this.renderLists();
    if (conversation.id === this.state.openId) this.view.setConversation(conversation, true);
    this.sync(conversation.id);
    if (isNew && reason !== "taken") {
      this.flasher.flash("chat", conversation.id);
      if (reason === "transferred") this.toast(`${visitorName(conversation.visitor)} was transferred to you`);
    }
  }

  onRemoved({ conversation_id: id, reason }) {
    const conv = this.state.conversations.get(id);
    this.state.forget(id);
    this.renderLists();
    if (id === this.state.openId && conv) {
      this.view.setConversation({ ...conv }, false);
      this.view.showNotice(reason === "requeued"
        ? "This conversation went back to the queue."
        : "This conversation was transferred to another agent.");
    }
  }

  onConversationUpdated({ conversation }) {
    const id = conversation.id;
    const known = this.state.conversations.has(id);
    if (!known && id !== this.state.openId) return;
    if (conversation.status === "closed" && id !== this.state.openId) {
      this.state.forget(id);
    } else if (known) {
      this.state.conversations.set(id, conversation);
    }
    if (id === this.state.openId) {
      const mine = known && !!conversation.agent && conversation.agent.id === this.state.me.id;
      this.view.setConversation(conversation, mine);
    }
    this.renderLists();
  }

  onTyping({ conversation_id: id, typing }) {
    this.setVisitorTyping(id, !!typing);
  }

  setVisitorTyping(id, typing) {
    const wasTyping = this.state.isTyping(id);
    clearTimeout(this.typingTimers.get(id));
    this.state.typingUntil.set(id, typing ? Date.now() + TYPING_SHOWN_MS : 0);
    if (typing) this.typingTimers.set(id, setTimeout(() => this.setVisitorTyping(id, false), TYPING_SHOWN_MS));
    if (id === this.state.openId) {
      const conv = this.state.conversations.get(id);
      this.view.setTyping(typing, conv ? visitorName(conv.visitor) : undefined);
    }
    if (wasTyping !== typing) this.sidebar.renderConversations(this.state);
  }

  onVisitorUpdated({ conversation_id: id, visitor }) {
    if (!visitor) return;
    this.state.visitors.set(id, visitor);
    if (id === this.state.openId) this.panel.show(visitor, id);
  }

  onAgentsUpdated({ agents }) {
    this.state.setAgents(agents || []);
    this.renderMe();
    this.sidebar.renderTeam(this.state);
    this.view.setTargets(this.state.transferTargets());
  }

  // --- messages ---

  /**
   * Take in a message from a live event, a replay or an acknowledgement.
   * @param {object} msg
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
    }
    this.sidebar.renderConversations(this.state);
  }

  resolvePending(msg) {
    if (!msg.client_id || !this.state.pending.has(msg.client_id)) return;
    this.state.pending.delete(msg.client_id);
    if (msg.conversation_id === this.state.openId) this.view.removePending(msg.client_id);
  }

  /** Everything shown in the open view counts as seen, if the agent can actually see the page. */
  markOpenSeen() {
    const id = this.state.openId;
    if (!id || document.visibilityState === "hidden") return;
    const before = this.state.unreadCount(id);
    this.state.markSeen(id);
    if (before) this.sidebar.renderConversations(this.state);
  }

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
    const job = { again: true };
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
  }

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
  }

  // --- actions ---

  /** @param {string} id */
  openConversation(id) {
    const state = this.state;
    if (state.openId === id) {
      this.view.composer.focus();
      return;
    }
    this.leaveOpenConversation();
    const conv = state.conversations.get(id);
    if (!conv) return;
    state.openId = id;
    replace(this.chat, this.view.el);
    this.view.open(conv, {
      meId: state.me.id,
      mine: true,
      messages: state.stream(id).ordered(),
      pending: [...state.pending.values()].filter((p) => p.conversation_id === id),
    });
    this.view.setTargets(state.transferTargets());
    this.view.setTyping(state.isTyping(id), visitorName(conv.visitor));
    this.view.composer.draft = this.drafts.get(id) || "";
    this.markOpenSeen();
    this.renderLists();
    this.sync(id);
    this.loadVisitor(id);
    this.view.composer.focus();
  }

  leaveOpenConversation() {
    const id = this.state.openId;
    if (!id) return;
    this.view.composer.stopTyping(); // tells the visitor, while openId still names their conversation
    this.drafts.set(id, this.view.composer.draft);
    this.state.openId = null;
    const conv = this.state.conversations.get(id);
    // A closed conversation stays listed only while it is open.
    if (!conv || conv.status === "closed") this.state.forget(id);
  }

  async loadVisitor(id) {
    this.details.hidden = false;
    const cached = this.state.visitors.get(id);
    if (cached) this.panel.show(cached, id);
    else this.panel.loading();
    const ack = await request(this.socket, "visitor.get", { conversation_id: id });
    if (this.state.openId !== id) return;
    if (ack.ok && ack.visitor) {
      this.state.visitors.set(id, ack.visitor);
      this.panel.show(ack.visitor, id);
    } else if (!cached) {
      this.panel.failed(ackError(ack));
    }
  }

  async take(id, button) {
    button.disabled = true;
    const ack = await request(this.socket, "conversation.take", { conversation_id: id });
    if (!ack.ok) {
      button.disabled = false;
      const slot = button.parentElement && button.parentElement.querySelector(".take-error");
      if (slot) {
        slot.textContent = ackError(ack);
        slot.hidden = false;
      }
      this.toast(`Could not take the conversation: ${ackError(ack)}`, "error");
      return;
    }
    const conv = ack.conversation;
    this.state.conversations.set(conv.id, conv);
    this.state.queue = this.state.queue.filter((c) => c.id !== conv.id);
    this.openConversation(conv.id);
  }

  async closeConversation() {
    const id = this.state.openId;
    if (!id) return;
    this.view.closeButton.disabled = true;
    const ack = await request(this.socket, "conversation.close", { conversation_id: id });
    if (!ack.ok) {
      this.view.closeButton.disabled = false;
      this.view.showError(`Could not close: ${ackError(ack)}`);
      return;
    }
    this.onConversationUpdated({ conversation: ack.conversation });
  }

  async transfer(agentId, note) {
    const id = this.state.openId;
    if (!id) return;
    const payload = { conversation_id: id, agent_id: agentId };
    if (note) payload.note = note;
    // Read the name now: `conversation.removed` may arrive before the acknowledgement.
    const name = visitorName((this.state.conversations.get(id) || this.view.conversation || {}).visitor);
    const ack = await request(this.socket, "conversation.transfer", payload);
    if (!ack.ok) {
      this.view.showError(`Could not transfer: ${ackError(ack)}`);
      return;
    }
    const target = this.state.agents.find((a) => a.id === agentId);
    this.toast(`${name} was transferred to ${target ? target.name : "another agent"}`);
    this.leaveOpenConversation();
    this.state.forget(id);
    this.showPlaceholder();
    this.renderLists();
  }

  sendMessage(text, isPrivate) {
    const id = this.state.openId;
    if (!id) return;
    const me = this.state.me;
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
    };
    this.state.pending.set(pending.client_id, pending);
    this.view.showError("");
    this.view.addPending(pending);
    this.transmit(pending);
  }

  /** Send (or resend, with the same client_id) a pending message. */
  async transmit(p) {
    if (!this.socket.connected || p.inflight) return; // the next `session` resends it
    p.inflight = true;
    const ack = await request(this.socket, "message.send", {
      conversation_id: p.conversation_id, client_id: p.client_id, text: p.text, private: p.private,
    });
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
  }

  setPendingState(p, state, error) {
    p.state = state;
    p.error = error;
    if (p.conversation_id === this.state.openId) this.view.setPendingState(p.client_id, state, error);
  }

  sendTyping(typing) {
    const id = this.state.openId;
    if (!id || !this.socket.connected) return;
    this.socket.emit("typing", { conversation_id: id, typing });
  }

  async setStatus(status) {
    const previous = this.state.me.status;
    const ack = await request(this.socket, "status.set", { status });
    if (ack.ok && ack.agent) {
      this.state.me = { ...this.state.me, ...ack.agent };
    } else {
      this.state.me.status = previous;
      this.toast(`Could not change status: ${ackError(ack)}`, "error");
    }
    this.renderMe();
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

function safeStorage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null; // storage disabled: unread counts still work for this page's lifetime
  }
}

// The console's side of the agent connection: connecting, and every event the server sends
// (session, queue, assignments, conversation updates, messages, resyncs, typing, visitors, the
// team, assist suggestions).
import { api } from "../lib/api.js";
import { currentAgent } from "../lib/auth.js";
import { visitorName } from "./format.js";
import { connectAgent } from "./socket.js";

const TYPING_SHOWN_MS = 6000; // hide the visitor's typing indicator if no update arrives

/** @typedef {import("./state.js").Conversation} Conversation */

/**
 * The connection and the server's events.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const eventMethods = {
  connect() {
    const socket = connectAgent();
    this.socket = socket;
    socket.on("connect", () => this.setBanner(""));
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") this.onServerDisconnect();
      else if (reason !== "io client disconnect") this.setBanner("Connection lost. Reconnecting…");
    });
    socket.on("signed_out", (d) => this.endSession(d && d.message));
    socket.on("connect_error", (err) => this.onConnectError(err));
    socket.on("session", (d) => this.onSession(d));
    socket.on("queue.updated", (d) => this.onQueueUpdated(d));
    socket.on("conversation.assigned", (d) => this.onAssigned(d));
    socket.on("conversation.removed", (d) => this.onRemoved(d));
    socket.on("conversation.updated", (d) => this.onConversationUpdated(d));
    socket.on("message", (m) => this.addMessage(m, true));
    socket.on("resync", () => this.catchUp());
    socket.on("typing", (d) => this.onTyping(d));
    socket.on("visitor.updated", (d) => this.onVisitorUpdated(d));
    socket.on("agents.updated", (d) => this.onAgentsUpdated(d));
    socket.on("assist.suggestions", (d) => this.onAssistSuggestions(d));
    socket.on("read.updated", (d) => this.onReadUpdated(d));
    socket.on("preferences.updated", (d) => this.onPreferencesUpdated(d));
    socket.on("canned.updated", (d) => {
      this.state.canned = (d && d.canned) || [];
    });
  },

  /**
   * @param {Error | undefined} err
   */
  onConnectError(err) {
    // socket.active is false when the server itself refused us; otherwise the client retries.
    if (this.socket.active) {
      this.setBanner("Cannot reach the server. Retrying…");
      return;
    }
    if (err && err.message === "unauthorized") {
      this.endSession();
      return;
    }
    this.setBanner(`The server refused the connection (${(err && err.message) || "unknown error"}).`);
  },

  /**
   * The server closed our connection (a Socket.IO client does not reconnect by itself then): with
   * no session left, back to the sign-in form; else (a server shutting down) connect again.
   */
  async onServerDisconnect() {
    if (this.ended) return;
    this.setBanner("Connection lost. Reconnecting…");
    let agent;
    try {
      agent = await currentAgent();
    } catch (e) {
      agent = undefined; // unreachable: try the socket again, its retries take over
    }
    if (this.ended) return;
    if (agent === null) this.endSession();
    else this.socket.connect();
  },

  /**
   * The session is over: stop, and show the sign-in form with why.
   * @param {string} [notice]
   */
  endSession(notice) {
    if (this.ended) return;
    this.ended = true;
    this.shutdown();
    this.onSignedOut(notice || "Your session has ended. Please sign in again.");
  },

  async loadCanned() {
    try {
      const data = await api("GET", "/api/canned");
      this.state.canned = (data && data.canned) || [];
    } catch (e) {
      /* canned responses are a convenience: the console works without them */
    }
  },

  /**
   * `session`, on every (re)connect: the agent, their conversations, the queue and the team.
   * @param {Parameters<import("./state.js").ConsoleState["applySession"]>[0]} data
   */
  onSession(data) {
    this.sessions += 1;
    if (this.sessions > 1) this.loadCanned(); // an admin may have changed them while we were away
    this.state.applySession(data);
    this.notifyPanel.setPreferences(this.state.preferences);
    if (data.limits && data.limits.max_message_length) this.view.composer.setMaxLength(data.limits.max_message_length);
    this.renderMe();
    this.renderLists();
    this.view.setTargets(this.state.transferTargets());
    const open = this.state.openId;
    if (open) {
      const conv = this.state.conversations.get(open);
      if (conv) this.view.setConversation(conv, true);
      else if (this.view.conversation) this.view.setConversation(this.view.conversation, false);
    }
    this.markOpenSeen();
    this.catchUp();
  },

  /**
   * @param {{queue?: Conversation[]}} data
   */
  onQueueUpdated(data) {
    this.state.queue = data.queue || [];
    this.sidebar.renderQueue(this.state);
  },

  /**
   * @param {{conversation: Conversation, reason?: string}} data
   */
  onAssigned({ conversation, reason }) {
    const isNew = !this.state.conversations.has(conversation.id);
    this.state.conversations.set(conversation.id, conversation);
    this.state.queue = this.state.queue.filter((c) => c.id !== conversation.id);
    this.renderLists();
    if (conversation.id === this.state.openId) this.view.setConversation(conversation, true);
    this.sync(conversation.id);
    if (isNew && reason !== "taken") {
      this.flasher.flash("chat", conversation.id);
      this.notifyChat(conversation);
      if (reason === "transferred") this.toast(`${visitorName(conversation.visitor)} was transferred to you`);
    }
  },

  /**
   * @param {{conversation_id: string, reason?: string}} data
   */
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
  },

  /**
   * @param {{conversation: Conversation}} data
   */
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
  },

  /**
   * @param {{conversation_id: string, typing: boolean}} data
   */
  onTyping({ conversation_id: id, typing }) {
    this.setVisitorTyping(id, !!typing);
  },

  /**
   * Show or hide that the visitor of conversation `id` is typing; it times out by itself.
   * @param {string} id
   * @param {boolean} typing
   */
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
  },

  /**
   * @param {{conversation_id: string, visitor?: import("./state.js").Visitor}} data
   */
  onVisitorUpdated({ conversation_id: id, visitor }) {
    if (!visitor) return;
    this.state.visitors.set(id, visitor);
    if (id === this.state.openId) this.panel.show(visitor, id);
  },

  /**
   * @param {{agents?: import("../lib/types.js").Agent[]}} data
   */
  onAgentsUpdated({ agents }) {
    this.state.setAgents(agents || []);
    this.renderMe();
    this.sidebar.renderTeam(this.state);
    this.sidebar.renderQueue(this.state); // my load may have changed what Take offers
    this.view.setTargets(this.state.transferTargets());
  },
};

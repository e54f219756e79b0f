// The open conversation: header with actions (transfer, close), the message stream, the visitor's
// typing indicator and the composer.
import { askFirst } from "../lib/confirm.js";
import { h, replace, showError } from "../lib/dom.js";
import { visitorName } from "./format.js";
import { Composer } from "./composer.js";
import { messageElement, setMessageState } from "./messages.js";

const STICK_TO_BOTTOM_PX = 80;

/** @typedef {import("./state.js").Conversation} Conversation */
/** @typedef {import("./state.js").Pending} Pending */
/** @typedef {import("../lib/types.js").Message} Message */

/** The centre column while a conversation is open. */
export class ConversationView {
  /**
   * @param {{onSend: (text: string, isPrivate: boolean) => void, onTyping: (typing: boolean) => void,
   *          onClose: () => void, onTransfer: (agentId: string, note: string) => Promise<void>,
   *          getCanned: () => Array<{id: string, shortcut: string, text: string}>,
   *          onComposerEmptied?: () => void, onComposerEnabled?: (enabled: boolean) => void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    /** @type {Conversation | null} */
    this.conversation = null;
    /** @type {string | null} */
    this.meId = null;
    this.composer = new Composer({ onSend: handlers.onSend, onTyping: handlers.onTyping, getCanned: handlers.getCanned,
      onEmptied: handlers.onComposerEmptied, onEnabled: handlers.onComposerEnabled });
    this.title = h("h2", { class: "conv-title" });
    this.status = h("span", { class: "badge" });
    this.transferSelect = h("select", { "data-testid": "transfer-select", "aria-label": "Transfer to" });
    this.transferNote = h("input", { type: "text", "data-testid": "transfer-note", placeholder: "Note for the agent (optional)",
      "aria-label": "Transfer note", maxlength: "500" });
    this.transferButton = h("button", { type: "button", class: "btn", "data-testid": "transfer-button", text: "Transfer",
      onclick: () => this.transfer() });
    this.closeButton = h("button", { type: "button", class: "btn btn-danger", "data-testid": "close-conversation",
      text: "Close conversation", onclick: () => askFirst(this.closeButton, {
        question: "Close this conversation? The visitor is told it has ended.",
        confirm: "Close it",
        onConfirm: () => this.handlers.onClose(),
      }) });
    this.notice = h("div", { class: "notice", "data-testid": "conversation-notice", hidden: true });
    this.list = h("div", { class: "messages", role: "log", "aria-live": "polite" });
    this.pendingList = h("div", { class: "messages-pending" });
    this.scroller = h("div", { class: "messages-scroll" }, this.list, this.pendingList);
    // Follow the newest message until the agent scrolls up. Whatever changes the layout after a
    // conversation opens (the side panels filling in, a replay arriving, the window resizing) keeps
    // a follower at the bottom: a transferred chat opens on its transfer note, not above it.
    this.following = true;
    this.scroller.addEventListener("scroll", () => {
      this.following = this.nearBottom();
    });
    if (typeof ResizeObserver === "function") {
      const keep = new ResizeObserver(() => {
        if (this.following) this.scrollToBottom();
      });
      for (const el of [this.scroller, this.list, this.pendingList]) keep.observe(el);
    }
    this.typing = h("div", { class: "typing", "data-testid": "visitor-typing", hidden: true });
    this.error = h("div", { class: "form-error", role: "alert", "data-testid": "conversation-error", hidden: true });
    this.el = h("section", { class: "conversation", "data-testid": "conversation-view" },
      h("header", { class: "conv-header" },
        h("div", { class: "conv-heading" }, this.title, this.status),
        h("div", { class: "conv-actions" },
          h("div", { class: "transfer" }, this.transferSelect, this.transferNote, this.transferButton),
          this.closeButton)),
      this.notice,
      this.scroller,
      this.typing,
      this.error,
      this.composer.el);
  }

  /**
   * Show conversation `conv` with its messages and our unacknowledged ones.
   * @param {Conversation} conv
   * @param {{meId: string, messages: Message[], pending: Pending[], mine: boolean}} ctx
   */
  open(conv, ctx) {
    this.meId = ctx.meId;
    this.el.dataset.conversationId = conv.id;
    this.setConversation(conv, ctx.mine);
    replace(this.list, ctx.messages.map((m) => messageElement(m, { meId: this.meId })));
    replace(this.pendingList, ctx.pending.map((p) => messageElement(p, { meId: this.meId, state: p.state, error: p.error })));
    this.setTyping(false);
    showError(this.error, "");
    this.transferNote.value = "";
    for (const asked of this.el.querySelectorAll("[data-testid=confirm]")) asked.remove(); // a question about another chat
    this.closeButton.hidden = false;
    this.following = true;
    this.scrollToBottom();
  }

  /**
   * Update the header and what the agent may do.
   * @param {Conversation} conv
   * @param {boolean} mine is it still assigned to this agent?
   */
  setConversation(conv, mine) {
    this.conversation = conv;
    this.title.textContent = visitorName(conv.visitor);
    this.status.className = `badge badge-${conv.status}`;
    this.status.textContent = conv.status;
    const active = mine && conv.status === "assigned";
    this.composer.setEnabled(active, conv.status === "closed" ? "This conversation is closed" : "This conversation is not assigned to you");
    this.closeButton.disabled = !active;
    this.updateTransferControls(active);
    if (conv.status === "closed") this.showNotice("This conversation is closed.");
    else if (!mine) this.showNotice("This conversation is no longer assigned to you.");
    else this.showNotice("");
  }

  /**
   * Offer these agents as transfer targets.
   * @param {import("../lib/types.js").Agent[]} agents online agents other than me
   */
  setTargets(agents) {
    const previous = this.transferSelect.value;
    replace(this.transferSelect,
      h("option", { value: "", text: agents.length ? "Transfer to…" : "No other agent online" }),
      agents.map((a) => h("option", { value: a.id, text: `${a.name} (${a.load ?? 0}/${a.capacity ?? 0})` })));
    if (agents.some((a) => a.id === previous)) this.transferSelect.value = previous;
    this.updateTransferControls(this.conversation && !this.closeButton.disabled);
  }

  /**
   * Transfer only when the conversation is ours and someone can take it.
   * @param {boolean | null} active
   */
  updateTransferControls(active) {
    const hasTargets = this.transferSelect.options.length > 1;
    this.transferSelect.disabled = !active || !hasTargets;
    this.transferNote.disabled = !active;
    this.transferButton.disabled = !active || !hasTargets;
  }

  async transfer() {
    const agentId = this.transferSelect.value;
    if (!agentId) {
      showError(this.error, "Choose an agent to transfer to.");
      return;
    }
    this.transferButton.disabled = true;
    try {
      await this.handlers.onTransfer(agentId, this.transferNote.value.trim());
    } finally {
      this.transferButton.disabled = false;
    }
  }

  // --- messages ---

  /**
   * Insert a stored message at its place in seq order (and drop its pending copy).
   * @param {Message} msg
   */
  addMessage(msg) {
    const stick = this.following || this.nearBottom();
    if (msg.client_id) this.removePending(msg.client_id);
    const el = messageElement(msg, { meId: this.meId });
    const after = [...this.list.children].find((c) => Number(c.getAttribute("data-seq")) > msg.seq);
    this.list.insertBefore(el, after || null);
    if (stick) this.scrollToBottom();
  }

  /** @param {Pending} pending our message, not yet acknowledged */
  addPending(pending) {
    this.pendingList.append(messageElement(pending, { meId: this.meId, state: pending.state }));
    this.scrollToBottom();
  }

  /** @param {string} clientId @param {Pending["state"]} state @param {string} [error] */
  setPendingState(clientId, state, error) {
    const el = /** @type {HTMLElement | null} */ (this.pendingList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`));
    if (el) setMessageState(el, state, error);
  }

  /**
   * Drop our unacknowledged copy of a message (stored, or given up).
   * @param {string} clientId
   */
  removePending(clientId) {
    const el = this.pendingList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
    if (el) el.remove();
  }

  /** @param {boolean} typing @param {string} [name] */
  setTyping(typing, name) {
    const stick = this.following || this.nearBottom();
    this.typing.hidden = !typing;
    this.typing.textContent = typing ? `${name || "The visitor"} is typing…` : "";
    if (stick) this.scrollToBottom();
  }

  /** @param {string} text empty to hide */
  showNotice(text) {
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }

  /** @param {string} text empty to hide */
  showError(text) {
    showError(this.error, text);
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < STICK_TO_BOTTOM_PX;
  }

  scrollToBottom() {
    this.following = true;
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}

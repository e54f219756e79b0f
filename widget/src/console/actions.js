// What the agent does: open a conversation, take one from the queue, transfer or close it, and
// set their status. Each asks the server and shows its refusal where the agent acted.
import { replace } from "../lib/dom.js";
import { visitorName } from "./format.js";
import { ackError, request } from "../lib/ack.js";

/**
 * The agent's actions.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const actionMethods = {
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
    this.showAssistFor(id);
    this.markOpenSeen();
    this.renderLists();
    this.sync(id);
    this.loadVisitor(id);
    this.view.composer.focus();
  },

  leaveOpenConversation() {
    const id = this.state.openId;
    if (!id) return;
    this.view.composer.stopTyping(); // tells the visitor, while openId still names their conversation
    this.drafts.set(id, this.view.composer.draft);
    this.state.openId = null;
    const conv = this.state.conversations.get(id);
    // A closed conversation stays listed only while it is open.
    if (!conv || conv.status === "closed") this.state.forget(id);
  },

  /**
   * Show the visitor's details: the ones held at once, then the server's.
   * @param {string} id
   */
  async loadVisitor(id) {
    this.details.hidden = false;
    this.drawer.setAvailable(true);
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
  },

  /**
   * Take a conversation from the queue and open it.
   * @param {string} id
   * @param {HTMLButtonElement} button
   * @param {boolean} [overCapacity] an admin takes it although at capacity (the server records it)
   */
  async take(id, button, overCapacity) {
    button.disabled = true;
    /** @type {{conversation_id: string, over_capacity?: boolean}} */
    const payload = { conversation_id: id };
    if (overCapacity) payload.over_capacity = true;
    const ack = await request(this.socket, "conversation.take", payload);
    if (!ack.ok) {
      button.disabled = false;
      // Said beside the button the agent pressed, not in a toast over the composer.
      const slot = button.parentElement && /** @type {HTMLElement | null} */ (button.parentElement.querySelector(".take-error"));
      if (slot) {
        slot.textContent = `Could not take it: ${ackError(ack)}`;
        slot.hidden = false;
      } else {
        this.toast(`Could not take the conversation: ${ackError(ack)}`, "error");
      }
      return;
    }
    const conv = ack.conversation;
    this.state.conversations.set(conv.id, conv);
    this.state.queue = this.state.queue.filter((c) => c.id !== conv.id);
    this.openConversation(conv.id);
  },

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
  },

  /**
   * Transfer the open conversation to another agent, with an optional note.
   * @param {string} agentId
   * @param {string} note
   */
  async transfer(agentId, note) {
    const id = this.state.openId;
    if (!id) return;
    /** @type {{conversation_id: string, agent_id: string, note?: string}} */
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
  },

  /**
   * Set the agent's status (online, away, offline); shown again as the server has it.
   * @param {import("../lib/types.js").Agent["status"]} status
   */
  async setStatus(status) {
    const previous = this.state.me.status;
    const ack = await request(this.socket, "status.set", { status });
    if (ack.ok && ack.agent) {
      this.state.me = { ...this.state.me, ...ack.agent };
      const open = ack.agent.load || 0;
      if (status !== "online" && open) {
        // The server hands them back to the queue after a grace period (docs/protocol.md).
        const chats = open === 1 ? "Your open chat goes" : `Your ${open} open chats go`;
        this.toast(`${chats} back to the queue ${status === "away" ? "if you stay away" : "shortly"}: transfer them, or go online again to keep them.`);
      }
    } else {
      this.state.me.status = previous;
      this.toast(`Could not change status: ${ackError(ack)}`, "error");
    }
    this.renderMe();
  },
};

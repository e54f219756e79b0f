// The console's side of the agent assist: the latest suggestions of each conversation, Insert
// (puts a draft in the composer — nothing is ever sent by itself), Not helpful, the agent's own
// search, and feedback to the server so the assist learns.
import { ackError, request } from "../lib/ack.js";

/** @typedef {import("../lib/types.js").Suggestion} Suggestion */

/**
 * Suggestions, search and feedback.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const assistMethods = {
  /**
   * `assist.suggestions`: keep the latest per conversation; redraw if it is the open one.
   * @param {{conversation_id: string, for_seq: number, suggestions: Suggestion[]}} data
   */
  onAssistSuggestions(data) {
    const id = data && data.conversation_id;
    if (!id || !Array.isArray(data.suggestions)) return;
    if (!this.state.setSuggestions(id, data.for_seq, data.suggestions)) return; // an older answer
    if (id === this.state.openId) this.assistPanel.showSuggestions(this.state.suggestionsFor(id));
  },

  /** Show the assist panel for the conversation just opened. @param {string} id */
  showAssistFor(id) {
    const inserted = this.state.inserted.get(id);
    this.assistPanel.reset();
    this.assistPanel.markInserted(inserted ? inserted.article_id : null);
    this.assistPanel.showSuggestions(this.state.suggestionsFor(id));
    this.assistPanel.setEnabled(!this.view.composer.textarea.disabled);
  },

  /** Insert: the draft goes into the composer for the agent to edit and send. @param {Suggestion} s */
  insertSuggestion(s) {
    const id = this.state.openId;
    const composer = this.view.composer;
    if (!id || composer.textarea.disabled) return;
    const draft = s.draft || s.passage || "";
    composer.insertText(draft);
    this.state.inserted.set(id, { article_id: s.article_id, draft });
    this.assistPanel.markInserted(s.article_id);
    this.assistFeedback(id, s.article_id, "inserted");
  },

  /** Not helpful: hide the suggestion and tell the assist. @param {Suggestion} s */
  dismissSuggestion(s) {
    const id = this.state.openId;
    if (!id) return;
    this.state.dismissSuggestion(id, s.article_id);
    this.assistPanel.showSuggestions(this.state.suggestionsFor(id));
    this.assistFeedback(id, s.article_id, "dismissed");
  },

  /** The agent's own search of the knowledge base. @param {string} query */
  async searchAssist(query) {
    const id = this.state.openId;
    this.assistPanel.showSearching(query);
    const ack = await request(this.socket, "assist.search", { query });
    if (this.state.openId !== id) return;
    const panel = this.assistPanel;
    if (panel.mode !== "search" || panel.query !== query) return; // searched again, or went back
    if (ack.ok) panel.showResults(query, Array.isArray(ack.suggestions) ? ack.suggestions : []);
    else if (ack.error && ack.error.code === "assist_unavailable") panel.setStatus("Assist is starting…");
    else panel.setStatus(`Search failed: ${ackError(ack)}`, "error");
  },

  /** The composer was emptied: what it held no longer started as a suggestion. */
  forgetInserted() {
    const id = this.state.openId;
    if (id) this.state.inserted.delete(id);
    this.assistPanel.markInserted(null);
  },

  /**
   * Fire and forget: feedback only teaches the assist; the agent's work never waits for it.
   * @param {string} conversationId
   * @param {string} articleId
   * @param {"inserted" | "dismissed"} action
   */
  async assistFeedback(conversationId, articleId, action) {
    if (!this.socket || !this.socket.connected) return;
    const ack = await request(this.socket, "assist.feedback",
      { conversation_id: conversationId, article_id: articleId, action });
    if (!ack.ok && window.console) console.warn("assist.feedback failed", ack.error);
  },
};

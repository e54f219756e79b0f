// The assist panel of the open conversation: suggested articles for the visitor's latest message
// (title, passage with the answering sentences marked, source link, Insert and Not helpful) and a
// search box over the knowledge base. It only shows things: the console app decides what they do.
import { h, replace } from "../lib/dom.js";
import { renderMarked, sourceLink } from "../lib/passage.js";

/** @typedef {import("../lib/types.js").Suggestion} Suggestion */

/** The assist panel, at the top of the right-hand column. */
export class AssistPanel {
  /**
   * @param {{onInsert: (s: Suggestion) => void, onDismiss: (s: Suggestion) => void,
   *          onSearch: (query: string) => void}} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.enabled = true;
    this.mode = "suggestions"; // or "search"
    this.query = "";
    /** @type {{suggestions: Suggestion[], dismissed: Set<string>} | null} the suggestions on show */
    this.current = null;
    /** @type {string | null} the article whose draft is in the composer */
    this.insertedId = null;
    this.input = h("input", { type: "search", class: "assist-search-input", "data-testid": "assist-search",
      placeholder: "Search the knowledge base", "aria-label": "Search the knowledge base", maxlength: "1000" });
    this.searchButton = h("button", { type: "submit", class: "btn btn-small", "data-testid": "assist-search-button",
      text: "Search" });
    const form = h("form", { class: "assist-search", role: "search", onsubmit: (/** @type {SubmitEvent} */ e) => this.onSubmit(e) },
      this.input, this.searchButton);
    this.heading = h("h2", { class: "assist-heading", text: "Suggested answers" });
    this.back = h("button", { type: "button", class: "btn btn-ghost btn-small", "data-testid": "assist-search-clear",
      text: "Back to suggestions", hidden: true, onclick: () => this.clearSearch() });
    this.status = h("p", { class: "assist-status", role: "status", "data-testid": "assist-status", hidden: true });
    this.list = h("div", { class: "assist-list" });
    this.el = h("section", { class: "assist-panel", "data-testid": "assist-panel", "aria-label": "Suggested answers" },
      h("div", { class: "assist-head" }, this.heading, this.back),
      form,
      this.status,
      this.list);
  }

  /** Forget any search (another conversation was opened); then call showSuggestions. */
  reset() {
    this.input.value = "";
    this.query = "";
    this.mode = "suggestions";
    this.current = null;
  }

  /**
   * Show the latest suggestions of the open conversation (kept, not shown, while searching).
   * @param {{suggestions: Suggestion[], dismissed: Set<string>}|null|undefined} current
   */
  showSuggestions(current) {
    this.current = current || null;
    if (this.mode !== "suggestions") return;
    this.setHeading("Suggested answers", false);
    this.setStatus("");
    const shown = current ? current.suggestions.filter((s) => !current.dismissed.has(s.article_id)) : [];
    if (!shown.length) {
      replace(this.list, emptyState(current ? "No suggestions" : "No suggestions yet",
        "Suggestions appear here as the visitor writes. You can also search the knowledge base."));
      return;
    }
    replace(this.list, shown.map((s) => this.card(s, true)));
  }

  /** The agent's search is on its way. @param {string} query */
  showSearching(query) {
    this.mode = "search";
    this.query = query;
    this.setHeading(`Results for “${query}”`, true);
    this.setStatus("Searching…");
    this.list.replaceChildren();
  }

  /**
   * Show search results (ignored if the agent has searched again or gone back since).
   * @param {string} query
   * @param {Suggestion[]} results
   */
  showResults(query, results) {
    if (this.mode !== "search" || query !== this.query) return;
    this.setStatus("");
    replace(this.list, results.length
      ? results.map((s) => this.card(s, false))
      : emptyState("No articles found", "Try other words."));
  }

  /**
   * A quiet line instead of results: "Assist is starting…", an error. Empty to hide.
   * @param {string} text
   * @param {"info"|"error"} [kind]
   */
  setStatus(text, kind = "info") {
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.className = `assist-status assist-status-${kind}`;
  }

  /** Insert and Not helpful only work while the agent may write in this conversation. @param {boolean} enabled */
  setEnabled(enabled) {
    this.enabled = enabled;
    const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (
      this.list.querySelectorAll("[data-testid=assist-insert], [data-testid=assist-dismiss]"));
    for (const b of buttons) {
      b.disabled = !enabled;
    }
  }

  /**
   * Mark suggestion `articleId` as inserted (the button says so until the panel is redrawn).
   * @param {string | null} articleId
   */
  markInserted(articleId) {
    this.insertedId = articleId || null;
    for (const card of /** @type {NodeListOf<HTMLElement>} */ (this.list.querySelectorAll("[data-testid=assist-suggestion]"))) {
      const inserted = card.dataset.articleId === articleId;
      card.classList.toggle("assist-card--inserted", inserted);
      const button = card.querySelector("[data-testid=assist-insert]");
      if (!button) continue;
      button.textContent = inserted ? "Inserted" : "Insert";
      button.classList.toggle("btn-primary", !inserted);
    }
  }

  clearSearch() {
    const current = this.current;
    this.reset();
    this.showSuggestions(current);
  }

  /**
   * Search, or go back to the suggestions when the box is emptied.
   * @param {SubmitEvent} e
   */
  onSubmit(e) {
    e.preventDefault();
    const query = this.input.value.trim();
    if (!query) {
      if (this.mode === "search") this.clearSearch();
      return;
    }
    this.handlers.onSearch(query);
  }

  /**
   * The heading, with "Back to suggestions" while searching.
   * @param {string} text
   * @param {boolean} searching
   */
  setHeading(text, searching) {
    this.heading.textContent = text;
    this.back.hidden = !searching;
  }

  /**
   * One suggestion: title, marked passage, source link, Insert (and Not helpful for suggestions).
   * @param {Suggestion} s
   * @param {boolean} dismissable
   */
  card(s, dismissable) {
    const passage = renderMarked(h("p", { class: "assist-passage", "data-testid": "assist-passage" }),
      s.passage, s.marks);
    const inserted = s.article_id === this.insertedId;
    const insert = h("button", { type: "button", class: inserted ? "btn btn-small" : "btn btn-small btn-primary",
      "data-testid": "assist-insert", text: inserted ? "Inserted" : "Insert",
      title: "Put this answer in the reply box to edit it", disabled: !this.enabled,
      onclick: () => this.handlers.onInsert(s) });
    const dismiss = dismissable ? h("button", { type: "button", class: "btn btn-small btn-ghost",
      "data-testid": "assist-dismiss", text: "Not helpful", disabled: !this.enabled,
      onclick: () => this.handlers.onDismiss(s) }) : null;
    return h("article", { class: inserted ? "assist-card assist-card--inserted" : "assist-card",
      "data-testid": "assist-suggestion", "data-article-id": s.article_id },
      h("h3", { class: "assist-title", "data-testid": "assist-title", text: s.title || s.article_id }),
      s.heading && s.heading !== s.title ? h("p", { class: "assist-section", text: s.heading }) : null,
      passage,
      h("div", { class: "assist-actions" }, insert, dismiss,
        sourceLink(s.url, { "data-testid": "assist-source" })));
  }
}

/**
 * @param {string} title
 * @param {string} hint
 */
function emptyState(title, hint) {
  return h("div", { class: "assist-empty", "data-testid": "assist-empty" },
    h("p", { class: "assist-empty-title", text: title }),
    h("p", { class: "hint", text: hint }));
}

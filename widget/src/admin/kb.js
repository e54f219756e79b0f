// Admin: the knowledge base the assist suggests from — upload, the article list with preview and
// delete, and a search that shows what agents would be offered. All article text is shown as text.
import { api } from "../lib/api.js";
import { askFirst } from "../lib/confirm.js";
import { h, replace } from "../lib/dom.js";
import { renderMarked, sourceLink } from "../lib/passage.js";
import { assistUnavailable, errorSlot, guarded, unavailableNotice } from "./forms.js";
import { uploadForm } from "./kbupload.js";

/**
 * @typedef {object} Article a knowledge-base article as the admin API lists it
 * @property {string} id
 * @property {string} [title]
 * @property {string} [source]
 * @property {number} [passages]
 * @property {number} [updated_at] UNIX seconds
 */
/** @typedef {{reload: () => Promise<void>, preview: HTMLElement}} Kb the section, as its rows need it */

/**
 * The Knowledge base section.
 * @returns {HTMLElement}
 */
export function knowledgeBaseSection() {
  const tbody = h("tbody");
  const total = h("span", { class: "count", "data-testid": "kb-count" });
  const loadError = errorSlot("kb-error");
  const preview = h("div", { class: "kb-preview", "data-testid": "kb-preview", hidden: true });
  /** @type {Kb} */
  const kb = { reload, preview };
  const notice = unavailableNotice(() => kb.reload());
  const table = h("table", { class: "table", "data-testid": "kb-table" },
    h("thead", {}, h("tr", {}, ["ID", "Title", "Passages", "Updated", ""].map((t) => h("th", { text: t })))),
    tbody);

  async function reload() {
    notice.show(false);
    await guarded(loadError, null, async () => {
      try {
        const data = await api("GET", "/api/admin/kb");
        const articles = (data && data.articles) || [];
        total.textContent = String(articles.length);
        replace(tbody, articles.length
          ? articles.map((/** @type {Article} */ a) => articleRow(a, kb))
          : h("tr", {}, h("td", { colspan: "5", class: "muted", text: "No articles yet: upload some above." })));
      } catch (e) {
        if (!assistUnavailable(e)) throw e;
        notice.show(true);
        total.textContent = "";
        replace(tbody, h("tr", {}, h("td", { colspan: "5", class: "muted", text: "—" })));
      }
    });
  }

  const section = h("section", { class: "card", id: "kb" },
    h("h2", { text: "Knowledge base" }),
    h("p", { class: "hint", text: "The help articles the assist suggests to agents while they chat." }),
    notice.el,
    h("h3", { text: "Upload articles" }),
    uploadForm(() => kb.reload()),
    h("h3", {}, "Articles ", total),
    loadError,
    h("div", { class: "table-wrap" }, table),
    preview,
    h("h3", { text: "Try a search" }),
    searchForm());
  kb.reload();
  return section;
}

/**
 * @param {Article} article
 * @param {Kb} kb
 */
function articleRow(article, kb) {
  const error = errorSlot("row-error");
  const path = `/api/admin/kb/${encodeURIComponent(article.id)}`;
  const view = h("button", { type: "button", class: "btn btn-small", text: "Preview", "data-testid": "kb-preview-button",
    onclick: () => showPreview(kb.preview, article.id, error) });
  const del = h("button", { type: "button", class: "btn btn-small btn-danger", text: "Delete", "data-testid": "kb-delete",
    "aria-label": `Delete ${article.title || article.id}`,
    onclick: () => askFirst(del, {
      question: `Delete “${article.title || article.id}” from the knowledge base? Agents will no longer be offered it.`,
      confirm: "Delete article",
      onConfirm: async () => {
        if (!(await guarded(error, del, () => api("DELETE", path)))) return;
        if (kb.preview.dataset.articleId === article.id) hidePreview(kb.preview);
        await kb.reload();
      },
    }) });
  return h("tr", { "data-testid": "kb-row", "data-article-id": article.id },
    h("td", {}, h("code", { class: "break", text: article.id })),
    h("td", {}, h("div", { "data-testid": "kb-title", text: article.title || "" }),
      article.source ? h("div", { class: "hint break", text: article.source }) : null),
    h("td", { "data-testid": "kb-passages", text: String(article.passages ?? "") }),
    h("td", { class: "nowrap", text: formatUpdated(article.updated_at) }),
    h("td", {}, h("div", { class: "inline" }, view, del), error));
}

// `updated_at` is UNIX seconds.
/**
 * @param {number | undefined} seconds
 */
function formatUpdated(seconds) {
  const d = new Date(Number(seconds) * 1000);
  if (!seconds || isNaN(d.getTime())) return "";
  return d.toLocaleString([], { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/**
 * @param {HTMLElement} el
 * @param {string} id
 * @param {HTMLElement} error
 */
async function showPreview(el, id, error) {
  await guarded(error, null, async () => {
    const { article } = await api("GET", `/api/admin/kb/${encodeURIComponent(id)}`);
    el.dataset.articleId = article.id;
    const tags = Array.isArray(article.tags) && article.tags.length ? `Tags: ${article.tags.join(", ")}` : null;
    replace(el,
      h("div", { class: "kb-preview-head" },
        h("h4", { "data-testid": "kb-preview-title", text: article.title || article.id }),
        h("button", { type: "button", class: "btn btn-small btn-ghost", text: "Close", "data-testid": "kb-preview-close",
          onclick: () => hidePreview(el) })),
      h("p", { class: "hint" }, h("code", { text: article.id }), article.source ? ` · ${article.source}` : "",
        tags ? ` · ${tags}` : ""),
      article.url ? h("p", { class: "hint" }, sourceLink(article.url) || article.url) : null,
      h("div", { class: "kb-body pre-wrap", "data-testid": "kb-preview-body", text: article.body || "" }));
    el.hidden = false;
    el.scrollIntoView({ block: "nearest" });
  });
}

/**
 * @param {HTMLElement} el
 */
function hidePreview(el) {
  el.hidden = true;
  delete el.dataset.articleId;
  el.replaceChildren();
}

function searchForm() {
  const input = h("input", { type: "search", name: "q", "data-testid": "kb-search", maxlength: "1000",
    placeholder: "e.g. my card hasn't arrived", "aria-label": "Search the knowledge base" });
  const submit = h("button", { type: "submit", class: "btn", text: "Search", "data-testid": "kb-search-button" });
  const error = errorSlot("kb-search-error");
  const results = h("div", { class: "kb-results", "data-testid": "kb-search-results" });
  const form = h("form", { class: "kb-search", role: "search" },
    h("div", { class: "inline kb-search-bar" }, input, submit), error, results);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    await guarded(error, submit, async () => {
      const data = await api("GET", `/api/admin/kb/search?q=${encodeURIComponent(q)}`);
      const found = (data && data.suggestions) || [];
      replace(results, found.length ? found.map(resultItem) : h("p", { class: "muted", text: "No articles found." }));
    });
  });
  return form;
}

/**
 * @param {import("../lib/types.js").Suggestion} s
 */
function resultItem(s) {
  return h("article", { class: "kb-result", "data-testid": "kb-result", "data-article-id": s.article_id },
    h("div", { class: "kb-result-head" },
      h("h4", { "data-testid": "kb-result-title", text: s.title || s.article_id }),
      typeof s.score === "number" ? h("span", { class: "hint", text: `score ${s.score.toFixed(2)}` }) : null),
    s.heading && s.heading !== s.title ? h("p", { class: "hint", text: s.heading }) : null,
    renderMarked(h("p", { class: "kb-passage", "data-testid": "kb-result-passage" }), s.passage, s.marks),
    sourceLink(s.url));
}

// Admin: the assist report — how often agents use the suggestions, the articles used most, and the
// visitor messages nothing in the knowledge base answered (the gaps to write articles for).
import { api } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { assistUnavailable, errorSlot, guarded, unavailableNotice } from "./forms.js";

/**
 * The Assist report section.
 * @returns {HTMLElement}
 */
export function assistReportSection() {
  const body = h("div", { class: "report-body" }, h("p", { class: "muted", text: "Loading…" }));
  const loadError = errorSlot("assist-report-error");
  const refresh = h("button", { type: "button", class: "btn btn-small", text: "Refresh", "data-testid": "assist-report-refresh" });
  const notice = unavailableNotice(() => reload());

  async function reload() {
    notice.show(false);
    await guarded(loadError, refresh, async () => {
      try {
        const [report, titles] = await Promise.all([api("GET", "/api/admin/assist/report"), articleTitles()]);
        replace(body, stats(report), topArticles(report.top_articles || [], titles), gaps(report.gaps || []));
      } catch (e) {
        if (!assistUnavailable(e)) throw e;
        notice.show(true);
        replace(body);
      }
    });
  }
  refresh.addEventListener("click", reload);

  const section = h("section", { class: "card", id: "assist-report", "data-testid": "assist-report" },
    h("div", { class: "card-head" }, h("h2", { text: "Assist report" }), refresh),
    h("p", { class: "hint", text: "How often suggestions help agents, and what the knowledge base cannot answer yet." }),
    notice.el, loadError, body);
  reload();
  return section;
}

// Article titles for the top list; the report works without them (ids are shown instead).
async function articleTitles() {
  try {
    const data = await api("GET", "/api/admin/kb");
    /** @type {Array<{id: string, title: string}>} */
    const articles = (data && data.articles) || [];
    return new Map(articles.map((a) => [a.id, a.title]));
  } catch (e) {
    return new Map();
  }
}

/**
 * A fraction (0.125) as a percentage ("12.5%").
 * @param {number} fraction
 */
function percent(fraction) {
  const n = Number(fraction);
  if (!Number.isFinite(n)) return "—";
  return `${Math.round(n * 1000) / 10}%`;
}

/**
 * @param {Record<string, any>} r the report (GET /api/admin/assist/report)
 */
function stats(r) {
  const shown = Number(r.shown) || 0;
  return h("div", { class: "stats" },
    stat("Suggestions shown", String(shown), null, "assist-report-shown"),
    stat("Inserted", percent(r.insert_rate), `${r.inserted ?? 0} of ${shown}`, "assist-report-insert-rate"),
    stat("Sent unchanged", percent(r.sent_unchanged_rate), `${r.sent_unchanged ?? 0} of ${shown} (${r.sent ?? 0} sent)`,
      "assist-report-unchanged-rate"),
    stat("Not helpful", percent(r.dismiss_rate), `${r.dismissed ?? 0} of ${shown}`, "assist-report-dismiss-rate"));
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string | null} detail
 * @param {string} testid
 */
function stat(label, value, detail, testid) {
  return h("div", { class: "stat" },
    h("div", { class: "stat-label", text: label }),
    h("div", { class: "stat-value", "data-testid": testid, text: value }),
    detail ? h("div", { class: "hint", text: detail }) : null);
}

/**
 * @param {Array<{article_id: string, uses: number}>} top
 * @param {Map<string, string>} titles
 */
function topArticles(top, titles) {
  const title = h("h3", { text: "Most used articles" });
  if (!top.length) return [title, h("p", { class: "muted", "data-testid": "assist-top-articles", text: "None yet." })];
  return [title, h("div", { class: "table-wrap" }, h("table", { class: "table", "data-testid": "assist-top-articles" },
    h("thead", {}, h("tr", {}, ["Article", "Uses"].map((t) => h("th", { text: t })))),
    h("tbody", {}, top.map((a) => h("tr", { "data-article-id": a.article_id },
      h("td", {}, h("span", { text: titles.get(a.article_id) || a.article_id }), " ",
        h("code", { class: "muted", text: a.article_id })),
      h("td", { text: String(a.uses) }))))))];
}

/**
 * @param {string[]} messages visitor messages no article answered
 */
function gaps(messages) {
  return [
    h("h3", { text: "Gaps" }),
    h("p", { class: "hint", text: "Recent visitor messages no article answered: candidates for new articles." }),
    h("ul", { class: "gaps", "data-testid": "assist-gaps" }, messages.map((m) => h("li", { text: m }))),
    messages.length ? null : h("p", { class: "muted", text: "No gaps: every recent visitor message got a suggestion." }),
  ];
}

// The history page, /console/history: every conversation the agent may read, with filters, a
// search over what was written, and "Load more" pages. The list refreshes itself while it shows
// its first page (over a read-only "observer" socket: docs/protocol.md), so an admin watching the
// "Open" filter sees every live conversation come and go.
import { io } from "socket.io-client";
import { api } from "../lib/api.js";
import { h, replace, showError } from "../lib/dom.js";
import { conversationRow, resultRow } from "./historyview.js";

const FIELDS = ["q", "status", "agent", "label", "from", "to"];
/** The quick filters: each a preset of `status` and `agent`. */
const QUICK = [
  { name: "All", status: "", agent: "" },
  { name: "Mine", status: "", agent: "me" },
  { name: "Unassigned", status: "", agent: "none" },
  { name: "Queued", status: "queued", agent: "" },
  { name: "Open", status: "open", agent: "" },
  { name: "Closed", status: "closed", agent: "" },
];
const REFRESH_MS = 400;

/**
 * Render the history page into `root`.
 * @param {HTMLElement} root
 * @param {import("../lib/types.js").Agent} agent the signed-in agent
 */
export async function showHistory(root, agent) {
  document.title = "History — Tandem";
  const page = new HistoryPage(root, agent);
  await page.start();
}

/**
 * The search field and the filters, each reporting what it changes.
 * @param {Record<string, string>} f the filters now
 * @param {(changes: Record<string, string>) => void} change
 */
function filterControls(f, change) {
  const search = h("input", { type: "search", name: "q", value: f.q, placeholder: "Search messages and notes",
    "aria-label": "Search messages and notes", "data-testid": "history-search" });
  const quick = h("div", { class: "quick-filters", role: "group", "aria-label": "Show" },
    QUICK.map((q) => h("button", { type: "button", class: "btn btn-small quick", "data-testid": `quick-${q.name.toLowerCase()}`,
      text: q.name, onclick: () => change({ status: q.status, agent: q.agent }) })));
  const agentSelect = h("select", { "data-testid": "filter-agent", "aria-label": "Agent", onchange: () => change({ agent: agentSelect.value }) },
    h("option", { value: "", text: "Any agent" }), h("option", { value: "me", text: "Me" }), h("option", { value: "none", text: "Unassigned" }));
  const labelSelect = h("select", { "data-testid": "filter-label", "aria-label": "Label", onchange: () => change({ label: labelSelect.value }) },
    h("option", { value: "", text: "Any label" }));
  const from = h("input", { type: "date", value: f.from, "aria-label": "Started from", "data-testid": "filter-from",
    onchange: () => change({ from: from.value }) });
  const to = h("input", { type: "date", value: f.to, "aria-label": "Started until", "data-testid": "filter-to",
    onchange: () => change({ to: to.value }) });
  return { search, quick, agentSelect, labelSelect, from, to };
}

class HistoryPage {
  /**
   * @param {HTMLElement} root
   * @param {import("../lib/types.js").Agent} agent
   */
  constructor(root, agent) {
    this.root = root;
    this.agent = agent;
    const params = new URLSearchParams(location.search);
    /** @type {Record<string, string>} */
    this.filters = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) || ""]));
    /** @type {string | null} */
    this.next = null;
    this.loading = 0;
    this.paged = false; // "Load more" was used: the list stays as it is
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.refreshTimer = null;
    const controls = filterControls(this.filters, (changes) => this.change(changes));
    this.search = controls.search;
    this.quick = controls.quick;
    this.agentSelect = controls.agentSelect;
    this.labelSelect = controls.labelSelect;
    this.from = controls.from;
    this.to = controls.to;
    this.summary = h("p", { class: "history-summary", role: "status", "aria-live": "polite", "data-testid": "history-summary" });
    this.error = h("p", { class: "form-error", role: "alert", hidden: true });
    this.list = h("ul", { class: "history-list", "data-testid": "history-list" });
    this.more = h("button", { type: "button", class: "btn", "data-testid": "load-more", text: "Load more", hidden: true,
      onclick: () => this.load(false) });
    this.render();
  }

  render() {
    replace(this.root,
      h("header", { class: "topbar" },
        h("a", { class: "brand", href: "/console" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
        h("div", { class: "topbar-right" },
          h("span", { class: "me-name", text: this.agent.name }),
          h("a", { href: "/console", class: "btn btn-ghost", text: "Back to console" }))),
      h("main", { class: "history", "data-testid": "history" },
        h("h1", { text: "History" }),
        h("form", { class: "history-search", role: "search", onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          this.change({ q: this.search.value.trim() });
        } }, this.search, h("button", { type: "submit", class: "btn btn-primary", text: "Search" })),
        h("div", { class: "history-filters" }, this.quick,
          h("div", { class: "filter-fields" },
            h("label", {}, "Agent", this.agentSelect), h("label", {}, "Label", this.labelSelect),
            h("label", {}, "From", this.from), h("label", {}, "To", this.to),
            h("button", { type: "button", class: "btn btn-ghost", text: "Clear filters", "data-testid": "clear-filters",
              onclick: () => this.change(Object.fromEntries(FIELDS.map((k) => [k, ""]))) }))),
        this.summary, this.error, this.list, this.more));
  }

  async start() {
    await this.loadChoices();
    this.showFilters();
    await this.load(true);
    this.listen();
  }

  async loadChoices() {
    try {
      const [team, labels] = await Promise.all([api("GET", "/api/team"), api("GET", "/api/labels")]);
      for (const a of team.agents) this.agentSelect.append(h("option", { value: a.id, text: a.name }));
      for (const l of labels.labels) this.labelSelect.append(h("option", { value: l.label, text: `${l.label} (${l.conversations})` }));
    } catch (e) {
      showError(this.error, /** @type {Error} */ (e).message);
    }
  }

  /** @param {Record<string, string>} changes */
  change(changes) {
    Object.assign(this.filters, changes);
    const query = new URLSearchParams(Object.entries(this.filters).filter(([, v]) => v));
    history.replaceState(null, "", `${location.pathname}${query.toString() ? `?${query}` : ""}`);
    this.showFilters();
    this.load(true);
  }

  showFilters() {
    const f = this.filters;
    this.search.value = f.q;
    this.agentSelect.value = f.agent;
    this.labelSelect.value = f.label;
    this.from.value = f.from;
    this.to.value = f.to;
    this.quick.querySelectorAll("button").forEach((b, i) => {
      b.setAttribute("aria-pressed", String(QUICK[i].status === f.status && QUICK[i].agent === f.agent));
    });
  }

  /** @param {boolean} reset a new first page (else the next page) */
  async load(reset) {
    const f = this.filters;
    const params = new URLSearchParams(Object.entries(f).filter(([k, v]) => v && k !== "q"));
    if (f.q) params.set("q", f.q);
    if (!reset && this.next) params.set("before", this.next);
    const ticket = ++this.loading;
    this.more.disabled = true;
    let data;
    try {
      data = await api("GET", `/api/conversations${f.q ? "/search" : ""}?${params}`);
    } catch (e) {
      if (ticket !== this.loading) return;
      showError(this.error, /** @type {Error} */ (e).message);
      this.more.disabled = false;
      return;
    }
    if (ticket !== this.loading) return; // a newer request went out meanwhile
    showError(this.error, "");
    this.paged = !reset;
    const rows = f.q
      ? data.results.map((/** @type {any} */ r) => resultRow(r, data.words))
      : data.conversations.map((/** @type {any} */ c) => conversationRow(c));
    if (reset) replace(this.list, rows);
    else this.list.append(...rows);
    this.next = data.next;
    this.more.hidden = !data.next;
    this.more.disabled = false;
    this.showSummary(data);
  }

  /** @param {any} data */
  showSummary(data) {
    const shown = this.list.children.length;
    const more = this.next ? " so far" : "";
    if (this.filters.q) {
      this.summary.textContent = shown
        ? `${shown} ${shown === 1 ? "message matches" : "messages match"} “${data.words.join(" ")}”${more}`
        : `No message matches “${data.words.join(" ")}”.`;
    } else {
      this.summary.textContent = shown ? `${shown} ${shown === 1 ? "conversation" : "conversations"}${more}` : "No conversations match these filters.";
    }
  }

  /** Refresh the first page when the queue or the team changes (a chat started, was taken or closed). */
  listen() {
    const socket = io("/agent", { transports: ["websocket", "polling"], auth: { observe: true } });
    const refresh = () => {
      if (this.paged || this.filters.q) return; // never pull the rows from under someone reading page 3
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => this.load(true), REFRESH_MS);
    };
    socket.on("queue.updated", refresh);
    socket.on("agents.updated", refresh);
    socket.on("resync", refresh);
  }
}

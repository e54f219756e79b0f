// Admin: canned responses — list, add, edit in place, delete.
import { api } from "../lib/api.js";
import { askFirst } from "../lib/confirm.js";
import { h, replace } from "../lib/dom.js";
import { errorSlot, field, guarded } from "./forms.js";

/** @typedef {{id: string, shortcut: string, text: string}} Canned */

/**
 * The Canned responses section.
 * @returns {HTMLElement}
 */
export function cannedSection() {
  const tbody = h("tbody");
  const loadError = errorSlot("canned-error");
  const table = h("table", { class: "table", "data-testid": "canned-table" },
    h("thead", {}, h("tr", {}, ["Shortcut", "Text", ""].map((t) => h("th", { text: t })))),
    tbody);

  async function reload() {
    await guarded(loadError, null, async () => {
      const data = await api("GET", "/api/admin/canned");
      const items = (data && data.canned) || [];
      replace(tbody, items.length
        ? items.map((/** @type {Canned} */ c) => cannedRow(c, reload))
        : h("tr", {}, h("td", { colspan: "3", class: "muted", text: "No canned responses yet." })));
    });
  }

  const section = h("section", { class: "card", id: "canned" },
    h("h2", { text: "Canned responses" }),
    h("p", { class: "hint", text: "Agents type /shortcut in the composer to insert the text." }),
    loadError,
    h("div", { class: "table-wrap" }, table),
    h("h3", { text: "Add a canned response" }),
    addCannedForm(reload));
  reload();
  return section;
}

/**
 * @param {Canned} item
 * @param {() => Promise<void>} reload
 */
function cannedRow(item, reload) {
  const error = errorSlot("row-error");
  const row = h("tr", { "data-testid": "canned-row", "data-canned-id": item.id });
  const url = `/api/admin/canned/${encodeURIComponent(item.id)}`;

  function showView() {
    const edit = h("button", { type: "button", class: "btn btn-small", text: "Edit", "data-testid": "canned-edit", onclick: showEdit });
    const del = h("button", { type: "button", class: "btn btn-small btn-danger", text: "Delete", "data-testid": "canned-delete",
      onclick: () => askFirst(del, {
        question: `Delete /${String(item.shortcut).replace(/^\//, "")}?`,
        confirm: "Delete response",
        onConfirm: async () => {
          if (await guarded(error, del, () => api("DELETE", url))) await reload();
        },
      }) });
    replace(row,
      h("td", {}, h("code", { "data-testid": "canned-shortcut", text: `/${String(item.shortcut).replace(/^\//, "")}` })),
      h("td", { class: "pre-wrap", "data-testid": "canned-text", text: item.text }),
      h("td", {}, h("div", { class: "inline" }, edit, del), error));
  }

  function showEdit() {
    const shortcut = h("input", { type: "text", name: "shortcut", value: item.shortcut, "aria-label": "Shortcut" });
    const text = h("textarea", { name: "text", rows: "3", value: item.text, "aria-label": "Text" });
    const save = h("button", { type: "button", class: "btn btn-small btn-primary", text: "Save", "data-testid": "canned-save" });
    const cancel = h("button", { type: "button", class: "btn btn-small", text: "Cancel", onclick: showView });
    save.addEventListener("click", async () => {
      const body = { shortcut: shortcut.value.trim(), text: text.value.trim() };
      if (await guarded(error, save, () => api("PATCH", url, body))) await reload();
    });
    replace(row, h("td", {}, shortcut), h("td", {}, text), h("td", {}, h("div", { class: "inline" }, save, cancel), error));
    shortcut.focus();
  }

  showView();
  return row;
}

/**
 * @param {() => Promise<void>} reload
 */
function addCannedForm(reload) {
  const error = errorSlot();
  const shortcut = h("input", { type: "text", name: "shortcut", required: true, placeholder: "hello", autocomplete: "off" });
  const text = h("textarea", { name: "text", rows: "3", required: true, placeholder: "Hi! How can I help you today?" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Add response" });
  const form = h("form", { class: "form-grid", "data-testid": "canned-add-form" },
    field("Shortcut", shortcut, "Letters, digits, - or _; typed after a slash"),
    h("div", { class: "field field-wide" }, h("label", { for: "canned-new-text", text: "Text" }),
      Object.assign(text, { id: "canned-new-text" })),
    h("div", { class: "form-actions" }, submit, error));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { shortcut: shortcut.value.trim(), text: text.value.trim() };
    if (await guarded(error, submit, () => api("POST", "/api/admin/canned", body))) {
      form.reset();
      await reload();
    }
  });
  return form;
}

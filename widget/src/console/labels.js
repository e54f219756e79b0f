// Labels on a conversation: chips with a remove button, and a field to add one.
import { api } from "../lib/api.js";
import { h, replace, showError } from "../lib/dom.js";

/**
 * The label editor of conversation `id`.
 * @param {string} id
 * @param {string[]} labels its labels now
 * @returns {HTMLElement}
 */
export function labelEditor(id, labels) {
  const path = `/api/conversations/${encodeURIComponent(id)}/labels`;
  const chips = h("span", { class: "label-chips", "data-testid": "labels" });
  const error = h("span", { class: "form-error", role: "alert", hidden: true });
  const input = h("input", { type: "text", maxlength: "40", placeholder: "Add a label", "aria-label": "New label", "data-testid": "label-input" });

  /** @param {string[]} now */
  const show = (now) => replace(chips, now.map((l) => h("span", { class: "label-chip", "data-testid": "label-chip" }, l,
    h("button", { type: "button", class: "chip-remove", "aria-label": `Remove the label ${l}`, text: "×",
      onclick: () => send("DELETE", `${path}/${encodeURIComponent(l)}`) }))));

  /** @param {string} method @param {string} url @param {object} [body] */
  const send = async (method, url, body) => {
    try {
      show((await api(method, url, body)).labels);
      showError(error, "");
      return true;
    } catch (e) {
      showError(error, /** @type {Error} */ (e).message);
      return false;
    }
  };

  show(labels);
  return h("form", { class: "label-editor", onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    if (input.value.trim() && await send("POST", path, { label: input.value })) input.value = "";
  } }, h("span", { class: "label-title", text: "Labels" }), chips, input,
  h("button", { type: "submit", class: "btn btn-small", text: "Add" }), error);
}

// Admin: widget settings (greeting, colour, pre-chat fields, allowed origins) and the embed snippet.
import { api } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { errorSlot, field, guarded, select } from "./forms.js";

/** @type {Array<[string, string]>} */
const PRECHAT = [["off", "Off"], ["optional", "Optional"], ["required", "Required"]];

/**
 * The Widget settings section.
 * @returns {HTMLElement}
 */
export function settingsSection() {
  const body = h("div", {}, h("p", { class: "muted", text: "Loading…" }));
  const loadError = errorSlot("settings-error");
  const section = h("section", { class: "card", id: "settings" },
    h("h2", { text: "Widget" }), loadError, body, embedSnippet());
  guarded(loadError, null, async () => {
    const settings = await api("GET", "/api/admin/settings");
    replace(body, settingsForm(settings));
  });
  return section;
}

/**
 * @param {{greeting?: string, color?: string, prechat?: {name?: string, email?: string}, leave_message_email?: string, allowed_origins?: string[] | string}} settings
 */
function settingsForm(settings) {
  const prechat = settings.prechat || {};
  const greeting = h("textarea", { name: "greeting", rows: "2", maxlength: "500", value: settings.greeting || "" });
  const color = h("input", { type: "color", name: "color", value: validColor(settings.color) });
  const name = select("prechat_name", PRECHAT, prechat.name || "off");
  const email = select("prechat_email", PRECHAT, prechat.email || "off");
  const leaveEmail = select("leave_message_email", PRECHAT, settings.leave_message_email || "required");
  const origins = h("textarea", { name: "allowed_origins", rows: "4", spellcheck: "false",
    placeholder: "https://www.example.com", value: originsToText(settings.allowed_origins) });
  const error = errorSlot();
  const saved = h("span", { class: "form-success", "data-testid": "form-success", role: "status", hidden: true, text: "Saved" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Save settings" });
  const form = h("form", { class: "form-grid", "data-testid": "settings-form" },
    field("Greeting", greeting, "The first thing visitors read in the widget"),
    field("Colour", color),
    field("Pre-chat: name", name),
    field("Pre-chat: email", email),
    field("Leave a message: email", leaveEmail, "Asked when no agent is online, so someone can reply later"),
    h("div", { class: "field field-wide" },
      h("label", { for: "origins", text: "Allowed origins" }),
      Object.assign(origins, { id: "origins" }),
      h("p", { class: "hint", text: "One per line, e.g. https://www.example.com. Pages on other sites cannot open the widget." })),
    h("div", { class: "form-actions" }, submit, saved, error));
  form.addEventListener("input", () => {
    saved.hidden = true;
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const payload = {
      greeting: greeting.value.trim(),
      color: color.value,
      prechat: { name: name.value, email: email.value },
      leave_message_email: leaveEmail.value,
      allowed_origins: origins.value.split(/[\s,]+/).map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean),
    };
    const ok = await guarded(error, submit, async () => {
      const result = await api("PUT", "/api/admin/settings", payload);
      if (result && result.allowed_origins !== undefined) origins.value = originsToText(result.allowed_origins);
    });
    saved.hidden = !ok;
  });
  return form;
}

// The server may hand the origins back as a list or as one comma-separated string.
/**
 * @param {unknown} value
 */
function originsToText(value) {
  if (Array.isArray(value)) return value.join("\n");
  return String(value || "").split(/[\s,]+/).filter(Boolean).join("\n");
}

/**
 * @param {string | undefined} value
 */
function validColor(value) {
  return /^#[0-9a-f]{6}$/i.test(value || "") ? value : "#2563eb";
}

function embedSnippet() {
  const snippet = `<script src="${location.origin}/widget.js" async></script>`;
  const code = h("code", { "data-testid": "embed-snippet", text: snippet });
  const copied = h("span", { class: "form-success", hidden: true, text: "Copied" });
  const copy = h("button", { type: "button", class: "btn btn-small", text: "Copy", onclick: async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      copied.hidden = false;
      setTimeout(() => { copied.hidden = true; }, 2000);
    } catch (e) {
      // Clipboard blocked (e.g. not a secure context): select the text so Ctrl+C works.
      /** @type {Selection} */ (getSelection()).selectAllChildren(code);
    }
  } });
  return h("div", { class: "embed" },
    h("h3", { text: "Embed code" }),
    h("p", { class: "hint", text: "Paste this before </body> on every page that should show the chat widget." }),
    h("pre", { class: "snippet" }, code),
    h("div", { class: "inline" }, copy, copied));
}

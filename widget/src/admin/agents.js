// Admin: the agents table (role, capacity, disable/enable) and the add-agent form.
import { api } from "../lib/api.js";
import { askFirst } from "../lib/confirm.js";
import { h, replace } from "../lib/dom.js";
import { errorSlot, field, guarded, select } from "./forms.js";

/** @typedef {import("../lib/types.js").Agent} Agent */
/** @typedef {Agent & {disabled?: boolean}} AdminAgent an agent as the admin API lists it */

/** @type {Array<[string, string]>} */
const ROLES = [["agent", "Agent"], ["admin", "Admin"]];

/**
 * The Agents section.
 * @param {Agent} me the signed-in admin
 * @returns {HTMLElement}
 */
export function agentsSection(me) {
  const tbody = h("tbody");
  const loadError = errorSlot("agents-error");
  const table = h("table", { class: "table", "data-testid": "agents-table" },
    h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Capacity", "Status", "Account", ""].map((t) => h("th", { text: t })))),
    tbody);

  async function reload() {
    await guarded(loadError, null, async () => {
      const data = await api("GET", "/api/admin/agents");
      replace(tbody, (data.agents || []).map((/** @type {AdminAgent} */ a) => agentRow(a, me, reload)));
    });
  }

  const section = h("section", { class: "card", id: "agents" },
    h("h2", { text: "Agents" }),
    loadError,
    h("div", { class: "table-wrap" }, table),
    h("h3", { text: "Invite an agent" }),
    inviteForm(),
    h("h3", { text: "Add an agent" }),
    addAgentForm(reload));
  reload();
  return section;
}

/**
 * @param {AdminAgent} agent
 * @param {Agent} me
 * @param {() => Promise<void>} reload
 */
function agentRow(agent, me, reload) {
  const error = errorSlot("row-error");
  const role = select("role", ROLES, agent.role);
  role.dataset.testid = "agent-role";
  role.setAttribute("aria-label", `Role of ${agent.name}`);
  const capacity = h("input", { type: "number", min: "0", max: "100", step: "1", class: "input-narrow",
    value: String(agent.capacity ?? 0), "data-testid": "agent-capacity", "aria-label": `Capacity of ${agent.name}` });
  const saveCapacity = h("button", { type: "button", class: "btn btn-small", text: "Save", "data-testid": "agent-capacity-save" });
  const toggle = h("button", { type: "button", class: agent.disabled ? "btn btn-small" : "btn btn-small btn-danger",
    text: agent.disabled ? "Enable" : "Disable", "data-testid": "agent-toggle-disabled" });

  /** @type {(body: object, button: HTMLButtonElement | null) => Promise<boolean>} */
  const patch = (body, button) => guarded(error, button, async () => {
    await api("PATCH", `/api/admin/agents/${encodeURIComponent(agent.id)}`, body);
    await reload();
  });
  role.addEventListener("change", async () => {
    if (!(await patch({ role: role.value }, null))) role.value = agent.role;
  });
  saveCapacity.addEventListener("click", () => {
    const value = Number(capacity.value);
    if (!Number.isInteger(value) || value < 0) {
      error.textContent = "Capacity must be a whole number, 0 or more.";
      error.hidden = false;
      return;
    }
    patch({ capacity: value }, saveCapacity);
  });
  toggle.addEventListener("click", () => {
    if (agent.disabled) return patch({ disabled: false }, toggle); // enabling harms nothing: no question
    askFirst(toggle, {
      question: `Disable ${agent.name}? They are signed out at once and their open chats go back to the queue.`,
      confirm: `Disable ${agent.name}`,
      onConfirm: () => patch({ disabled: true }, toggle),
    });
  });
  // Resetting signs the agent out everywhere: it asks once more before it acts.
  const reset = h("button", { type: "button", class: "btn btn-small", text: "Reset password", "data-testid": "agent-reset-password" });
  const confirmReset = h("button", { type: "button", class: "btn btn-small btn-danger", text: "Reset and sign out",
    "data-testid": "agent-reset-confirm" });
  const cancelReset = h("button", { type: "button", class: "btn btn-small", text: "Cancel" });
  const resetQuestion = h("div", { class: "inline", hidden: true, role: "group", "aria-label": `Reset the password of ${agent.name}` },
    h("span", { text: `${agent.name} gets a new password and is signed out everywhere.` }), confirmReset, cancelReset);
  const newPassword = h("p", { class: "form-success", "data-testid": "agent-new-password", role: "status", hidden: true });
  /** @param {boolean} asking */
  const ask = (asking) => {
    resetQuestion.hidden = !asking;
    reset.hidden = asking;
    (asking ? confirmReset : reset).focus();
  };
  reset.addEventListener("click", () => ask(true));
  cancelReset.addEventListener("click", () => ask(false));
  confirmReset.addEventListener("click", () => guarded(error, confirmReset, async () => {
    const data = await api("POST", `/api/admin/agents/${encodeURIComponent(agent.id)}/password`, {});
    ask(false);
    newPassword.textContent = `New password for ${agent.name}, shown once: ${data.password}`;
    newPassword.hidden = false;
  }));

  const status = agent.connected ? agent.status : `${agent.status}, not connected`;
  return h("tr", { "data-testid": "agent-row", "data-agent-id": agent.id, class: agent.disabled ? "row-disabled" : "" },
    h("td", {}, h("span", { text: agent.name }), agent.id === me.id ? h("span", { class: "muted", text: " (you)" }) : null),
    h("td", { text: agent.email }),
    h("td", {}, role),
    h("td", {}, h("div", { class: "inline" }, capacity, saveCapacity)),
    h("td", {}, h("span", { class: `dot dot-${agent.connected ? agent.status : "offline"}` }), ` ${status} · load ${agent.load ?? 0}`),
    h("td", {}, h("span", { class: agent.disabled ? "badge badge-closed" : "badge badge-assigned",
      "data-testid": "agent-disabled", text: agent.disabled ? "Disabled" : "Active" })),
    h("td", {}, h("div", { class: "inline" }, toggle, reset), resetQuestion, error, newPassword));
}

/**
 * @param {() => Promise<void>} reload
 */
function addAgentForm(reload) {
  const error = errorSlot();
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off" });
  const password = h("input", { type: "password", name: "password", required: true, autocomplete: "new-password", minlength: "8" });
  const role = select("role", ROLES, "agent");
  const capacity = h("input", { type: "number", name: "capacity", min: "0", max: "100", step: "1", value: "3" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Add agent" });
  const form = h("form", { class: "form-grid", "data-testid": "agent-add-form" },
    field("Email", email), field("Name", name), field("Password", password),
    field("Role", role), field("Capacity", capacity, "Conversations at once"),
    h("div", { class: "form-actions" }, submit, error));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    /** @type {{email: string, name: string, password: string, role: string, capacity?: number}} */
    const body = { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value };
    if (capacity.value !== "") body.capacity = Number(capacity.value);
    const ok = await guarded(error, submit, () => api("POST", "/api/admin/agents", body));
    if (ok) {
      form.reset();
      await reload();
    }
  });
  return form;
}

/** The invitation form: an admin makes a link that works once, and copies it to the new agent. */
function inviteForm() {
  const error = errorSlot();
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const role = select("role", ROLES, "agent");
  const capacity = h("input", { type: "number", name: "capacity", min: "1", max: "50", step: "1", value: "3" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Create invitation link" });
  const link = h("input", { type: "text", readonly: true, "data-testid": "invite-link" });
  const made = h("div", { class: "field field-wide", hidden: true },
    h("label", { for: "invite-link", text: "Send this link to the new agent (it works once)" }), link,
    h("p", { class: "hint", "data-testid": "invite-expiry" }));
  link.id = "invite-link";
  const form = h("form", { class: "form-grid", "data-testid": "invite-form" },
    field("Email", email), field("Role", role), field("Capacity", capacity, "Conversations at once"),
    h("div", { class: "form-actions" }, submit, error), made);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    /** @type {{email: string, role: string, capacity?: number}} */
    const body = { email: email.value.trim(), role: role.value };
    if (capacity.value !== "") body.capacity = Number(capacity.value);
    await guarded(error, submit, async () => {
      const { invite } = await api("POST", "/api/admin/invites", body);
      link.value = invite.url;
      const expiry = /** @type {HTMLElement} */ (made.querySelector(".hint"));
      expiry.textContent = `For ${invite.email}, until ${new Date(invite.expires_at).toLocaleString()}.`;
      made.hidden = false;
      link.select();
    });
  });
  return form;
}

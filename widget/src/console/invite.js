// The invitation page (/invite/<token>): the invitee picks a name and a password, is signed in, and
// goes on to the console. An expired or used link says so, and whom to ask.
import { api } from "../lib/api.js";
import { h, replace, showError } from "../lib/dom.js";

const MIN_LENGTH = 8;

/**
 * @param {HTMLElement} root
 * @param {string} token
 */
export async function showInvite(root, token) {
  const path = `/api/invites/${encodeURIComponent(token)}`;
  /** @param {...import("../lib/dom.js").Child} children */
  const card = (...children) => replace(root, h("main", { class: "login-page" },
    h("div", { class: "login-card", "data-testid": "invite-card" },
      h("div", { class: "brand brand-large" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
      ...children)));
  let invite;
  try {
    invite = (await api("GET", path)).invite;
  } catch (e) {
    card(h("h1", { text: "This link does not work" }),
      h("p", { class: "notice", "data-testid": "invite-error", text: /** @type {Error} */ (e).message }));
    return;
  }
  const name = h("input", { type: "text", id: "invite-name", name: "name", autocomplete: "name", required: true, maxlength: "100" });
  const password = h("input", { type: "password", id: "invite-password", name: "password", autocomplete: "new-password",
    required: true, minlength: String(MIN_LENGTH) });
  const repeat = h("input", { type: "password", id: "invite-repeat", name: "repeat", autocomplete: "new-password", required: true });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "invite-form-error", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Join and sign in" });
  const form = h("form", { class: "login-form", "data-testid": "invite-form" },
    h("label", { for: "invite-email", text: "Email" }),
    h("input", { type: "email", id: "invite-email", name: "email", autocomplete: "username", value: invite.email, readonly: true }),
    h("label", { for: "invite-name", text: "Your name (visitors see it)" }), name,
    h("label", { for: "invite-password", text: "Password" }), password,
    h("p", { class: "hint", text: `At least ${MIN_LENGTH} characters.` }),
    h("label", { for: "invite-repeat", text: "Password again" }), repeat,
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (password.value !== repeat.value) {
      showError(error, "The two passwords are not the same.");
      return;
    }
    showError(error, "");
    submit.disabled = true;
    try {
      await api("POST", path, { name: name.value.trim(), password: password.value });
      location.assign("/console"); // signed in by the answer's cookie
    } catch (e) {
      showError(error, /** @type {Error} */ (e).message || "Joining failed.");
      submit.disabled = false;
    }
  });
  card(h("h1", { text: "Join your team on Tandem" }),
    h("p", { class: "hint", text: `You were invited as ${invite.email}.` }),
    form);
  name.focus();
}

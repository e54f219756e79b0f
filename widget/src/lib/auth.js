// Sign-in shared by the console and the admin pages: one form, one session cookie.
import { api, ApiError } from "./api.js";
import { h, replace, showError } from "./dom.js";

/** @typedef {import("./types.js").Agent} Agent */

/**
 * The signed-in agent, or null when there is no valid session (HTTP 401).
 * @returns {Promise<Agent | null>}
 * @throws {ApiError} for anything other than 401 (server down, ...)
 */
export async function currentAgent() {
  try {
    const data = await api("GET", "/api/me");
    return data.agent;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/**
 * Show the sign-in form in `root`; resolves with the agent once the server accepts the password.
 * @param {HTMLElement} root
 * @param {{heading?: string, notice?: string}} [opts] notice: e.g. why the agent was signed out
 * @returns {Promise<Agent>}
 */
export function showSignIn(root, opts = {}) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error", hidden: true });
    const email = h("input", { type: "email", name: "email", id: "login-email", autocomplete: "username", required: true });
    const password = h("input", {
      type: "password", name: "password", id: "login-password", autocomplete: "current-password", required: true,
    });
    const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Sign in" });
    const form = h("form", { class: "login-form", "data-testid": "login-form" },
      h("label", { for: "login-email", text: "Email" }), email,
      h("label", { for: "login-password", text: "Password" }), password,
      error, submit);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError(error, "");
      submit.disabled = true;
      try {
        const data = await api("POST", "/api/login", { email: email.value.trim(), password: password.value });
        resolve(data.agent);
      } catch (e) {
        showError(error, /** @type {Error} */ (e).message || "Sign-in failed");
        password.select();
      } finally {
        submit.disabled = false;
      }
    });

    replace(root, h("main", { class: "login-page" },
      h("div", { class: "login-card" },
        h("div", { class: "brand brand-large" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
        h("h1", { text: opts.heading || "Sign in" }),
        opts.notice ? h("p", { class: "notice", text: opts.notice }) : null,
        form)));
    email.focus();
  });
}

/**
 * The signed-in agent: from the existing session, or after the sign-in form.
 * @param {HTMLElement} root
 * @param {{heading?: string}} [opts]
 * @returns {Promise<Agent>}
 */
export async function requireAgent(root, opts) {
  let agent = null;
  try {
    agent = await currentAgent();
  } catch (e) {
    // The server is unreachable or failing: the form still lets the agent retry.
  }
  return agent || showSignIn(root, opts);
}

/** End the session on the server (the cookie is cleared there). Errors are ignored: we sign out locally anyway. */
export async function signOut() {
  try {
    await api("POST", "/api/logout");
  } catch (e) {
    /* already signed out, or offline */
  }
}

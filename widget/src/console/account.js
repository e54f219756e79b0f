// The agent's own account: changing their password in a modal dialog (the browser's <dialog>
// keeps focus inside it and closes it on Escape).
import { api } from "../lib/api.js";
import { h, showError } from "../lib/dom.js";

const MIN_LENGTH = 8;

/**
 * Open the change-password dialog over `root`.
 * @param {HTMLElement} root
 * @param {(text: string) => void} onChanged told once the server accepted the new password
 */
export function openPasswordDialog(root, onChanged) {
  /** @param {string} id @param {string} autocomplete */
  const input = (id, autocomplete) => h("input", { type: "password", id, name: id, autocomplete, required: true,
    minlength: id === "current-password" ? null : String(MIN_LENGTH) });
  const current = input("current-password", "current-password");
  const fresh = input("new-password", "new-password");
  const repeat = input("repeat-password", "new-password");
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "password-error", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Change password" });
  const cancel = h("button", { type: "button", class: "btn", text: "Cancel", onclick: () => dialog.close() });
  const form = h("form", { class: "login-form", "data-testid": "password-form" },
    h("label", { for: "current-password", text: "Current password" }), current,
    h("label", { for: "new-password", text: "New password" }), fresh,
    h("p", { class: "hint", text: `At least ${MIN_LENGTH} characters. Your other sessions will be signed out.` }),
    h("label", { for: "repeat-password", text: "New password again" }), repeat,
    error,
    h("div", { class: "dialog-actions" }, cancel, submit));
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "password-heading", "data-testid": "password-dialog" },
    h("h2", { id: "password-heading", text: "Change your password" }), form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (fresh.value !== repeat.value) {
      showError(error, "The two new passwords are not the same.");
      repeat.select();
      return;
    }
    showError(error, "");
    submit.disabled = true;
    try {
      await api("POST", "/api/me/password", { current_password: current.value, new_password: fresh.value });
      dialog.close();
      onChanged("Your password is changed. Your other sessions are signed out.");
    } catch (e) {
      showError(error, /** @type {Error} */ (e).message || "The password could not be changed.");
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  root.append(dialog);
  dialog.showModal();
  current.focus();
}

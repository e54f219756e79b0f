// Destructive actions ask first: the button gives way to a question with the action spelled out
// and Cancel, in place (no modal, nothing blocks the page); Escape or Cancel put the button back.
import { h } from "./dom.js";

/**
 * Ask before `onConfirm` runs: show `question` with a `confirm` button and Cancel where `button` was.
 * @param {HTMLButtonElement} button the destructive button the person pressed
 * @param {{question: string, confirm: string, onConfirm: () => unknown}} opts
 */
export function askFirst(button, { question, confirm, onConfirm }) {
  if (button.hidden) return;
  const yes = h("button", { type: "button", class: "btn btn-small btn-danger", "data-testid": "confirm-yes", text: confirm });
  const no = h("button", { type: "button", class: "btn btn-small", "data-testid": "confirm-no", text: "Cancel" });
  const box = h("span", { class: "confirm", role: "group", "aria-label": question, "data-testid": "confirm" },
    h("span", { class: "confirm-question", text: question }), yes, no);
  const restore = () => {
    box.remove();
    button.hidden = false;
  };
  yes.addEventListener("click", () => {
    restore();
    onConfirm();
  });
  no.addEventListener("click", () => {
    restore();
    button.focus();
  });
  box.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    restore();
    button.focus();
  });
  button.hidden = true;
  button.after(box);
  no.focus(); // the safe choice has the focus
}

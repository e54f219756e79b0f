// Small helpers shared by the admin sections: labelled fields and per-form error/success slots.
import { h, showError } from "../lib/dom.js";

let fieldIds = 0;

/**
 * A label with its control, linked by id.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++fieldIds}`;
  return h("div", { class: "field" },
    h("label", { for: control.id, text: label }),
    control,
    hint ? h("p", { class: "hint", text: hint }) : null);
}

/**
 * An error slot (role=alert) to place next to the form or row it belongs to.
 * @param {string} [testid]
 */
export function errorSlot(testid = "form-error") {
  return h("p", { class: "form-error", role: "alert", "data-testid": testid, hidden: true });
}

/**
 * Run `action` while `button` is disabled, showing any API error in `slot`.
 * @param {HTMLElement} slot
 * @param {HTMLButtonElement|null} button
 * @param {() => Promise<any>} action
 * @returns {Promise<boolean>} true when it succeeded
 */
export async function guarded(slot, button, action) {
  showError(slot, "");
  if (button) button.disabled = true;
  try {
    await action();
    return true;
  } catch (e) {
    showError(slot, errorText(e));
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

/**
 * A select with fixed options.
 * @param {string} name
 * @param {Array<[string, string]>} options [value, label]
 * @param {string} [value]
 */
export function select(name, options, value) {
  const el = h("select", { name }, options.map(([v, label]) => h("option", { value: v, text: label })));
  if (value !== undefined) el.value = value;
  return el;
}

const ASSIST_UNAVAILABLE = "The assist is starting or turned off";

/**
 * Is `error` the assist's "starting or turned off" answer (503 assist_unavailable)?
 * @param {unknown} error an ApiError, or whatever else was thrown
 */
export function assistUnavailable(error) {
  const e = /** @type {{status?: number, code?: string} | null | undefined} */ (error);
  return !!e && (e.code === "assist_unavailable" || e.status === 503);
}

/**
 * What to tell the admin about a failed API call.
 * @param {unknown} error an ApiError, or whatever else was thrown
 */
export function errorText(error) {
  if (assistUnavailable(error)) return `${ASSIST_UNAVAILABLE}. Try again in a moment.`;
  const e = /** @type {{message?: string} | null | undefined} */ (error);
  return (e && e.message) || "Request failed";
}

/**
 * A notice for sections that need the assist: "starting or turned off", with a Retry button.
 * Hidden until `show(true)`.
 * @param {() => void} onRetry
 * @returns {{el: HTMLElement, show: (visible: boolean) => void}}
 */
export function unavailableNotice(onRetry) {
  const el = h("div", { class: "notice inline", role: "status", "data-testid": "assist-unavailable", hidden: true },
    h("span", { text: `${ASSIST_UNAVAILABLE}. If it was just started, the model is loading.` }),
    h("button", { type: "button", class: "btn btn-small", text: "Retry", onclick: onRetry }));
  return { el, show: (visible) => { el.hidden = !visible; } };
}

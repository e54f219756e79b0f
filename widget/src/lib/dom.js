// The one element builder of the widget, the console and the admin pages, so UI code is written as
// nested calls and never parses markup: everything goes through createElement, textContent,
// setAttribute and append, so data from the server or a visitor can never turn into markup.

// Set as properties rather than attributes: their live state matters, not the initial markup.
const PROPS = { hidden: 1, disabled: 1, checked: 1, value: 1, selected: 1, required: 1 };

/** @typedef {Node | string | null | undefined | false | Child[]} Child strings become text nodes */

/**
 * Create an element. Props become attributes (true → present, null/undefined/false → left out),
 * except: `class`; `text` (the text content); `on<event>` with a function (a listener); `dataset`
 * (an object); `value` of an input (the attribute, so form.reset() returns to it); and the live
 * state `hidden`, `disabled`, `checked`, `value`, `selected`, `required` (set as properties).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 * @example h("button", {type: "button", "data-tandem": "send", onclick: send}, "Send")
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && tag === "input") el.setAttribute("value", value);
    else if (key in PROPS) /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {HTMLElement} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child); // a string becomes a text node
  }
}

/**
 * Replace all children of `el`.
 * @template {HTMLElement} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Show `message` in an error slot (an element with role=alert), or hide the slot when empty.
 * @param {HTMLElement} slot
 * @param {string} [message]
 */
export function showError(slot, message) {
  slot.textContent = message || "";
  slot.hidden = !message;
}

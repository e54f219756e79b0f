// Tiny DOM builder used by the console and admin pages. Everything goes through createElement,
// textContent and setAttribute, so data from the server can never turn into markup.

/**
 * Create an element.
 * @param {string} tag
 * @param {Object<string, any>} [attrs] attributes; `class`, `text`, `on<event>` (listener),
 *   `dataset` (object) and boolean properties (`hidden`, `disabled`, `checked`, `value`) are special.
 * @param {...(Node|string|null|undefined|false|Array)} children strings become text nodes
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" && tag === "input") {
      el.setAttribute("value", value); // also the default, so form.reset() returns to it
    } else if (key in PROPS) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

// Set as properties rather than attributes: their live state matters, not the initial markup.
const PROPS = { hidden: 1, disabled: 1, checked: 1, value: 1, selected: 1, required: 1 };

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/**
 * Replace all children of `el`.
 * @param {HTMLElement} el
 * @param {...(Node|string|null|undefined|false|Array)} children
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

// A tiny element builder, so UI code can be written as nested calls without ever parsing markup.

/**
 * Create an element. Props become attributes (true → present, null/false → left out), except
 * `on<event>` props, which become listeners. Children are nodes or strings; strings become text
 * nodes, never markup, so passing user data is safe.
 * @param {string} tag
 * @param {Object<string, *>} [props]
 * @param {...(Node|string|null|false)} children
 * @returns {HTMLElement}
 * @example h("button", {type: "button", "data-tandem": "send", onclick: send}, "Send")
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.filter((c) => c != null && c !== false));
  return el;
}

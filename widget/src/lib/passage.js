// A knowledge-base passage with its matching sentences highlighted, built from text nodes and
// <mark> elements (never markup), shared by the console's assist panel and the admin's KB search.
import { h } from "./dom.js";

/**
 * Normalise `marks` for a passage of `length` code points: valid integer [start, end) ranges,
 * clamped, sorted and merged where they overlap or touch.
 * @param {Array<[number, number]> | undefined} marks
 * @param {number} length
 * @returns {Array<[number, number]>}
 */
export function normaliseMarks(marks, length) {
  const ranges = (Array.isArray(marks) ? marks : [])
    .filter((m) => Array.isArray(m) && Number.isInteger(m[0]) && Number.isInteger(m[1]))
    .map(([s, e]) => [Math.max(0, s), Math.min(length, e)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  /** @type {Array<[number, number]>} */
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * Append `passage` to `el` as text, with the `marks` ranges inside <mark> elements. Ranges count
 * Unicode code points (as the server's Python strings do), not UTF-16 units.
 * @param {HTMLElement} el
 * @param {string} passage
 * @param {Array<[number, number]> | undefined} marks
 * @returns {HTMLElement} el
 */
export function renderMarked(el, passage, marks) {
  const points = Array.from(String(passage || ""));
  let at = 0;
  for (const [start, end] of normaliseMarks(marks, points.length)) {
    if (start > at) el.append(document.createTextNode(points.slice(at, start).join("")));
    el.append(h("mark", { text: points.slice(start, end).join("") }));
    at = end;
  }
  if (at < points.length) el.append(document.createTextNode(points.slice(at).join("")));
  return el;
}

/**
 * A link to an article's source, or null when there is no http(s) URL.
 * @param {string|null|undefined} url
 * @param {Object<string, string>} [attrs] extra attributes (e.g. data-testid)
 * @returns {HTMLAnchorElement|null}
 */
export function sourceLink(url, attrs = {}) {
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
  return h("a", { href: url, target: "_blank", rel: "noopener", class: "source-link", title: url, ...attrs },
    sourceLabel(url));
}

// "help.example.com/card-arrival" reads better than the full URL in a narrow panel.
/** @param {string} url */
function sourceLabel(url) {
  try {
    const u = new URL(url);
    const path = u.pathname === "/" ? "" : u.pathname;
    return `${u.host}${path}`;
  } catch (e) {
    return url;
  }
}

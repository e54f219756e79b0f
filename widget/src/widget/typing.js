// The visitor's typing goes to the agent (throttled, stopped when idle); the composer grows as
// text is typed. The agent's typing is shown by screen.js.
import { live } from "./state.js";

/** @typedef {import("./state.js").WidgetState} WidgetState */

const TYPING_EVERY_MS = 2000;
const TYPING_IDLE_MS = 3000;

/**
 * The visitor typed in the composer: tell the agent (at most every 2 s) and grow the box.
 * @param {WidgetState} w
 */
export function typed(w) {
  grow(w);
  fits(w);
  if (!live(w)) return;
  if (!w.v.composer.value.trim()) return stopTyping(w);
  const now = Date.now();
  if (now - w.typingSentAt >= TYPING_EVERY_MS) {
    w.socket.volatile.emit("typing", { typing: true }); // volatile: stale typing is worthless later
    w.typingSentAt = now;
  }
  clearTimeout(w.idleTimer);
  w.idleTimer = setTimeout(() => stopTyping(w), TYPING_IDLE_MS);
}

/**
 * Tell the agent the visitor stopped typing, if they were told it started.
 * @param {WidgetState} w
 */
export function stopTyping(w) {
  clearTimeout(w.idleTimer);
  if (!w.typingSentAt) return;
  w.typingSentAt = 0;
  if (w.conv) w.socket.volatile.emit("typing", { typing: false });
}

/**
 * Fit the composer's height to its text (up to 120px).
 * @param {WidgetState} w
 */
export function grow(w) {
  const composer = w.v.composer;
  composer.style.height = "auto";
  composer.style.height = `${Math.min(composer.scrollHeight + 2, 120)}px`;
}

/**
 * Near the length limit show how much is used; over it, by how much. Whether the text fits.
 * @param {WidgetState} w
 */
export function fits(w) {
  const count = w.v.count;
  const length = [...w.v.composer.value.trim()].length; // code points, as the server counts
  const over = length - w.maxLength;
  count.hidden = length < w.maxLength * 0.9;
  count.classList.toggle("over", over > 0);
  count.textContent = over > 0
    ? `${over} ${over === 1 ? "character" : "characters"} too long (the limit is ${w.maxLength})`
    : `${length} / ${w.maxLength}`;
  return over <= 0;
}

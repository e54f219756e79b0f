// Typing indicators both ways: the visitor's typing goes to the agent (throttled, stopped when
// idle), and the agent's shows above the composer. Also grows the composer as text is typed.
import { scrollDown } from "./screen.js";
import { live } from "./sync.js";

const TYPING_EVERY_MS = 2000;
const TYPING_IDLE_MS = 3000;
// The agent's console repeats typing:true while they type; hide the indicator if it stops coming.
const AGENT_TYPING_MS = 6000;

/** Show that agent `name` is typing, or hide the indicator (`name` null). */
export function showTyping(w, name) {
  const v = w.v;
  clearTimeout(w.agentTypingTimer);
  v.typing.textContent = name ? `${name} is typing…` : "";
  v.typing.hidden = !name;
  if (name) {
    w.agentTypingTimer = setTimeout(() => showTyping(w, null), AGENT_TYPING_MS);
    scrollDown(w);
  }
}

/** The visitor typed in the composer: tell the agent (at most every 2 s) and grow the box. */
export function typed(w) {
  grow(w);
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

/** Tell the agent the visitor stopped typing, if they were told it started. */
export function stopTyping(w) {
  clearTimeout(w.idleTimer);
  if (!w.typingSentAt) return;
  w.typingSentAt = 0;
  if (w.conv) w.socket.volatile.emit("typing", { typing: false });
}

/** Fit the composer's height to its text (up to 120px). */
export function grow(w) {
  const composer = w.v.composer;
  composer.style.height = "auto";
  composer.style.height = `${Math.min(composer.scrollHeight + 2, 120)}px`;
}

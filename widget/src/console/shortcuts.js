// The console's keyboard shortcuts, in one table: the key handler (keyboard.js) and the help
// overlay (help.js) both read it, so the list the agent sees is the list that works. Shortcuts with
// a modifier work everywhere, the reply box included; plain keys only outside text fields, where
// they would otherwise type.

/**
 * @typedef {object} Shortcut
 * @property {"next" | "previous" | "send" | "insert" | "close" | "search" | "help"} action
 * @property {string[]} keys as shown, e.g. ["Alt", "↓"]
 * @property {string} label what it does
 * @property {boolean} inField whether it also works while typing in a text field
 * @property {(e: KeyboardEvent) => boolean} match
 */

/** @param {KeyboardEvent} e */
const altOnly = (e) => e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey;
/** Ctrl, or ⌘ on a Mac. @param {KeyboardEvent} e */
const ctrlOnly = (e) => (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;

/** @type {Shortcut[]} */
export const SHORTCUTS = [
  { action: "next", keys: ["Alt", "↓"], label: "Next conversation", inField: true,
    match: (e) => altOnly(e) && e.key === "ArrowDown" },
  { action: "previous", keys: ["Alt", "↑"], label: "Previous conversation", inField: true,
    match: (e) => altOnly(e) && e.key === "ArrowUp" },
  { action: "send", keys: ["Ctrl", "Enter"], label: "Send the reply (Enter alone sends too)", inField: true,
    match: (e) => ctrlOnly(e) && e.key === "Enter" },
  // By the key's place, not its character: Option+I types "ˆ" on a Mac.
  { action: "insert", keys: ["Alt", "I"], label: "Insert the first suggested answer into the reply", inField: true,
    match: (e) => altOnly(e) && e.code === "KeyI" },
  { action: "close", keys: ["Alt", "C"], label: "Close the conversation", inField: true,
    match: (e) => altOnly(e) && e.code === "KeyC" },
  { action: "search", keys: ["Ctrl", "K"], label: "Search the knowledge base", inField: true,
    match: (e) => ctrlOnly(e) && e.code === "KeyK" },
  { action: "search", keys: ["/"], label: "Search the knowledge base (outside a text field)", inField: false,
    match: (e) => !e.altKey && !e.ctrlKey && !e.metaKey && e.key === "/" },
  { action: "help", keys: ["?"], label: "Show these shortcuts (outside a text field)", inField: false,
    match: (e) => !e.altKey && !e.ctrlKey && !e.metaKey && e.key === "?" },
];

const TEXT_INPUTS = new Set(["text", "search", "email", "password", "number", "url", "tel"]);

/**
 * Is the key going into a field where the agent types?
 * @param {EventTarget | null} target
 */
export function typingIn(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

/**
 * The shortcut a key press means, if any.
 * @param {KeyboardEvent} e
 * @returns {Shortcut | null}
 */
export function shortcutFor(e) {
  const inField = typingIn(e.target);
  return SHORTCUTS.find((s) => (s.inField || !inField) && s.match(e)) || null;
}

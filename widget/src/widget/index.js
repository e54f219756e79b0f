// Entry point of dist/widget.js. A site embeds Tandem with one tag:
//   <script src="https://chat.example.com/widget.js" async></script>
// The server to talk to is wherever this script was loaded from.
import { startWidget } from "./chat.js";

// document.currentScript is only set while the script first runs, so read it now. Some loaders
// leave it null; then the last <script> whose src ends with /widget.js is ours.
const script =
  /** @type {HTMLScriptElement | null} */ (document.currentScript) ||
  [.../** @type {NodeListOf<HTMLScriptElement>} */ (document.querySelectorAll("script[src]"))]
    .reverse()
    .find((s) => /\/widget\.js(?:[?#].*)?$/.test(s.src));

/**
 * Origin and path prefix of the Tandem server that served `script` (the page's own as a fallback).
 * @param {HTMLScriptElement | undefined | null} el
 */
function serverOf(el) {
  const url = new URL(el ? el.src : "/widget.js", location.href);
  return { origin: url.origin, prefix: url.pathname.replace(/\/widget\.js$/, "") };
}

function mount() {
  if (document.getElementById("tandem-widget")) return; // embedded twice: one widget is enough
  // A custom element name, so host-page rules written for div/section never match the host.
  const host = document.createElement("tandem-widget");
  host.id = "tandem-widget";
  document.body.appendChild(host);
  // "open" so the host page (and browser tests) can reach inside.
  const page = /** @type {Window & {Tandem?: ReturnType<typeof startWidget>}} */ (window);
  page.Tandem = startWidget(host.attachShadow({ mode: "open" }), serverOf(script));
}

if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount);

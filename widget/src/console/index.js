// Entry point of console.html: the live console at /console, a transcript at /console/transcripts/<id>,
// the history (list and search) at /console/history.
import { requireAgent, showSignIn } from "../lib/auth.js";
import { startConsole } from "./app.js";
import { showTranscript } from "./transcript.js";
import { showHistory } from "./history.js";
import { TitleFlasher } from "./title.js";
import { showInvite } from "./invite.js";

const BASE_TITLE = "Tandem console";
const TRANSCRIPT_PREFIX = "/console/transcripts/";
const INVITE_PREFIX = "/invite/";

async function main() {
  const root = /** @type {HTMLElement} */ (document.getElementById("app"));
  const path = location.pathname;
  if (path.startsWith(INVITE_PREFIX)) {
    await showInvite(root, decodeURIComponent(path.slice(INVITE_PREFIX.length)));
    return;
  }
  if (path.startsWith(TRANSCRIPT_PREFIX)) {
    const id = decodeURIComponent(path.slice(TRANSCRIPT_PREFIX.length).replace(/\/+$/, ""));
    const agent = await requireAgent(root, { heading: "Sign in to see this transcript" });
    await showTranscript(root, id, agent);
    return;
  }
  if (path.replace(/\/+$/, "") === "/console/history") {
    const agent = await requireAgent(root, { heading: "Sign in to see the history" });
    await showHistory(root, agent);
    return;
  }
  document.title = BASE_TITLE;
  const flasher = new TitleFlasher(BASE_TITLE);
  let agent = await requireAgent(root, { heading: "Sign in to the console" });
  // Signing out (or a session that expired) brings back the form; signing in starts a fresh console.
  for (;;) {
    const signedOut = new Promise((resolve) => startConsole(root, agent, { flasher, onSignedOut: resolve }));
    const notice = await signedOut;
    agent = await showSignIn(root, { heading: "Sign in to the console", notice });
  }
}

main();

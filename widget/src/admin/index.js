// Entry point of admin.html: agents, widget settings, canned responses, the assist's knowledge base
// and its report, for admins only.
import { h, replace } from "../lib/dom.js";
import { requireAgent, showSignIn, signOut } from "../lib/auth.js";
import { agentsSection } from "./agents.js";
import { settingsSection } from "./settings.js";
import { cannedSection } from "./canned.js";
import { knowledgeBaseSection } from "./kb.js";
import { assistReportSection } from "./assistreport.js";

const HEADING = "Sign in to Tandem admin";

async function main() {
  const root = /** @type {HTMLElement} */ (document.getElementById("app"));
  let agent = await requireAgent(root, { heading: HEADING });
  for (;;) {
    /** @type {Promise<void>} */
    const signedOut = new Promise((resolve) => renderAdmin(root, agent, resolve));
    await signedOut;
    agent = await showSignIn(root, { heading: HEADING });
  }
}

/**
 * Render the admin page, or "Admins only" for other agents.
 * @param {HTMLElement} root
 * @param {import("../lib/types.js").Agent} agent
 * @param {() => void} onSignedOut
 */
function renderAdmin(root, agent, onSignedOut) {
  const out = async () => {
    await signOut();
    onSignedOut();
  };
  const header = h("header", { class: "topbar" },
    h("a", { class: "brand", href: "/admin" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem admin"),
    h("nav", { class: "topbar-right" },
      h("span", { class: "me-name", text: agent.name }),
      h("a", { href: "/console", class: "btn btn-ghost", text: "Console" }),
      h("button", { type: "button", class: "btn btn-ghost", "data-testid": "sign-out", text: "Sign out", onclick: out })));
  if (agent.role !== "admin") {
    replace(root, header, h("main", { class: "admin" },
      h("section", { class: "card", "data-testid": "admins-only" },
        h("h1", { text: "Admins only" }),
        h("p", { text: "Your account cannot change these settings. Ask an admin for help." }))));
    return;
  }
  replace(root, header, h("main", { class: "admin" },
    h("nav", { class: "admin-nav" },
      h("a", { href: "#agents", text: "Agents" }), h("a", { href: "#settings", text: "Widget" }),
      h("a", { href: "#canned", text: "Canned responses" }), h("a", { href: "#kb", text: "Knowledge base" }),
      h("a", { href: "#assist-report", text: "Assist report" })),
    agentsSection(agent),
    settingsSection(),
    cannedSection(),
    knowledgeBaseSection(),
    assistReportSection()));
}

main();

// The read-only transcript page: /console/transcripts/<id>.
import { api } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatDateTime, visitorName } from "./format.js";
import { messageElement } from "./messages.js";

/**
 * Render the transcript of conversation `id` into `root`.
 * @param {HTMLElement} root
 * @param {string} id conversation id (from the URL)
 * @param {import("../lib/types.js").Agent} agent the signed-in agent
 */
export async function showTranscript(root, id, agent) {
  const body = h("div", { class: "transcript-body" }, h("p", { class: "muted", text: "Loading…" }));
  replace(root,
    h("header", { class: "topbar" },
      h("a", { class: "brand", href: "/console" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Tandem"),
      h("div", { class: "topbar-right" },
        h("span", { class: "me-name", text: agent.name }),
        h("a", { href: "/console", class: "btn btn-ghost", text: "Back to console" }))),
    h("main", { class: "transcript", "data-testid": "transcript", "data-conversation-id": id }, body));
  try {
    const data = await api("GET", `/api/conversations/${encodeURIComponent(id)}/transcript`);
    renderTranscript(body, data, agent);
  } catch (e) {
    const err = /** @type {import("../lib/api.js").ApiError} */ (e);
    replace(body, h("p", { class: "form-error", role: "alert", text: err.status === 404 ? "No such conversation." : err.message }));
  }
}

/**
 * @param {HTMLElement} body
 * @param {any} data the transcript API's answer: {conversation, visitor, messages}
 * @param {import("../lib/types.js").Agent} agent
 */
function renderTranscript(body, data, agent) {
  /** @type {Partial<import("./state.js").Conversation>} */
  const conv = data.conversation || {};
  /** @type {Partial<import("./state.js").Visitor>} */
  const visitor = data.visitor || conv.visitor || {};
  document.title = `Transcript: ${visitorName(visitor)} — Tandem`;
  replace(body,
    h("div", { class: "transcript-head" },
      h("h1", { text: `Conversation with ${visitorName(visitor)}` }),
      h("dl", { class: "details details-inline" },
        visitor.email ? [h("dt", { text: "Email" }), h("dd", { text: visitor.email })] : null,
        h("dt", { text: "Status" }), h("dd", {}, h("span", { class: `badge badge-${conv.status}`, text: conv.status || "" })),
        conv.agent ? [h("dt", { text: "Agent" }), h("dd", { text: conv.agent.name })] : null,
        h("dt", { text: "Started" }), h("dd", { text: formatDateTime(conv.created_at || "") }),
        conv.closed_at ? [h("dt", { text: "Closed" }), h("dd", { text: formatDateTime(conv.closed_at) })] : null)),
    h("div", { class: "messages transcript-messages" },
      (data.messages || []).length
        ? data.messages.map((/** @type {import("../lib/types.js").Message} */ m) => messageElement(m, { meId: agent.id, readOnly: true }))
        : h("p", { class: "muted", text: "No messages." })));
}

// The read-only transcript page: /console/transcripts/<id>.
import { api } from "../lib/api.js";
import { h, replace, showError } from "../lib/dom.js";
import { formatDateTime, visitorName } from "./format.js";
import { labelEditor } from "./labels.js";
import { messageElement } from "./messages.js";
import { followLive } from "./transcriptlive.js";

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
        h("a", { href: "/console/history", class: "btn btn-ghost", text: "History" }),
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
  const list = h("div", { class: "messages transcript-messages", "data-testid": "transcript-messages" },
    (data.messages || []).length
      ? data.messages.map((/** @type {import("../lib/types.js").Message} */ m) => messageElement(m, { meId: agent.id, readOnly: true }))
      : h("p", { class: "muted", text: "No messages." }));
  const notice = h("p", { class: "live-notice", role: "status", "data-testid": "live-notice", hidden: true });
  replace(body,
    h("div", { class: "transcript-head" },
      h("h1", { text: `Conversation with ${visitorName(visitor)}` }),
      h("dl", { class: "details details-inline" },
        visitor.email ? [h("dt", { text: "Email" }), h("dd", { text: visitor.email })] : null,
        h("dt", { text: "Status" }), h("dd", {}, h("span", { class: `badge badge-${conv.status}`, text: conv.status || "" })),
        conv.agent ? [h("dt", { text: "Agent" }), h("dd", { text: conv.agent.name })] : null,
        h("dt", { text: "Started" }), h("dd", { text: formatDateTime(conv.created_at || "") }),
        conv.closed_at ? [h("dt", { text: "Closed" }), h("dd", { text: formatDateTime(conv.closed_at) })] : null),
      labelEditor(conv.id || "", data.labels || []),
      conv.status === "closed" && (agent.role === "admin" || (conv.agent && conv.agent.id === agent.id)) ? reopenButton(conv.id || "") : null),
    notice, list);
  const live = conv.status === "queued" || (conv.status === "assigned" && agent.role === "admin");
  if (live && conv.id) {
    notice.hidden = false;
    followLive({ id: conv.id, agent, messages: data.messages || [], list, notice });
  }
}

/**
 * Reopen a closed conversation: it becomes the agent's, in their console (docs/protocol.md).
 * @param {string} id
 */
function reopenButton(id) {
  const error = h("span", { class: "form-error", role: "alert", hidden: true });
  const done = h("p", { class: "reopened", role: "status", hidden: true },
    "Reopened: the chat is yours, in your ", h("a", { href: "/console", text: "console" }), ".");
  const button = h("button", { type: "button", class: "btn btn-primary", "data-testid": "reopen", text: "Reopen",
    onclick: async () => {
      button.disabled = true;
      try {
        await api("POST", `/api/conversations/${encodeURIComponent(id)}/reopen`);
        button.hidden = true;
        done.hidden = false;
        showError(error, "");
      } catch (e) {
        button.disabled = false;
        showError(error, /** @type {Error} */ (e).message);
      }
    } });
  return h("div", { class: "transcript-actions" }, button, done, error);
}

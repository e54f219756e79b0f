// Admin: uploading help articles to the knowledge base, and the report of what the upload did.
import { api } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { errorSlot, guarded } from "./forms.js";

// What the server can read (see docs/assist.md); others are reported as failed, not refused here.
const ACCEPT = ".md,.markdown,.html,.htm,.txt,.json,.jsonl,.csv";
const MAX_IDS_SHOWN = 12;

/**
 * The upload form: one or more files, sent as multipart field `files`.
 * @param {() => Promise<void>} onUploaded called after a successful upload (reload the list)
 * @returns {HTMLElement}
 */
export function uploadForm(onUploaded) {
  const input = h("input", { type: "file", name: "files", multiple: true, accept: ACCEPT,
    "data-testid": "kb-upload-input", "aria-label": "Article files" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: "Upload", "data-testid": "kb-upload-button" });
  const error = errorSlot("kb-upload-error");
  const report = h("div", { class: "kb-report", "data-testid": "kb-upload-report", role: "status", hidden: true });
  const form = h("form", { class: "kb-upload", "data-testid": "kb-upload-form" },
    h("div", { class: "inline" }, input, submit),
    h("p", { class: "hint", text: "Markdown, HTML, text, JSON, JSONL or CSV. Uploading a file again updates its articles." }),
    error, report);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const files = [...(input.files || [])];
    if (!files.length) {
      error.textContent = "Choose one or more files to upload.";
      error.hidden = false;
      return;
    }
    const body = new FormData();
    for (const file of files) body.append("files", file, file.name);
    submit.textContent = "Uploading…";
    report.hidden = true;
    const ok = await guarded(error, submit, async () => {
      const data = await api("POST", "/api/admin/kb", body);
      showReport(report, (data && data.report) || {});
    });
    submit.textContent = "Upload";
    if (ok) {
      form.reset();
      await onUploaded();
    }
  });
  return form;
}

/**
 * Render an upload report: articles added, updated and unchanged, and each failed file with why.
 * @param {HTMLElement} el
 * @param {{added?: string[], updated?: string[], unchanged?: string[], failed?: Array<{file: string, reason: string}>}} report
 */
export function showReport(el, report) {
  const failed = Array.isArray(report.failed) ? report.failed : [];
  replace(el,
    h("p", { class: "kb-report-counts" },
      count("Added", report.added, "kb-report-added"),
      count("Updated", report.updated, "kb-report-updated"),
      count("Unchanged", report.unchanged, "kb-report-unchanged"),
      h("span", { class: failed.length ? "kb-count kb-count-failed" : "kb-count", "data-testid": "kb-report-failed" },
        h("strong", { text: String(failed.length) }), " failed")),
    idLine("Added", report.added),
    idLine("Updated", report.updated),
    failed.length
      ? h("ul", { class: "kb-failures", "data-testid": "kb-report-failures" }, failed.map((f) =>
        h("li", { "data-testid": "kb-report-failure" },
          h("strong", { text: f.file || "(file)" }), ": ", h("span", { text: f.reason || "could not be read" }))))
      : null);
  el.className = failed.length ? "kb-report kb-report--failed" : "kb-report";
  el.hidden = false;
}

/**
 * @param {string} label
 * @param {unknown} ids a list of ids, or a count
 * @param {string} testid
 */
function count(label, ids, testid) {
  const n = Array.isArray(ids) ? ids.length : Number(ids) || 0;
  return h("span", { class: "kb-count", "data-testid": testid }, h("strong", { text: String(n) }), ` ${label.toLowerCase()}`);
}

// The ids of the articles added or updated, so the admin can find them in the list.
/**
 * @param {string} label
 * @param {unknown} ids
 */
function idLine(label, ids) {
  if (!Array.isArray(ids) || !ids.length) return null;
  const shown = ids.slice(0, MAX_IDS_SHOWN).join(", ");
  const more = ids.length > MAX_IDS_SHOWN ? ` and ${ids.length - MAX_IDS_SHOWN} more` : "";
  return h("p", { class: "hint", text: `${label}: ${shown}${more}` });
}

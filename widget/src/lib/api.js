// JSON-over-HTTP calls to the Tandem API (same origin, the session cookie authenticates).

/** An HTTP API error: `status`, and the server's `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status, 0 when the server could not be reached
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Call the API and return the parsed JSON body (null for an empty body).
 * @param {string} method
 * @param {string} path
 * @param {object|FormData} [body] JSON, or FormData sent as multipart/form-data
 * @returns {Promise<any>}
 * @throws {ApiError} for a 4xx/5xx answer or a network failure
 */
export async function api(method, path, body) {
  /** @type {RequestInit & {headers: Record<string, string>}} */
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    init.body = body; // the browser sets the multipart Content-Type with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection.");
  }
  const data = await readJson(res);
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText || "Request failed");
  }
  return data;
}

/** @param {Response} res */
async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    return null; // e.g. a proxy's HTML error page: the status code still tells what happened
  }
}

// The agent's Socket.IO connection and a promise-based request helper for acknowledged events.
import { io } from "socket.io-client";

/**
 * Connect to the `/agent` namespace; the HttpOnly session cookie authenticates the browser.
 * @returns {import("socket.io-client").Socket}
 */
export function connectAgent() {
  return io("/agent", { transports: ["websocket", "polling"] });
}

/**
 * Emit `event` and resolve with its acknowledgement. Never rejects: a missing answer (timeout,
 * disconnect) resolves as `{ok: false, error: {code: "timeout"}}`, so callers handle one shape.
 * @param {import("socket.io-client").Socket} socket
 * @param {string} event
 * @param {object} payload
 * @param {number} [timeoutMs]
 * @returns {Promise<{ok: boolean, error?: {code: string, message: string}}>}
 */
export function request(socket, event, payload, timeoutMs = 10000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) resolve({ ok: false, error: { code: "timeout", message: "No answer from the server. Retrying when reconnected." } });
      else if (!ack || typeof ack !== "object") resolve({ ok: false, error: { code: "bad_response", message: "Unexpected answer from the server" } });
      else resolve(ack);
    });
  });
}

/**
 * A human-readable message for a failed acknowledgement.
 * @param {{error?: {code?: string, message?: string}}} ack
 */
export function ackError(ack) {
  const err = (ack && ack.error) || {};
  return err.message || err.code || "Something went wrong";
}

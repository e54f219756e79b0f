// Socket.IO requests with one result shape, whatever happens on the wire.

/**
 * Emit `event` with `data` and resolve with the server's acknowledgement. Never rejects: when no
 * acknowledgement arrives in `ms` (or the socket disconnects first) it resolves to
 * `{ok: false, error: {code: "timeout"}}`, so callers handle success and failure in one place and
 * can tell "the server said no" from "we don't know" (then it is safe to retry idempotent calls).
 * @param {import("socket.io-client").Socket} socket
 * @param {string} event
 * @param {object} data
 * @param {number} [ms]
 * @returns {Promise<{ok: boolean, error?: {code: string, message: string}}>}
 */
export function request(socket, event, data, ms = 10000) {
  return new Promise((resolve) => {
    socket.timeout(ms).emit(event, data, (err, res) => {
      if (err) resolve({ ok: false, error: { code: "timeout", message: "No answer from the server." } });
      else if (res && (res.ok || (res.error && res.error.code))) resolve(res);
      else resolve({ ok: false, error: { code: "bad_response", message: "Unexpected answer from the server." } });
    });
  });
}

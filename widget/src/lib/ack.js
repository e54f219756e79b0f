// Socket.IO requests with one result shape, whatever happens on the wire; the widget and the
// console both use it.

/** @typedef {{code: string, message: string}} AckError */
/**
 * An acknowledgement: `{ok: true, ...result}` or `{ok: false, error}` (docs/protocol.md).
 * @typedef {{ok: true, [key: string]: any} | {ok: false, error: AckError, [key: string]: any}} Ack
 */

/**
 * Emit `event` with `data` and resolve with the server's acknowledgement. Never rejects: when no
 * acknowledgement arrives in `ms` (or the socket disconnects first) it resolves to
 * `{ok: false, error: {code: "timeout"}}`, so callers handle success and failure in one place and
 * can tell "the server said no" from "we don't know" (then it is safe to retry idempotent calls).
 * An answer that is neither `{ok: true, ...}` nor `{ok: false, error: {code, ...}}`
 * (docs/protocol.md) resolves to `{ok: false, error: {code: "bad_response"}}`.
 * @param {import("socket.io-client").Socket} socket
 * @param {string} event
 * @param {object} data
 * @param {number} [ms]
 * @returns {Promise<Ack>}
 */
export function request(socket, event, data, ms = 10000) {
  return new Promise((resolve) => {
    socket.timeout(ms).emit(event, data, (/** @type {Error | null} */ err, /** @type {any} */ res) => {
      if (err) resolve({ ok: false, error: { code: "timeout", message: "No answer from the server." } });
      else if (res && (res.ok || (res.error && res.error.code))) resolve(res);
      else resolve({ ok: false, error: { code: "bad_response", message: "Unexpected answer from the server." } });
    });
  });
}

/**
 * A human-readable message for a failed acknowledgement.
 * @param {Ack} ack
 */
export function ackError(ack) {
  const err = (ack && ack.error) || {};
  return err.message || err.code || "Something went wrong";
}

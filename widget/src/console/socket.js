// The agent's Socket.IO connection (acknowledged requests go through lib/ack.js).
import { io } from "socket.io-client";

/**
 * Connect to the `/agent` namespace; the HttpOnly session cookie authenticates the browser.
 * @returns {import("socket.io-client").Socket}
 */
export function connectAgent() {
  return io("/agent", { transports: ["websocket", "polling"] });
}

// A transcript that follows its conversation live, without taking it: an admin reading along
// (supervision), or an agent looking at a waiting chat before taking it. A read-only "observer"
// socket (docs/protocol.md): the agent does not count as connected, the visitor is told nothing.
import { io } from "socket.io-client";
import { request, ackError } from "../lib/ack.js";
import { replace } from "../lib/dom.js";
import { Stream } from "../lib/text.js";
import { messageElement } from "./messages.js";

/**
 * @param {{id: string, agent: import("../lib/types.js").Agent, messages: import("../lib/types.js").Message[],
 *   list: HTMLElement, notice: HTMLElement}} opts
 */
export function followLive({ id, agent, messages, list, notice }) {
  const stream = new Stream();
  for (const m of messages) stream.add(m);
  const preview = agent.role !== "admin";
  const socket = io("/agent", { transports: ["websocket", "polling"], auth: { observe: true } });
  const draw = () => replace(list, stream.ordered().map((m) => messageElement(m, { meId: agent.id, readOnly: true })));
  /** @param {string} text */
  const stop = (text) => {
    notice.textContent = text;
    notice.dataset.live = "off";
    socket.disconnect();
  };

  const sync = async () => {
    const ack = await request(socket, "sync", { conversation_id: id, last_seq: stream.lastSeq });
    if (!ack.ok) return;
    let added = false;
    for (const m of ack.messages) added = stream.add(m) || added;
    if (added) draw();
    if (ack.more) sync();
  };

  socket.on("connect", async () => {
    const ack = await request(socket, "conversation.watch", { conversation_id: id });
    if (!ack.ok) {
      stop(ack.error.code === "not_queued" ? "Someone took this chat: it is no longer waiting." : `Not following live: ${ackError(ack)}`);
      return;
    }
    notice.textContent = preview
      ? "Live preview: this chat is waiting. Take it from the queue in the console to answer."
      : "Reading along live. Nobody is assigned and the visitor is not told.";
    notice.dataset.live = "on";
    await sync();
  });
  socket.on("message", (/** @type {import("../lib/types.js").Message} */ m) => {
    if (m.conversation_id !== id) return;
    if (stream.isAhead(m)) sync();
    if (stream.add(m)) draw();
    if (preview && (m.event === "assigned" || m.event === "closed")) {
      stop(m.event === "closed" ? "This chat was closed." : "Someone took this chat: it is no longer waiting.");
    }
  });
  socket.on("resync", sync);
}

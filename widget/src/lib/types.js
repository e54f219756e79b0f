// The protocol's objects (docs/protocol.md) as JSDoc types, for the type check only: this module
// has no code, and nothing imports it at run time (types are named as import("…").Name).

/**
 * @typedef {object} Author
 * @property {"visitor" | "agent" | "system"} type
 * @property {string} [id]
 * @property {string | null} [name]
 */

/**
 * One record of a conversation's stream. Before it is acknowledged, a message the client sends
 * has only some of these fields.
 * @typedef {object} Message
 * @property {string} [id]
 * @property {string} conversation_id
 * @property {number} seq
 * @property {string | null} [client_id]
 * @property {"text" | "note" | "event"} [type]
 * @property {boolean} [private]
 * @property {Author | null} author
 * @property {string} text
 * @property {string | null} [event]
 * @property {string} [created_at]
 */

/**
 * @typedef {object} Agent
 * @property {string} id
 * @property {string} name
 * @property {string} [email]
 * @property {"agent" | "admin"} role
 * @property {"online" | "away" | "offline"} status
 * @property {number} [capacity]
 * @property {number} [load]
 * @property {boolean} [connected]
 */

/**
 * @typedef {object} Suggestion an assist suggestion, or a result of a knowledge-base search (docs/protocol.md)
 * @property {string} article_id
 * @property {string} [title]
 * @property {string | null} [url]
 * @property {number} [score]
 * @property {string | null} [heading]
 * @property {string} passage
 * @property {Array<[number, number]>} [marks]
 * @property {string} [draft]
 */

export {};

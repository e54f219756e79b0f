// The console's side of notifications: a tone and a desktop notification for a chat assigned to
// the agent or a visitor's message while the page is hidden, as the agent's preferences say, and
// changing those preferences (kept by the server: docs/protocol.md, `preferences.set`).
import { ackError, request } from "../lib/ack.js";
import { visitorName } from "./format.js";
import { askDesktopPermission, showDesktop } from "./notify.js";

/**
 * Notifications and the agent's preferences for them.
 * Mixed into ConsoleApp's prototype by app.js: `this` is the console app.
 * @satisfies {ThisType<import("./types.js").App>}
 */
export const notifyMethods = {
  /**
   * A chat was assigned to the agent (routed or transferred, not taken by them).
   * @param {import("./state.js").Conversation} conv
   */
  notifyChat(conv) {
    if (document.visibilityState !== "hidden") return;
    const prefs = this.state.preferences;
    if (prefs.sound) this.chime.play("chat");
    if (prefs.desktop) {
      const body = conv.last_message ? conv.last_message.text : "A new chat was assigned to you.";
      showDesktop(`New chat: ${visitorName(conv.visitor)}`, body, conv.id, () => this.openConversation(conv.id));
    }
  },

  /**
   * A visitor wrote in one of the agent's conversations.
   * @param {import("../lib/types.js").Message} msg
   */
  notifyMessage(msg) {
    const conv = this.state.conversations.get(msg.conversation_id);
    if (!conv || document.visibilityState !== "hidden") return;
    const prefs = this.state.preferences;
    if (prefs.sound) this.chime.play("message");
    if (prefs.desktop) showDesktop(visitorName(conv.visitor), msg.text, conv.id, () => this.openConversation(conv.id));
  },

  /** @param {{preferences?: import("./state.js").Preferences}} data */
  onPreferencesUpdated(data) {
    if (!data || !data.preferences) return;
    this.state.preferences = { ...this.state.preferences, ...data.preferences };
    this.notifyPanel.setPreferences(this.state.preferences);
  },

  /**
   * The agent flipped a switch. Desktop notifications need the browser's permission first: it is
   * asked here, from the agent's click, and nothing is saved when the browser refuses.
   * @param {"sound" | "desktop"} name
   * @param {boolean} on
   */
  async setPreference(name, on) {
    const panel = this.notifyPanel;
    if (name === "desktop" && on) {
      const permission = await askDesktopPermission();
      if (permission !== "granted") {
        panel.setPreferences(this.state.preferences);
        panel.refused(permission);
        return;
      }
    }
    const ack = await request(this.socket, "preferences.set", { [name]: on });
    if (ack.ok && ack.preferences) {
      this.onPreferencesUpdated({ preferences: ack.preferences });
    } else {
      panel.setPreferences(this.state.preferences);
      panel.say(`Could not save: ${ackError(ack)}`);
    }
  },
};

// The console app's type for the type check (tsc) only: app.js builds one ConsoleApp and mixes the
// methods of layout.js, events.js, delivery.js, actions.js, assisting.js, notifying.js and keyboard.js
// into its prototype, which JSDoc cannot say. Those modules type `this` as App.
import type { Socket } from "socket.io-client";
import type { ConsoleApp } from "./app.js";
import type { layoutMethods } from "./layout.js";
import type { eventMethods } from "./events.js";
import type { deliveryMethods } from "./delivery.js";
import type { actionMethods } from "./actions.js";
import type { assistMethods } from "./assisting.js";
import type { notifyMethods } from "./notifying.js";
import type { keyboardMethods } from "./keyboard.js";
import type { NotifyPanel } from "./notify.js";
import type { HelpOverlay } from "./help.js";
import type { Sidebar } from "./sidebar.js";
import type { ConversationView } from "./conversation.js";
import type { VisitorPanel } from "./visitor.js";
import type { AssistPanel } from "./assist.js";
import type { PanelDrawer } from "./drawer.js";

type Mixins = typeof layoutMethods &
  typeof eventMethods &
  typeof deliveryMethods &
  typeof actionMethods &
  typeof assistMethods &
  typeof notifyMethods &
  typeof keyboardMethods;

/** ConsoleApp with its mixed-in methods, and the parts that connect() and buildLayout() create. */
export interface App extends ConsoleApp, Mixins {
  socket: Socket;
  sidebar: Sidebar;
  view: ConversationView;
  panel: VisitorPanel;
  assistPanel: AssistPanel;
  statusSelect: HTMLSelectElement;
  meName: HTMLSpanElement;
  adminLink: HTMLAnchorElement;
  banner: HTMLDivElement;
  chat: HTMLElement;
  details: HTMLElement;
  drawer: PanelDrawer;
  toasts: HTMLDivElement;
  notifyPanel: NotifyPanel;
  help: HelpOverlay;
}

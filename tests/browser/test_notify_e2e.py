"""Notifications, unread counts and keyboard shortcuts of the console, in real Chromium against a
real server. Visitors are Socket.IO clients (the widget has its own tests).

The page gets, before its scripts run (``add_init_script``): a visibility it takes from the test
(headless Chromium's tab is always visible), a ``Notification`` that records what it is asked to
show and grants permission when asked, and a record of the tones the Web Audio API starts."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from server.store.preferences import Preferences
from tests.assisting import AssistMaker
from tests.browser.test_assist_e2e import record_frames, socketio_events, write_kb
from tests.browser.test_chat_e2e import sign_in, watch_for_script_runs
from tests.chat.test_suggestions import WordHashEmbedder
from tests.conftest import PASSWORD, Running, StartServer
from tests.peers import Peer, login

STUBS = """
(() => {
  window.__visibility = "visible";
  const state = (get) => ({ configurable: true, get });
  Object.defineProperty(Document.prototype, "visibilityState", state(() => window.__visibility));
  Object.defineProperty(Document.prototype, "hidden", state(() => window.__visibility === "hidden"));
  window.__setVisibility = (v) => {
    window.__visibility = v;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  window.__notifications = [];
  window.__shown = [];
  window.__permissionAsks = 0;
  window.__permissionAnswer = "granted";
  class RecordedNotification {
    constructor(title, options) {
      window.__notifications.push({ title, body: options && options.body, tag: options && options.tag });
      window.__shown.push(this);
    }
    close() {}
    static requestPermission() {
      window.__permissionAsks += 1;
      RecordedNotification.permission = window.__permissionAnswer;
      return Promise.resolve(window.__permissionAnswer);
    }
  }
  RecordedNotification.permission = "default";
  window.Notification = RecordedNotification;
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push(this.frequency.value);
    return start.apply(this, args);
  };
})();
"""


async def console_page(
    browser: Browser, server: Running, email: str, width: int = 1280, sent: list[str] | None = None
) -> Page:
    """A console signed in as ``email``, with the stubs; what it sends goes to ``sent`` if given."""
    context = await browser.new_context(viewport={"width": width, "height": 800})
    await context.add_init_script(STUBS)
    page = await context.new_page()
    if sent is not None:
        record_frames(page, [], sent)
    seen: list[str] = []
    watch_for_script_runs(page, seen)
    await sign_in(page, server, email)
    return page


async def visitor_chat(server: Running, name: str) -> tuple[Peer, str]:
    visitor = await server.visitor()
    ack = await visitor.emit("conversation.start", {"name": name})
    assert ack["ok"], ack
    return visitor, str(ack["conversation"]["id"])


async def say(visitor: Peer, text: str) -> int:
    ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": text})
    assert ack["ok"], ack
    return int(ack["message"]["seq"])


async def eventually(check: Any, what: str) -> None:
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def notifications(page: Page, count: int) -> list[dict[str, Any]]:
    """The page's notifications, once it has shown ``count`` (polled from here: the pages' CSP
    forbids the eval Playwright's wait_for_function needs)."""
    shown: list[dict[str, Any]] = []

    async def arrived() -> bool:
        shown[:] = await page.evaluate("window.__notifications")
        return len(shown) >= count

    await eventually(arrived, f"{count} notifications")
    return shown


def item(page: Page, conversation_id: str) -> Any:
    return page.locator(f"[data-testid=conversation-item][data-conversation-id={conversation_id}]")


async def test_background_tab_plays_a_tone_and_shows_a_notification(
    server: Running, browser: Browser
) -> None:
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"])
    # Nothing asked of the browser on load: the agent turns desktop notifications on themselves.
    assert await page.evaluate("window.__permissionAsks") == 0
    await page.click("[data-testid=notify-button]")
    await expect(page.locator("[data-testid=pref-sound]")).to_be_checked()
    await expect(page.locator("[data-testid=pref-desktop]")).not_to_be_checked()
    await page.click("[data-testid=pref-desktop]")
    agent_id = int(grace["id"][2:])
    preferences = server.chat.stores.preferences

    async def saved() -> bool:
        return await preferences.get(agent_id) == Preferences(sound=True, desktop=True)

    await eventually(saved, "desktop notifications saved on")
    assert await page.evaluate("window.__permissionAsks") == 1

    await page.evaluate("window.__setVisibility('hidden')")
    visitor, conv = await visitor_chat(server, "Ada")
    assert len(await notifications(page, 1)) == 1
    await say(visitor, "Where is my card?")
    assert await notifications(page, 2) == [
        {"title": "New chat: Ada", "body": "A new chat was assigned to you.", "tag": conv},
        {"title": "Ada", "body": "Where is my card?", "tag": conv},
    ]
    assert await page.evaluate("window.__tones") == [660, 880, 880]  # two notes for a chat, one for a message
    await expect(item(page, conv).locator("[data-testid=unread-count]")).to_have_text("1")

    # Back in front, with the chat open: messages are shown and read, and make no noise.
    await page.evaluate("window.__setVisibility('visible')")
    await item(page, conv).click()
    await expect(item(page, conv).locator("[data-testid=unread-count]")).to_be_hidden()
    await say(visitor, "Are you there?")
    texts = page.locator("[data-testid=conversation-view] [data-testid=message][data-author=visitor]")
    await expect(texts).to_have_count(2)
    assert await page.evaluate("[window.__notifications.length, window.__tones.length]") == [2, 3]

    # Sound off, desktop on: the next background message shows a notification and plays nothing.
    await page.click("[data-testid=notify-button]")
    await page.click("[data-testid=pref-sound]")

    async def quiet() -> bool:
        return await preferences.get(agent_id) == Preferences(sound=False, desktop=True)

    await eventually(quiet, "sound saved off")
    await page.evaluate("window.__setVisibility('hidden')")
    await say(visitor, "Hello?")
    assert (await notifications(page, 3))[2:] == [{"title": "Ada", "body": "Hello?", "tag": conv}]
    assert await page.evaluate("window.__tones.length") == 3


async def test_clicking_a_notification_opens_its_conversation(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"])
    await page.click("[data-testid=notify-button]")
    await page.click("[data-testid=pref-desktop]")
    await expect(page.locator("[data-testid=notify-allow]")).to_be_hidden()
    agent_id = int(grace["id"][2:])

    async def saved() -> bool:
        return (await server.chat.stores.preferences.get(agent_id)).desktop

    await eventually(saved, "desktop notifications saved on")
    _ada, ada_conv = await visitor_chat(server, "Ada")
    bob, bob_conv = await visitor_chat(server, "Bob")
    await item(page, ada_conv).click()
    view = page.locator("[data-testid=conversation-view]")
    await expect(view).to_have_attribute("data-conversation-id", ada_conv)
    await page.evaluate("window.__setVisibility('hidden')")
    await say(bob, "Hello?")
    assert await notifications(page, 1) == [{"title": "Bob", "body": "Hello?", "tag": bob_conv}]
    await page.evaluate("window.__setVisibility('visible'); window.__shown[0].onclick()")
    await expect(view).to_have_attribute("data-conversation-id", bob_conv)
    await expect(item(page, bob_conv).locator("[data-testid=unread-count]")).to_be_hidden()


async def test_a_browser_that_refuses_keeps_desktop_notifications_off(
    server: Running, browser: Browser
) -> None:
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"])
    await page.evaluate("window.__permissionAnswer = 'denied'")
    await page.click("[data-testid=notify-button]")
    await page.click("[data-testid=pref-desktop]")
    await expect(page.locator("[data-testid=notify-hint]")).to_have_text(
        "Your browser blocks notifications from this page. Allow them in the site settings, then try again."
    )
    await expect(page.locator("[data-testid=pref-desktop]")).not_to_be_checked()
    assert await page.evaluate("window.__permissionAsks") == 1
    # Nothing was saved: had the console sent the change, it would have gone before this one.
    await page.click("[data-testid=pref-sound]")
    agent_id = int(grace["id"][2:])

    async def saved() -> bool:
        return not (await server.chat.stores.preferences.get(agent_id)).sound

    await eventually(saved, "sound saved off")
    assert await server.chat.stores.preferences.get(agent_id) == Preferences(sound=False, desktop=False)


async def test_unread_counts_survive_a_reload_and_follow_the_agent(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"])
    visitor, conv = await visitor_chat(server, "Ada")
    await say(visitor, "one")
    await say(visitor, "two")
    badge = item(page, conv).locator("[data-testid=unread-count]")
    await expect(badge).to_have_text("2")

    # Kept by the server, not the browser: the counts come back with nothing stored locally.
    await page.evaluate("localStorage.clear()")
    await page.reload()
    await expect(badge).to_have_text("2")

    # Read in a second browser: the first one's count goes at once, and stays gone on reload.
    other = await console_page(browser, server, grace["email"])
    await expect(item(other, conv).locator("[data-testid=unread-count]")).to_have_text("2")
    await item(other, conv).click()
    await expect(item(other, conv).locator("[data-testid=unread-count]")).to_be_hidden()
    await expect(badge).to_be_hidden()
    await page.reload()
    await expect(item(page, conv)).to_be_visible()
    await expect(badge).to_be_hidden()

    # The conversation open in the other browser, but the first one's shows a new message unread.
    await other.evaluate("window.__setVisibility('hidden')")
    seq = await say(visitor, "three")
    await expect(badge).to_have_text("1")
    await page.reload()
    await expect(badge).to_have_text("1")
    states = await server.chat.stores.reads.states(int(grace["id"][2:]), [int(conv[2:])])
    assert [(s.last_read_seq, s.unread) for s in states] == [(seq - 1, 1)]


async def test_a_page_of_messages_is_marked_read_once(server: Running, browser: Browser) -> None:
    """Messages that come in together (a sync after the connection came back) are marked read in
    one ``read.mark``, not one per message: a connection may send only so many events a second."""
    grace = await server.add_agent("Grace")
    sent: list[str] = []
    page = await console_page(browser, server, grace["email"], sent=sent)
    visitor, conv = await visitor_chat(server, "Ada")
    await item(page, conv).click()
    await expect(page.locator("[data-testid=conversation-view]")).to_have_attribute(
        "data-conversation-id", conv
    )
    await page.context.set_offline(True)
    await expect(page.locator("[data-testid=connection-banner]")).to_be_visible()
    for n in range(30):
        last = await say(visitor, f"message {n}")
    marks_before = len(socketio_events(sent, "read.mark"))
    await page.context.set_offline(False)
    messages = page.locator("[data-testid=conversation-view] [data-testid=message][data-author=visitor]")
    await expect(messages).to_have_count(30)
    agent_id, conv_id = int(grace["id"][2:]), int(conv[2:])

    async def read_to_the_end() -> bool:
        return [s.last_read_seq for s in await server.chat.stores.reads.states(agent_id, [conv_id])] == [last]

    await eventually(read_to_the_end, "the page read")
    assert socketio_events(sent, "read.mark")[marks_before:] == [{"conversation_id": conv, "seq": last}]


async def test_each_shortcut_does_its_action(
    start_server: StartServer, browser: Browser, tmp_path: Path
) -> None:
    maker = AssistMaker(WordHashEmbedder())
    server = await start_server(assist_factory=maker, TANDEM_ASSIST="on")
    assist = await maker.ready(server.app)
    assert not (await assist.load([write_kb(tmp_path / "kb")])).failed
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"])
    # Grace's own Socket.IO connection too, to hear the suggestions the console gets.
    _, token = await login(server.url, grace["email"], PASSWORD)
    listener = server.peer("/agent")
    await listener.connect({"token": token})
    ada, ada_conv = await visitor_chat(server, "Ada")
    _bob, bob_conv = await visitor_chat(server, "Bob")
    await expect(page.locator("[data-testid=conversation-item]")).to_have_count(2)
    await say(ada, "When will my card arrive?")
    suggestions = await listener.recv_until("assist.suggestions", lambda d: d["conversation_id"] == ada_conv)
    assert suggestions["suggestions"], "the assist suggested nothing"
    draft = suggestions["suggestions"][0]["draft"]

    view = page.locator("[data-testid=conversation-view]")
    keys = page.keyboard
    # Next and previous conversation, round the ends, from anywhere (here: the reply box).
    for key, expected in [
        ("Alt+ArrowDown", ada_conv),
        ("Alt+ArrowDown", bob_conv),
        ("Alt+ArrowDown", ada_conv),
        ("Alt+ArrowUp", bob_conv),
        ("Alt+ArrowUp", ada_conv),
    ]:
        await keys.press(key)
        await expect(view).to_have_attribute("data-conversation-id", expected)
    composer = page.locator("[data-testid=composer]")
    await expect(composer).to_be_focused()

    # Insert the first suggestion, then send it.
    await expect(page.locator("[data-testid=assist-insert]").first).to_be_enabled()
    await keys.press("Alt+i")
    await expect(composer).to_have_value(draft)
    await keys.press("Control+Enter")
    answer = await ada.recv_until("message", lambda m: m["author"]["type"] == "agent")
    assert answer["text"] == draft
    await expect(composer).to_have_value("")

    # "?" in a text field is a question mark; outside one it opens the help.
    await keys.press("?")
    await expect(composer).to_have_value("?")
    help_overlay = page.locator("[data-testid=shortcuts-help]")
    await expect(help_overlay).to_be_hidden()
    await composer.fill("")

    # Search: Ctrl+K from the reply box, "/" from outside any field.
    search = page.locator("[data-testid=assist-search]")
    await keys.press("Control+k")
    await expect(search).to_be_focused()
    await page.locator(".conv-title").click()
    await keys.press("/")
    await expect(search).to_be_focused()
    await expect(search).to_have_value("")

    await page.locator(".conv-title").click()
    await keys.press("?")
    await expect(help_overlay).to_be_visible()
    await expect(help_overlay.locator("[data-testid=shortcut]")).to_have_count(8)
    await keys.press("Escape")
    await expect(help_overlay).to_be_hidden()

    # Close the open conversation: the shortcut presses Close, which asks first (as a click does).
    await keys.press("Alt+c")
    confirm = view.locator("[data-testid=confirm]")
    await expect(confirm).to_contain_text("Close this conversation?")
    await confirm.locator("[data-testid=confirm-yes]").click()
    closed = await ada.recv_until("conversation.updated", lambda c: c["status"] == "closed")
    assert closed["id"] == ada_conv
    await expect(view.locator(".badge")).to_have_text("closed")
    bobs = await server.chat.stores.conversations.get(int(bob_conv[2:]))
    assert bobs is not None
    assert bobs.status == "assigned"  # only the open conversation closed


async def test_help_overlay_at_1024_px(server: Running, browser: Browser, artifacts: Path) -> None:
    grace = await server.add_agent("Grace")
    page = await console_page(browser, server, grace["email"], width=1024)
    await page.click("[data-testid=shortcuts-button]")
    dialog = page.locator("[data-testid=shortcuts-help]")
    await expect(dialog).to_be_visible()
    await expect(page.locator("[data-testid=shortcuts-close]")).to_be_focused()
    box = await dialog.bounding_box()
    assert box is not None
    # Whole on screen, every row on one line each side.
    assert (box["x"] >= 0, box["x"] + box["width"] <= 1024) == (True, True), box
    assert (box["y"] >= 0, box["y"] + box["height"] <= 800) == (True, True), box
    rows = dialog.locator("[data-testid=shortcut]")
    heights = [
        b["height"] for b in [await rows.nth(i).bounding_box() for i in range(await rows.count())] if b
    ]
    assert len(heights) == 8
    assert max(heights) < 40, heights
    await page.screenshot(path=str(artifacts / "console-shortcuts-1024.png"))
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(page.locator("[data-testid=shortcuts-button]")).to_be_focused()
    await page.click("[data-testid=notify-button]")
    await expect(page.locator("[data-testid=notify-panel]")).to_be_visible()
    panel = await page.locator("[data-testid=notify-panel]").bounding_box()
    assert panel is not None
    assert (panel["x"] >= 0, panel["x"] + panel["width"] <= 1024) == (True, True), panel
    await page.screenshot(path=str(artifacts / "console-notifications-1024.png"))

"""The widget on one server process and the console on another, in real Chromium.

The demo page, and so the widget, come from server A (the page's origin is A's own, which A always
allows); the console comes from server B. They chat both ways through Redis. A message whose live
event one server lost reaches its browser after a ``resync``, and a live message after such a gap
makes the browser sync (docs/protocol.md, "Several processes and resync").
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from server.chat.signals import RESYNC
from tests.browser.test_chat_e2e import W, console_and_shop
from tests.cluster.lossy import losing
from tests.conftest import Running

WIDGET_MESSAGES = W + "[data-tandem=messages] [data-tandem=message]"
CONSOLE_MESSAGES = "[data-testid=conversation-view] [data-testid=message]"

Shown = list[tuple[int, str]]


async def shown(page: Page, messages: str, text: str) -> Shown:
    """(seq, text) of each message a page shows, top to bottom (seq 0: not stored yet)."""
    rows = await page.locator(messages).evaluate_all(
        "(els, sel) => els.map((e) => [Number(e.dataset.seq), e.querySelector(sel).textContent])", text
    )
    return [(int(seq), str(body)) for seq, body in rows]


async def stored(server: Running, conversation_id: str, *, include_private: bool = True) -> Shown:
    """(seq, text) of each message of the conversation in the database, in order."""
    messages = await server.chat.stores.messages.since(
        int(conversation_id.removeprefix("c_")), 0, include_private=include_private, limit=500
    )
    return [(m.seq, m.text) for m in messages]


class Sides:
    """The shop page with the widget (from A) and the console (from B), on one conversation."""

    def __init__(self, a: Running, b: Running, shop: Page, console: Page) -> None:
        self.a, self.b, self.shop, self.console = a, b, shop, console
        self.conversation_id = ""

    async def visitor_says(self, text: str) -> None:
        """Type and send in the widget, and wait until A acknowledged it (the message is stored)."""
        await self.shop.fill(W + "[data-tandem=composer]", text)
        await self.shop.press(W + "[data-tandem=composer]", "Enter")
        mine = self.shop.locator(W + "[data-tandem=message][data-author=visitor]").filter(has_text=text)
        await expect(mine).to_have_attribute("data-state", "sent")

    async def agent_says(self, text: str) -> None:
        """Type and send in the console, and wait until B acknowledged it (the message is stored)."""
        await self.console.fill("[data-testid=composer]", text)
        await self.console.press("[data-testid=composer]", "Enter")
        mine = self.console.locator(CONSOLE_MESSAGES).filter(has_text=text)
        await expect(mine).to_have_attribute("data-state", "sent")
        await expect(mine).to_have_attribute("data-seq", str(await self.last_seq()))

    async def last_seq(self) -> int:
        return (await stored(self.a, self.conversation_id))[-1][0]

    async def console_shown(self) -> Shown:
        return await shown(self.console, CONSOLE_MESSAGES, "[data-testid=message-text]")

    async def widget_shown(self) -> Shown:
        return await shown(self.shop, WIDGET_MESSAGES, "[data-tandem=text]")

    async def console_shows_all(self) -> None:
        """The console shows exactly the stored stream, in order."""
        expected = await stored(self.b, self.conversation_id)
        texts = self.console.locator(CONSOLE_MESSAGES + " [data-testid=message-text]")
        await expect(texts).to_have_text([body for _, body in expected])
        assert await self.console_shown() == expected

    async def widget_shows_all(self) -> None:
        """The widget shows exactly the stored stream a visitor may see, in order."""
        expected = await stored(self.a, self.conversation_id, include_private=False)
        texts = self.shop.locator(WIDGET_MESSAGES + " [data-tandem=text]")
        await expect(texts).to_have_text([body for _, body in expected])
        assert await self.widget_shown() == expected


async def open_both(two_servers: tuple[Running, Running], browser: Browser, seen: list[str]) -> Sides:
    """Grace signs in to the console on B; Ada starts a chat in the widget on A; Grace opens it."""
    a, b = two_servers
    agent = await a.add_agent("Grace")
    console, shop = await console_and_shop(browser, b, a.url, agent["email"], seen)
    await shop.fill(W + "[data-tandem=prechat] [name=name]", "Ada")
    sides = Sides(a, b, shop, console)
    await sides.visitor_says("Hello, where is my card?")
    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    sides.conversation_id = await item.get_attribute("data-conversation-id") or ""
    await item.click()
    return sides


async def test_widget_on_one_server_console_on_another_chat_and_resync(
    two_servers: tuple[Running, Running], browser: Browser, artifacts: Path
) -> None:
    seen: list[str] = []
    sides = await open_both(two_servers, browser, seen)
    a, b, shop, console = sides.a, sides.b, sides.shop, sides.console

    # Both ways, each message crossing from one server to the other.
    await expect(shop.locator(W + "[data-tandem=status]")).to_contain_text("Grace")
    await sides.console_shows_all()
    await sides.agent_says("It is on its way")
    await sides.widget_shows_all()
    await sides.console_shows_all()

    # B loses the visitor's next message on its way to the console: only the database has it.
    with losing(b, "message", "/agent") as lost:
        await sides.visitor_says("Has it shipped?")
        [held_back] = await lost.wait(1)
    assert (held_back["seq"], held_back["text"]) == (await sides.last_seq(), "Has it shipped?")
    # B dropped it before emitting: nothing is on its way to the console, which shows the rest.
    assert await sides.console_shown() == (await stored(b, sides.conversation_id))[:-1]
    await console.screenshot(path=str(artifacts / "cluster-console-before-resync.png"))
    await a.chat.signals.send(RESYNC, {})
    await sides.console_shows_all()

    # A loses the agent's next message on its way to the widget; a resync brings it.
    with losing(a, "message", "/visitor") as lost:
        await sides.agent_says("Yes, this morning")
        [held_back] = await lost.wait(1)
    assert held_back["text"] == "Yes, this morning"
    assert await sides.widget_shown() == (await stored(a, sides.conversation_id))[:-1]
    await shop.screenshot(path=str(artifacts / "cluster-widget-before-resync.png"))
    await b.chat.signals.send(RESYNC, {})
    await sides.widget_shows_all()

    # Without a resync: the next live message, one past a gap, makes each side sync.
    with losing(b, "message", "/agent") as lost:
        await sides.visitor_says("One more thing")
        await lost.wait(1)
    await sides.visitor_says("Can I change the address?")
    await sides.console_shows_all()
    with losing(a, "message", "/visitor") as lost:
        await sides.agent_says("Sure")
        await lost.wait(1)
    await sides.agent_says("Reply with the new one")
    await sides.widget_shows_all()
    await sides.console_shows_all()

    # Several resyncs in a row drop and double nothing.
    for server in (a, b, a):
        await server.chat.signals.send(RESYNC, {})
    await sides.agent_says("Done")
    await sides.widget_shows_all()
    await sides.console_shows_all()
    assert seen == []

    await shop.screenshot(path=str(artifacts / "cluster-widget-on-server-a.png"))
    await console.screenshot(path=str(artifacts / "cluster-console-on-server-b.png"))

"""The console's history in real Chromium: the list with its filters, search results with the
words marked, labels and reopen on the transcript page, and an admin reading along live."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.chat.test_access import client_id, start_chat
from tests.conftest import PASSWORD, Running
from tests.peers import Peer

WIDE, NARROW = 1440, 1024


async def signed_in(browser: Browser, server: Running, email: str, width: int = WIDE) -> Page:
    page = await (await browser.new_context(viewport={"width": width, "height": 900})).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(server.url + "/console")
    await page.fill("[data-testid=login-form] [name=email]", email)
    await page.fill("[data-testid=login-form] [name=password]", PASSWORD)
    await page.click("[data-testid=login-form] [type=submit]")
    await expect(page.locator("[data-testid=status-select]")).to_be_visible()
    assert errors == []
    return page


async def chat(server: Running, grace: Peer, name: str, lines: list[str], *, close: bool) -> str:
    visitor, conv = await start_chat(server, grace, name)
    for text in lines:
        assert (await visitor.emit("message.send", {"client_id": client_id(), "text": text}))["ok"]
    if close:
        assert (await grace.emit("conversation.close", {"conversation_id": conv}))["ok"]
    return conv


async def names_listed(page: Page) -> list[str]:
    return await page.locator("[data-testid=history-item] .conv-name").all_inner_texts()


async def test_history_list_filters_and_search(server: Running, browser: Browser, artifacts: Path) -> None:
    grace = await server.agent("Grace", capacity=5)
    boss = await server.add_agent("Boss", role="admin")
    ada = await chat(server, grace, "Ada", ["My parcel never arrived"], close=True)
    await chat(server, grace, "Bea", ["Can I change my address?"], close=True)
    await chat(server, grace, "Cy", ["Parcels to Spain?", "How long do they take?"], close=False)
    await server.chat.stores.labels.add(int(ada[2:]), "delivery")

    page = await signed_in(browser, server, boss["email"])
    await page.click("[data-testid=history-link]")
    await expect(page.locator("[data-testid=history] h1")).to_have_text("History")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("3 conversations")
    assert await names_listed(page) == ["Cy", "Bea", "Ada"]
    await expect(page.locator(f"[data-conversation-id={ada}] [data-testid=label-chip]")).to_have_text(
        "delivery"
    )

    await page.click("[data-testid=quick-closed]")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("2 conversations")
    assert await names_listed(page) == ["Bea", "Ada"]
    await expect(page.locator("[data-testid=quick-closed]")).to_have_attribute("aria-pressed", "true")
    await page.select_option("[data-testid=filter-label]", "delivery")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("1 conversation")
    assert await names_listed(page) == ["Ada"]
    assert "status=closed" in page.url
    assert "label=delivery" in page.url
    await page.click("[data-testid=clear-filters]")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("3 conversations")
    await page.click("[data-testid=quick-open]")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("1 conversation")
    await page.click("[data-testid=quick-all]")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("3 conversations")
    await page.screenshot(path=str(artifacts / "console-history.png"), full_page=True)

    await page.fill("[data-testid=history-search]", "parcel")
    await page.press("[data-testid=history-search]", "Enter")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("2 messages match “parcel”")
    assert await page.locator("[data-testid=hit-text]").all_inner_texts() == [
        "Parcels to Spain?",
        "My parcel never arrived",
    ]
    assert await page.locator("[data-testid=hit-text] mark").all_inner_texts() == ["Parcel", "parcel"]
    await page.screenshot(path=str(artifacts / "console-search.png"), full_page=True)

    # 1,024 px wide: the same page, nothing wider than the window, the search and filters in reach.
    await page.set_viewport_size({"width": NARROW, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= NARROW
    for testid in ("history-search", "quick-closed", "filter-agent", "filter-label", "filter-to"):
        box = await page.locator(f"[data-testid={testid}]").bounding_box()
        assert box is not None, testid
        assert 0 <= box["x"] <= box["x"] + box["width"] <= NARROW, testid

    # A result opens the transcript, where the conversation is labelled and reopened.
    await page.click(f"[data-testid=search-result][data-conversation-id={ada}] a")
    await expect(page.locator("[data-testid=transcript]")).to_be_visible()
    await page.fill("[data-testid=label-input]", "Refund ")
    await page.press("[data-testid=label-input]", "Enter")
    await expect(page.locator("[data-testid=labels] [data-testid=label-chip]")).to_have_count(2)
    assert await server.chat.stores.labels.of([int(ada[2:])]) == {int(ada[2:]): ["delivery", "refund"]}
    await page.click("[data-testid=reopen]")
    await expect(page.locator(".reopened")).to_be_visible()
    reopened = await server.chat.stores.conversations.get(int(ada[2:]))
    assert reopened is not None
    assert reopened.status == "assigned"
    assert reopened.agent_id == int(boss["id"][2:])


async def test_an_admin_reads_along_live_and_the_visitor_hears_nothing(
    server: Running, browser: Browser
) -> None:
    grace = await server.agent("Grace")
    boss = await server.add_agent("Boss", role="admin")
    visitor, conv = await start_chat(server, grace, "Ada")
    page = await signed_in(browser, server, boss["email"])
    await page.goto(f"{server.url}/console/transcripts/{conv}")
    await expect(page.locator("[data-testid=live-notice]")).to_have_text(
        "Reading along live. Nobody is assigned and the visitor is not told."
    )
    visitor.drain("message")
    visitor.drain("conversation.updated")
    assert (await visitor.emit("message.send", {"client_id": client_id(), "text": "Anyone reading?"}))["ok"]
    note = {
        "conversation_id": conv,
        "client_id": client_id(),
        "text": "Boss may be watching",
        "private": True,
    }
    assert (await grace.emit("message.send", note))["ok"]
    messages = page.locator("[data-testid=transcript-messages] .msg-text")
    await expect(messages.last).to_have_text("Boss may be watching")
    assert "Anyone reading?" in await messages.all_inner_texts()
    await visitor.nothing("message")
    await visitor.nothing("conversation.updated")
    stored = await server.chat.stores.conversations.get(int(conv[2:]))
    assert stored is not None
    assert stored.agent_id == int(grace.info["id"][2:] if grace.info else "0")
    assert not await server.chat.presence.is_connected(int(boss["id"][2:]))


async def test_load_more_brings_the_next_page(server: Running, browser: Browser) -> None:
    """27 conversations: the first page has 25, "Load more" the last 2, then it is gone."""
    boss = await server.add_agent("Boss", role="admin")
    stores = server.chat.stores
    for n in range(27):
        visitor = await stores.visitors.create("127.0.0.1", None)
        await stores.visitors.update(visitor.id, name=f"V{n:02d}")
        await stores.conversations.create(visitor.id, "127.0.0.1")
    page = await signed_in(browser, server, boss["email"])
    await page.goto(server.url + "/console/history")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("25 conversations so far")
    await page.click("[data-testid=load-more]")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text("27 conversations")
    assert await names_listed(page) == [f"V{n:02d}" for n in reversed(range(27))]
    await expect(page.locator("[data-testid=load-more]")).to_be_hidden()

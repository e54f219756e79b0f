"""Starting a chat in the widget, as a visitor sees it (real Chromium, real server): the stream
reads in the order things happened, and the leave-a-message path says one consistent thing."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import W, console_and_shop
from tests.chat.test_status_handback import HANDED_BACK, start_with_clock
from tests.conftest import Running, StartServer

FIRST = "Hello, where is my card?"


async def test_the_first_message_reads_before_the_agent_joined(server: Running, browser: Browser) -> None:
    agent = await server.add_agent("Grace")
    seen: list[str] = []
    console, shop = await console_and_shop(browser, server, server.url, agent["email"], seen)
    await shop.fill(W + "[data-tandem=composer]", FIRST)
    await shop.press(W + "[data-tandem=composer]", "Enter")

    stream = shop.locator(W + "[data-tandem=messages] [data-tandem=message]")
    await expect(stream).to_have_text([FIRST + "Sent", "Grace joined the chat"])
    assert await stream.nth(0).get_attribute("data-author") == "visitor"
    assert await stream.nth(1).get_attribute("data-author") == "system"

    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    await item.click()
    texts = console.locator("[data-testid=conversation-view] [data-testid=message-text]")
    await expect(texts).to_have_text([FIRST, "Grace joined the chat"])
    assert seen == []


async def open_widget(browser: Browser, server: Running) -> Page:
    shop = await (await browser.new_context(viewport={"width": 1000, "height": 800})).new_page()
    await shop.goto(server.url + "/")
    await shop.click(W + "[data-tandem=launcher]")
    await expect(shop.locator(W + "[data-tandem=panel]")).to_be_visible()
    return shop


async def test_leaving_a_message_asks_for_an_email_and_never_shows_a_place_in_line(
    server: Running, browser: Browser
) -> None:
    shop = await open_widget(browser, server)  # no agent online
    form = shop.locator(W + "[data-tandem=offline]")
    await expect(form).to_be_visible()
    await expect(shop.locator(W + "[data-tandem=offline-intro]")).to_have_text(
        "No one is available right now. Leave a message and we'll reply by email."
    )
    email = form.locator("[name=email]")
    await expect(email).to_be_visible()
    assert await email.get_attribute("required") is not None

    await shop.fill(W + "[data-tandem=offline-message]", "Do you ship to Norway?")
    await shop.click(W + "[data-tandem=offline-send]")
    await expect(form.locator("[data-tandem=form-error]")).to_have_text(
        "Please enter your email address so we can reply."
    )
    assert await server.chat.stores.conversations.queued() == []

    await email.fill("ada@example.com")
    await shop.click(W + "[data-tandem=offline-send]")
    status = shop.locator(W + "[data-tandem=status]")
    notice = shop.locator(W + "[data-tandem=notice]")
    thanks = (
        "Thanks — we have your message and will reply to ada@example.com, "
        "or here if someone is free while you are on this page."
    )
    await expect(status).to_have_text("Message received")
    await expect(notice).to_have_text(thanks)
    await expect(shop.locator(W + "[data-tandem=message][data-author=visitor]")).to_have_attribute(
        "data-state", "sent"
    )
    (conv,) = await server.chat.stores.conversations.queued()
    stored = await server.chat.stores.visitors.get(conv.visitor_id)
    assert stored is not None
    assert stored.email == "ada@example.com"

    # A reload says the same, not a place in the queue.
    await shop.reload()
    await shop.click(W + "[data-tandem=launcher]")
    await expect(status).to_have_text("Message received")
    await expect(notice).to_have_text(thanks)
    await expect(
        shop.locator(W + "[data-tandem=message][data-author=visitor] [data-tandem=text]")
    ).to_have_text(["Do you ship to Norway?"])
    assert "in line" not in (await shop.locator(W + "[data-tandem=panel]").inner_text())


async def test_a_visitor_message_over_the_limit_stays_with_a_counter(
    start_server: StartServer, browser: Browser
) -> None:
    server = await start_server(TANDEM_MAX_MESSAGE_LENGTH="50")
    await server.agent("Grace")  # someone is online: the widget offers the composer
    shop = await open_widget(browser, server)
    composer = shop.locator(W + "[data-tandem=composer]")
    counter = shop.locator(W + "[data-tandem=count]")

    await composer.fill("x" * 44)
    await expect(counter).to_be_hidden()
    await composer.press_sequentially("xx")
    await expect(counter).to_have_text("46 / 50")
    await composer.fill("é" * 51)
    await composer.press_sequentially("é")  # an input event, as typing makes
    await expect(counter).to_have_text("2 characters too long (the limit is 50)")
    await composer.press("Enter")
    await expect(composer).to_have_value("é" * 52)
    await expect(shop.locator(W + "[data-tandem=message][data-author=visitor]")).to_have_count(0)
    assert await server.chat.stores.conversations.queued() == []

    await composer.fill("")
    await composer.press_sequentially("Short and fine")
    await expect(counter).to_be_hidden()
    await composer.press("Enter")
    await expect(shop.locator(W + "[data-tandem=message][data-author=visitor]")).to_have_attribute(
        "data-state", "sent"
    )
    await expect(composer).to_have_value("")


async def test_the_visitor_reads_that_an_offline_agent_handed_the_chat_back(
    start_server: StartServer, browser: Browser
) -> None:
    server, clock = await start_with_clock(start_server)
    alan = await server.agent("Alan")
    shop = await open_widget(browser, server)
    await shop.fill(W + "[data-tandem=composer]", FIRST)
    await shop.press(W + "[data-tandem=composer]", "Enter")
    status = shop.locator(W + "[data-tandem=status]")
    await expect(status).to_have_text("You are chatting with Alan")

    said = clock.now
    assert (await alan.emit("status.set", {"status": "offline"}))["ok"]
    clock.now = said + 45
    await server.chat.grace.sweep()
    stream = shop.locator(W + "[data-tandem=messages] [data-tandem=message]")
    await expect(stream.last).to_have_text(HANDED_BACK.format("Alan"))
    await expect(status).to_have_text("You are number 1 in line")

"""The agent assist in real Chromium: a visitor's question brings a suggestion to the console, Insert
fills the composer (and sends nothing), Enter sends it; the admin page manages the knowledge base."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, WebSocket, expect

from assist.config import load_assist_config
from assist.embedding import Embedder, SentenceTransformerEmbedder
from assist.service import Assist
from tests.assisting import AssistMaker
from tests.browser.test_chat_e2e import W, sign_in, watch_for_script_runs
from tests.conftest import PASSWORD, Running, StartServer

ASSIST_READY_SECONDS = 60

KB = {
    "card_arrival.md": """---
id: card_arrival
title: When will my card arrive?
url: https://help.example.com/card-arrival
tags: [cards, delivery]
---
Cards are delivered within 3 to 7 working days after we post them.

## Still not here?
"""
    # One line: the assist ends a sentence at each line break (a wrapped line would cut the draft).
    + "If your card has not arrived after 10 working days, report it missing in the app and we will "
    "send a new card free of charge.\n",
    "change_pin.md": """# How do I change my PIN?

You can change your PIN at any cash machine that offers PIN services. Insert your card, enter your
current PIN and choose Change PIN. The new PIN works straight away.
""",
    "refunds.txt": """Getting a refund for a purchase

Refunds from shops take up to 5 working days to reach your account. If the refund has not appeared
after 5 working days, ask the merchant for the refund reference and contact us with it.
""",
}

TOP_UP = (
    "Top up with a debit card or a bank transfer in the app under Add money. Card top-ups arrive instantly."
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """MiniLM, loaded once for this module's servers (loading takes a few seconds)."""
    return SentenceTransformerEmbedder(load_assist_config({}).model_path)


@pytest.fixture
def shared_model(embedder: Embedder) -> AssistMaker:
    """Servers started with this factory build their assist around the already loaded model."""
    return AssistMaker(embedder)


async def assist_server(
    start_server: StartServer, maker: AssistMaker, kb_dir: Path
) -> tuple[Running, Assist]:
    """A server with the assist on, once it is ready, with the little help centre loaded."""
    server = await start_server(assist_factory=maker, TANDEM_ASSIST="on")
    assist = await maker.ready(server.app, ASSIST_READY_SECONDS)
    report = await assist.load([write_kb(kb_dir)])
    assert not report.failed, report.failed
    return server, assist


def write_kb(folder: Path, files: dict[str, str] = KB) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def record_frames(page: Page, received: list[str], sent: list[str] | None = None) -> None:
    """Keep every Socket.IO frame the page receives (and sends) over WebSocket or long-polling."""

    def on_socket(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: received.append(str(payload)))
        if sent is not None:
            ws.on("framesent", lambda payload: sent.append(str(payload)))

    async def on_response(response: Any) -> None:
        if "/socket.io/" in response.url and response.request.method == "GET":
            with contextlib.suppress(Exception):  # the page went away mid-poll
                received.append(await response.text())

    page.on("websocket", on_socket)
    page.on("response", on_response)


def socketio_events(frames: list[str], name: str) -> list[dict[str, Any]]:
    """The payloads of event ``name`` in recorded frames (``42/ns,["name", {...}]``)."""
    found = []
    for frame in frames:
        start = frame.find("[")
        if not frame.startswith("42") or start < 0:
            continue
        event = json.loads(frame[start:])
        if event and event[0] == name:
            found.append(event[1])
    return found


async def start_chat(shop: Page, server: Running, text: str) -> None:
    await shop.goto(server.url + "/")
    await shop.click(W + "[data-tandem=launcher]")
    await expect(shop.locator(W + "[data-tandem=panel]")).to_be_visible()
    await shop.fill(W + "[data-tandem=prechat] [name=name]", "Ada")
    await shop.fill(W + "[data-tandem=composer]", text)
    await shop.press(W + "[data-tandem=composer]", "Enter")


async def test_suggestion_appears_and_insert_fills_the_composer(
    shared_model: AssistMaker, start_server: StartServer, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    server, assist = await assist_server(start_server, shared_model, tmp_path / "kb")
    agent = await server.add_agent("Grace")
    script_runs: list[str] = []

    console = await (await browser.new_context(viewport={"width": 1366, "height": 860})).new_page()
    console_frames: list[str] = []
    console_sent: list[str] = []
    record_frames(console, console_frames, console_sent)
    watch_for_script_runs(console, script_runs)
    await sign_in(console, server, agent["email"])

    shop = await (await browser.new_context(viewport={"width": 1000, "height": 800})).new_page()
    shop_frames: list[str] = []
    record_frames(shop, shop_frames)
    watch_for_script_runs(shop, script_runs)
    await start_chat(shop, server, "my card still hasn't arrived")

    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    await item.click()

    # The suggestion is in the panel, its answering sentence marked.
    panel = console.locator("[data-testid=assist-panel]")
    card = panel.locator("[data-testid=assist-suggestion][data-article-id=card_arrival]")
    await expect(card).to_have_count(1, timeout=15000)
    await expect(card.locator("[data-testid=assist-title]")).to_have_text("When will my card arrive?")
    marks = card.locator("[data-testid=assist-passage] mark")
    assert await marks.count() >= 1
    for marked in await marks.all_text_contents():
        assert marked.strip()
        assert marked.strip() in KB["card_arrival.md"]
    source = card.locator("[data-testid=assist-source]")
    await expect(source).to_have_attribute("href", "https://help.example.com/card-arrival")
    await expect(source).to_have_attribute("target", "_blank")
    await expect(source).to_have_attribute("rel", "noopener")
    payloads = socketio_events(console_frames, "assist.suggestions")
    suggestion = next(s for p in payloads for s in p["suggestions"] if s["article_id"] == "card_arrival")

    # Insert: the draft is in the composer, for the agent to edit; nothing was sent.
    composer = console.locator("[data-testid=composer]")
    await card.locator("[data-testid=assist-insert]").click()
    await expect(composer).to_have_value(suggestion["draft"])
    await expect(composer).to_be_focused()
    await console.screenshot(path=str(artifacts / "console-assist.png"))
    conversation_id = int((await item.get_attribute("data-conversation-id") or "c_0")[2:])
    await console.wait_for_timeout(500)
    stored = await server.chat.stores.messages.since(conversation_id, 0, include_private=True, limit=100)
    assert [(m.author_type, m.text) for m in stored if m.type != "event"] == [
        ("visitor", "my card still hasn't arrived")
    ]
    assert (await assist.events.report()).inserted == 1  # the feedback reached the assist

    # Enter sends it: the visitor reads the draft, and the send says which suggestion it came from.
    await composer.press("Enter")
    agent_texts = shop.locator(W + "[data-tandem=message][data-author=agent] [data-tandem=text]")
    await expect(agent_texts).to_have_text([suggestion["draft"]])
    await expect(composer).to_have_value("")
    sends = socketio_events(console_sent, "message.send")
    assert sends[-1]["assist"] == {"article_id": "card_arrival", "draft": suggestion["draft"]}

    # Suggestions went to the agent only: the visitor's page never received one.
    assert payloads
    assert all(p["conversation_id"] == f"c_{conversation_id}" for p in payloads)
    assert shop_frames, "no frames were recorded on the visitor's page"
    assert not [f for f in shop_frames if "assist" in f]
    assert script_runs == []
    await shop.screenshot(path=str(artifacts / "widget-assist-reply.png"))


async def test_dismiss_and_search_in_the_console(
    shared_model: AssistMaker, start_server: StartServer, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    server, assist = await assist_server(start_server, shared_model, tmp_path / "kb")
    agent = await server.add_agent("Grace")
    console = await (await browser.new_context(viewport={"width": 1366, "height": 860})).new_page()
    console_sent: list[str] = []
    record_frames(console, [], console_sent)
    await sign_in(console, server, agent["email"])
    shop = await (await browser.new_context()).new_page()
    await start_chat(shop, server, "my card still hasn't arrived")
    await console.locator("[data-testid=conversation-item]").click()

    panel = console.locator("[data-testid=assist-panel]")
    card = panel.locator("[data-testid=assist-suggestion][data-article-id=card_arrival]")
    await expect(card).to_have_count(1, timeout=15000)
    cards = panel.locator("[data-testid=assist-suggestion]")
    shown = await cards.count()
    await card.locator("[data-testid=assist-dismiss]").click()
    await expect(card).to_have_count(0)
    await expect(cards).to_have_count(shown - 1)
    if shown == 1:
        await expect(panel.locator("[data-testid=assist-empty]")).to_be_visible()
    for _ in range(50):
        if (await assist.events.report()).dismissed == 1:
            break
        await console.wait_for_timeout(100)
    else:
        raise AssertionError("the dismissal never reached the assist")

    # The agent's own search shows results in the same format, each with Insert.
    await panel.locator("[data-testid=assist-search]").fill("change my pin")
    await panel.locator("[data-testid=assist-search-button]").click()
    result = panel.locator("[data-testid=assist-suggestion]").first
    await expect(result.locator("[data-testid=assist-title]")).to_have_text("How do I change my PIN?")
    await result.locator("[data-testid=assist-insert]").click()
    composer = console.locator("[data-testid=composer]")
    await expect(composer).to_have_value(re.compile("PIN"))
    await console.screenshot(path=str(artifacts / "console-assist-search.png"))

    # Emptying the composer forgets the inserted suggestion: a message typed afresh carries none.
    await composer.fill("")
    await composer.fill("Let me check that for you")
    await composer.press("Enter")
    await expect(shop.locator(W + "[data-tandem=message][data-author=agent]")).to_have_count(1)
    sends = socketio_events(console_sent, "message.send")
    assert [s["text"] for s in sends] == ["Let me check that for you"]
    assert "assist" not in sends[0]


async def admin_page(browser: Browser, server: Running) -> Page:
    admin = await server.add_agent("Margaret", role="admin")
    page = await (await browser.new_context(viewport={"width": 1280, "height": 1400})).new_page()
    await page.goto(server.url + "/admin")
    await page.fill("[data-testid=login-form] [name=email]", admin["email"])
    await page.fill("[data-testid=login-form] [name=password]", PASSWORD)
    await page.click("[data-testid=login-form] [type=submit]")
    await expect(page.locator("[data-testid=kb-table]")).to_be_visible()
    return page


async def test_admin_manages_the_knowledge_base_and_reads_the_report(
    shared_model: AssistMaker, start_server: StartServer, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    server, assist = await assist_server(start_server, shared_model, tmp_path / "kb")
    # A chat first, for the report: one question the help centre answers, one it cannot.
    await server.agent("Grace")
    for text in ("my card still hasn't arrived", "can I pay my rent in bitcoin?"):
        visitor = await server.visitor()
        await visitor.emit("conversation.start", {"name": "Ada"})
        ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": text})
        assert ack["ok"], ack
    for _ in range(50):  # suggestions are made in the background
        if (await assist.events.report()).gaps:
            break
        await asyncio.sleep(0.1)

    page = await admin_page(browser, server)
    script_runs: list[str] = []
    watch_for_script_runs(page, script_runs)
    rows = page.locator("[data-testid=kb-row]")
    await expect(rows).to_have_count(3)
    await expect(
        page.locator("[data-testid=kb-row][data-article-id=card_arrival] [data-testid=kb-title]")
    ).to_have_text("When will my card arrive?")

    # Upload: a new article, one again unchanged, and two files that cannot be read.
    uploads = write_kb(
        tmp_path / "uploads",
        {
            "top_up.md": f"# How to top up <img src=x onerror=alert(1)>\n\n{TOP_UP}\n",
            "refunds.txt": KB["refunds.txt"],
            "broken.csv": "id,title\nx,No body column\n",
            "notes.pdf": "%PDF-1.4",
        },
    )
    await page.set_input_files("[data-testid=kb-upload-form] input[type=file]", sorted(uploads.iterdir()))
    await page.click("[data-testid=kb-upload-form] [type=submit]")
    report = page.locator("[data-testid=kb-upload-report]")
    await expect(report).to_be_visible(timeout=15000)
    await expect(report.locator("[data-testid=kb-report-added]")).to_contain_text("1 added")
    await expect(report.locator("[data-testid=kb-report-unchanged]")).to_contain_text("1 unchanged")
    failures = report.locator("[data-testid=kb-report-failure]")
    await expect(failures).to_have_count(2)
    await expect(failures.filter(has_text="broken.csv")).to_contain_text("body")
    await expect(failures.filter(has_text="notes.pdf")).to_have_count(1)
    await expect(failures.filter(has_text="tandem-kb-")).to_have_count(0)  # no server scratch paths
    await expect(rows).to_have_count(4)
    await expect(rows.filter(has_text="upload:top_up.md")).to_have_count(1)

    # Preview shows the article as text (markup stays text).
    new_row = rows.filter(has_text="How to top up")
    await new_row.locator("[data-testid=kb-preview-button]").click()
    preview = page.locator("[data-testid=kb-preview]")
    await expect(preview).to_contain_text("<img src=x onerror=alert(1)>")
    await expect(preview).to_contain_text("Add money")

    # Search shows titles and marked passages, as agents would see them.
    await page.fill("[data-testid=kb-search]", "how do I change my pin")
    await page.click("[data-testid=kb-search-button]")
    first = page.locator("[data-testid=kb-result]").first
    await expect(first).to_have_attribute("data-article-id", "change_pin")
    assert await first.locator("mark").count() >= 1

    # The report: rates as percentages, and the question nothing answered among the gaps.
    section = page.locator("[data-testid=assist-report]")
    await section.locator("[data-testid=assist-report-refresh]").click()
    await expect(section.locator("[data-testid=assist-report-shown]")).not_to_have_text("0")
    await expect(section.locator("[data-testid=assist-report-insert-rate]")).to_have_text(
        re.compile(r"^\d+(\.\d)?%$")
    )
    await expect(section.locator("[data-testid=assist-gaps] li")).to_contain_text(
        ["can I pay my rent in bitcoin?"]
    )
    await page.locator("#kb").screenshot(path=str(artifacts / "admin-knowledge-base.png"))
    await section.screenshot(path=str(artifacts / "admin-assist-report.png"))

    # Delete asks first; Cancel keeps the article, confirming removes it (and its preview).
    await new_row.locator("[data-testid=kb-delete]").click()
    await new_row.locator("[data-testid=confirm-no]").click()
    await expect(rows).to_have_count(4)
    await new_row.locator("[data-testid=kb-delete]").click()
    await new_row.locator("[data-testid=confirm-yes]").click()
    await expect(rows).to_have_count(3)
    await expect(preview).to_be_hidden()
    assert {a.id for a in await assist.kb.articles()} == {"card_arrival", "change_pin", "refunds"}
    assert await page.locator("#kb img").count() == 0
    assert script_runs == []


async def test_admin_says_when_the_assist_is_off(server: Running, browser: Browser) -> None:
    page = await admin_page(browser, server)
    await expect(page.locator("#kb [data-testid=assist-unavailable]")).to_contain_text(
        "The assist is starting or turned off"
    )
    await expect(page.locator("[data-testid=assist-report] [data-testid=assist-unavailable]")).to_be_visible()


async def test_console_panel_while_the_assist_is_off(server: Running, browser: Browser) -> None:
    """Without the assist the panel is quiet, and a search says the assist is starting."""
    agent = await server.add_agent("Grace")
    console = await (await browser.new_context(viewport={"width": 1366, "height": 860})).new_page()
    await sign_in(console, server, agent["email"])
    shop = await (await browser.new_context()).new_page()
    await start_chat(shop, server, "my card still hasn't arrived")
    await console.locator("[data-testid=conversation-item]").click()

    panel = console.locator("[data-testid=assist-panel]")
    await expect(panel.locator("[data-testid=assist-empty]")).to_contain_text("No suggestions")
    await panel.locator("[data-testid=assist-search]").fill("card")
    await panel.locator("[data-testid=assist-search]").press("Enter")
    await expect(panel).to_contain_text("Assist is starting…")
    await expect(panel.locator("[data-testid=assist-suggestion]")).to_have_count(0)

"""An automated accessibility check: axe-core (widget/node_modules/axe-core, an npm dev dependency)
run in Chromium over the widget, the console and the admin pages, in the states people see them in;
any serious or critical violation fails the test, named with the elements it was found on.

axe is put into each page as an init script (the DevTools protocol adds it before the page's own
scripts), which the pages' Content-Security-Policy does not govern, so the pages are checked under
the policy they are served with.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import W, sign_in
from tests.conftest import PASSWORD, Running

AXE = Path(__file__).resolve().parents[2] / "widget" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => ({
      target: n.target.flat().join(" >> "), summary: n.failureSummary,
    })),
  }));
}"""


@pytest.fixture
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make install` (npm ci in widget/)")
    return AXE


async def checked_page(browser: Browser, axe: Path, width: int = 1280) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": 800})
    await context.add_init_script(path=str(axe))
    return await context.new_page()


async def assert_accessible(page: Page, what: str) -> None:
    violations: list[dict[str, Any]] = await page.evaluate(RUN_AXE)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    report = "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in blocking
    )
    assert not blocking, f"{what} has accessibility violations:\n{report}"


async def test_the_widget_passes_axe(server: Running, browser: Browser, axe_source: Path) -> None:
    agent = await server.agent("Grace")
    shop = await checked_page(browser, axe_source, 1000)
    await shop.goto(server.url + "/")
    await expect(shop.locator(W + "[data-tandem=launcher]")).to_be_visible()
    await assert_accessible(shop, "the demo page with the widget closed")
    await shop.click(W + "[data-tandem=launcher]")
    await expect(shop.locator(W + "[data-tandem=panel]")).to_be_visible()
    await assert_accessible(shop, "the widget's open panel (pre-chat form)")
    await shop.fill(W + "[data-tandem=prechat] [name=name]", "Ada")
    await shop.fill(W + "[data-tandem=composer]", "Hello, where is my card?")
    await shop.press(W + "[data-tandem=composer]", "Enter")
    await agent.recv("conversation.assigned")
    conversation = (await agent.recv("message"))["conversation_id"]
    ack = await agent.emit(
        "message.send",
        {"conversation_id": conversation, "client_id": str(uuid.uuid4()), "text": "On its way"},
    )
    assert ack["ok"], ack
    await expect(shop.locator(W + "[data-tandem=message][data-author=agent]")).to_have_count(1)
    await assert_accessible(shop, "the widget in a chat")


async def test_the_console_passes_axe(server: Running, browser: Browser, axe_source: Path) -> None:
    info = await server.add_agent("Grace")
    for width in (1440, 1024):
        page = await checked_page(browser, axe_source, width)
        await page.goto(server.url + "/console")
        await expect(page.locator("[data-testid=login-form]")).to_be_visible()
        await assert_accessible(page, "the console's sign-in page")
        await sign_in(page, server, info["email"])
        visitor = await server.visitor()
        if width == 1440:
            started = await visitor.emit("conversation.start", {"name": "Ada"})
            assert started["ok"], started
            ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": "Hi there"})
            assert ack["ok"], ack
        await page.locator("[data-testid=conversation-item]").click()
        await expect(page.locator("[data-testid=composer]")).to_be_visible()
        await assert_accessible(page, f"the console at {width} px with a conversation open")
        if width == 1440:
            await page.click("[data-testid=history-link]")
            await expect(page.locator("[data-testid=history-item]")).to_have_count(1)
            await assert_accessible(page, "the history")
            await page.fill("[data-testid=history-search]", "there")
            await page.press("[data-testid=history-search]", "Enter")
            await expect(page.locator("[data-testid=hit-text]")).to_have_text(["Hi there"])
            await assert_accessible(page, "the history's search results")
        if width == 1024:
            await page.click("[data-testid=panel-toggle-visitor]")
            await assert_accessible(page, "the console's visitor drawer")
            await page.keyboard.press("Escape")
            await page.click("[data-testid=change-password]")
            await expect(page.locator("[data-testid=password-dialog]")).to_be_visible()
            await assert_accessible(page, "the change-password dialog")
        await page.context.close()


async def test_the_admin_and_invitation_pages_pass_axe(
    server: Running, browser: Browser, axe_source: Path
) -> None:
    info = await server.add_agent("Root", role="admin")
    await server.chat.stores.settings.add_canned("hello", "Hello! How can I help?")
    page = await checked_page(browser, axe_source)
    await page.goto(server.url + "/admin")
    await page.fill("[data-testid=login-form] [name=email]", info["email"])
    await page.fill("[data-testid=login-form] [name=password]", PASSWORD)
    await page.click("[data-testid=login-form] [type=submit]")
    await expect(page.locator("[data-testid=agent-row]")).to_have_count(2)
    await assert_accessible(page, "the admin page")
    form = page.locator("[data-testid=invite-form]")
    await form.locator("[name=email]").fill("kay@example.com")
    await form.locator("[type=submit]").click()
    await expect(page.locator("[data-testid=invite-link]")).to_have_value(re.compile("/invite/"))
    link = await page.locator("[data-testid=invite-link]").input_value()
    await assert_accessible(page, "the admin page with an invitation link")
    await page.locator("[data-testid=agent-reset-password]").first.click()
    await expect(page.locator("[data-testid=agent-reset-confirm]").first).to_be_visible()
    await assert_accessible(page, "the admin page asking to confirm a password reset")

    await page.goto(link)
    await expect(page.locator("[data-testid=invite-form]")).to_be_visible()
    await assert_accessible(page, "the invitation page")

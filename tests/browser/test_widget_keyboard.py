"""The widget by keyboard, in Chromium: opening it focuses the first field the visitor is asked to
fill, Tab and Shift+Tab stay inside the open panel, Escape closes it and returns to the launcher."""

from __future__ import annotations

from dataclasses import replace

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import W
from tests.conftest import Running

ACTIVE = """() => {
  const el = document.getElementById("tandem-widget").shadowRoot.activeElement;
  if (!el) return null;
  const panel = document.getElementById("tandem-widget").shadowRoot.querySelector("[data-tandem=panel]");
  return { hook: el.getAttribute("data-tandem"), name: el.getAttribute("name"), inPanel: panel.contains(el) };
}"""


async def active(page: Page) -> dict[str, object] | None:
    result: dict[str, object] | None = await page.evaluate(ACTIVE)
    return result


async def test_open_focuses_the_first_field_tab_stays_inside_and_escape_closes(
    server: Running, browser: Browser
) -> None:
    current = await server.chat.stores.settings.widget()
    await server.chat.stores.settings.save_widget(
        replace(current, prechat={"name": "required", "email": "required"})
    )
    await server.agent("Grace")  # someone is online: the pre-chat form, not leave-a-message
    page = await (await browser.new_context(viewport={"width": 1000, "height": 800})).new_page()
    await page.goto(server.url + "/")
    launcher = page.locator(W + "[data-tandem=launcher]")
    await launcher.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(W + "[data-tandem=panel]")).to_be_visible()
    assert await active(page) == {"hook": None, "name": "name", "inPanel": True}

    # Round the panel both ways, further than it has controls: never out of it.
    seen = set()
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
        await page.keyboard.press(key)
        now = await active(page)
        assert now is not None
        assert now["inPanel"] is True, (key, now)
        seen.add(now["hook"] or now["name"])
    assert seen == {"name", "email", "composer", "send", "close"}
    # From the first control Shift+Tab goes to the last.
    await page.locator(W + "[data-tandem=close]").focus()
    await page.keyboard.press("Shift+Tab")
    assert await active(page) == {"hook": "send", "name": None, "inPanel": True}

    await page.keyboard.press("Escape")
    await expect(page.locator(W + "[data-tandem=panel]")).to_be_hidden()
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    assert await active(page) == {"hook": "launcher", "name": None, "inPanel": False}

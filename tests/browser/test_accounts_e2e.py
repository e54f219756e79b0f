"""Accounts in Chromium: an agent changes their password in the console; an admin invites an agent
in /admin and the invitee joins at the link; an admin resets a password."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import sign_in
from tests.conftest import PASSWORD, Running, StartServer
from tests.peers import login
from tests.web.test_api import call

NEW = "a brand new password"


async def new_page(browser: Browser, width: int = 1280) -> Page:
    return await (await browser.new_context(viewport={"width": width, "height": 800})).new_page()


async def test_an_agent_changes_their_password_in_the_console(server: Running, browser: Browser) -> None:
    """The dialog asks for the current password; a wrong one or a mismatch is a sentence; then the
    new password works, the other session ends, and the console goes on."""
    agent = await server.add_agent("Grace")
    _, elsewhere = await login(server.url, agent["email"], PASSWORD)
    page = await new_page(browser, 1024)
    await sign_in(page, server, agent["email"])

    await page.click("[data-testid=change-password]")
    dialog = page.locator("[data-testid=password-dialog]")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#current-password")).to_be_focused()
    await page.fill("#current-password", "not my password")
    await page.fill("#new-password", NEW)
    await page.fill("#repeat-password", NEW + "!")
    await page.click("[data-testid=password-form] [type=submit]")
    error = page.locator("[data-testid=password-error]")
    await expect(error).to_have_text("The two new passwords are not the same.")
    await page.fill("#repeat-password", NEW)
    await page.click("[data-testid=password-form] [type=submit]")
    await expect(error).to_have_text("Your current password is not right.")

    await page.fill("#current-password", PASSWORD)
    await page.click("[data-testid=password-form] [type=submit]")
    await expect(dialog).to_have_count(0)
    await expect(page.locator("[data-testid=toast]")).to_have_text(
        "Your password is changed. Your other sessions are signed out."
    )
    assert (await call(server, "GET", "/api/me", token=elsewhere))[0] == 401
    await login(server.url, agent["email"], NEW)
    await expect(page.locator("[data-testid=connection-banner]")).to_be_hidden()
    await page.select_option("[data-testid=status-select]", "away")  # still signed in here
    await expect(page.locator("[data-testid=status-select]")).to_have_value("away")

    await page.click("[data-testid=change-password]")
    await page.keyboard.press("Escape")  # the dialog closes, nothing changes
    await expect(page.locator("[data-testid=password-dialog]")).to_have_count(0)


async def admin_page(browser: Browser, server: Running) -> Page:
    info = await server.add_agent("Root", role="admin")
    page = await new_page(browser)
    await page.goto(server.url + "/admin")
    await page.fill("[data-testid=login-form] [name=email]", info["email"])
    await page.fill("[data-testid=login-form] [name=password]", PASSWORD)
    await page.click("[data-testid=login-form] [type=submit]")
    await expect(page.locator("[data-testid=agents-table]")).to_be_visible()
    return page


async def test_an_invited_agent_joins_at_the_link_once(server: Running, browser: Browser) -> None:
    admin = await admin_page(browser, server)
    form = admin.locator("[data-testid=invite-form]")
    await form.locator("[name=email]").fill("kay@example.com")
    await form.locator("[type=submit]").click()
    link = admin.locator("[data-testid=invite-link]")
    await expect(link).to_have_value(re.compile(r"/invite/[A-Za-z0-9_-]{43}$"))
    url = await link.input_value()
    assert url.startswith(f"{server.url}/invite/"), url

    invitee = await new_page(browser, 1024)
    await invitee.goto(url)
    await expect(invitee.locator("#invite-email")).to_have_value("kay@example.com")
    await expect(invitee.locator("#invite-name")).to_be_focused()
    await invitee.fill("#invite-name", "Kay Lee")
    await invitee.fill("#invite-password", NEW)
    await invitee.fill("#invite-repeat", NEW)
    await invitee.click("[data-testid=invite-form] [type=submit]")
    await expect(invitee).to_have_url(f"{server.url}/console")
    await expect(invitee.locator("[data-testid=status-select]")).to_be_visible()
    await expect(invitee.locator(".me-name")).to_have_text("Kay Lee")
    await admin.reload()
    await expect(admin.locator("[data-testid=agent-row]").filter(has_text="kay@example.com")).to_have_count(1)

    again = await new_page(browser)
    await again.goto(url)
    await expect(again.locator("[data-testid=invite-error]")).to_have_text(
        "This invitation has expired or was already used. Ask your admin for a new one."
    )
    await expect(again.locator("[data-testid=invite-form]")).to_have_count(0)


async def test_an_admin_resets_a_password_and_sees_it_once(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    admin = await admin_page(browser, server)
    row = admin.locator("[data-testid=agent-row]").filter(has_text=grace["email"])
    await row.locator("[data-testid=agent-reset-password]").click()
    await expect(row).to_contain_text("Grace gets a new password and is signed out everywhere.")
    await login(server.url, grace["email"], PASSWORD)  # nothing happened before the confirmation
    await row.locator("[data-testid=agent-reset-confirm]").click()
    shown = row.locator("[data-testid=agent-new-password]")
    await expect(shown).to_contain_text("New password for Grace, shown once: ")
    password = (await shown.text_content() or "").rsplit(": ", 1)[1]
    await login(server.url, grace["email"], password)
    status, _, _ = await call(
        server, "POST", "/api/login", body={"email": grace["email"], "password": PASSWORD}
    )
    assert status == 401


async def test_the_sign_in_form_says_when_sign_ins_are_throttled(
    start_server: StartServer, browser: Browser
) -> None:
    server = await start_server(TANDEM_SIGNIN_ATTEMPTS_PER_ACCOUNT="2")
    grace = await server.add_agent("Grace")
    page = await new_page(browser)
    await page.goto(server.url + "/console")
    error = page.locator("[data-testid=login-error]")
    for attempt, expected in enumerate(
        [
            "Wrong email or password",
            "Wrong email or password",
            "Too many sign-in attempts. Wait 15 minutes, then try again.",
        ]
    ):
        await page.fill("[data-testid=login-form] [name=email]", grace["email"])
        await page.fill(
            "[data-testid=login-form] [name=password]", PASSWORD if attempt == 2 else "wrong guess"
        )
        await page.click("[data-testid=login-form] [type=submit]")
        await expect(error).to_have_text(expected)
    await expect(page.locator("[data-testid=status-select]")).to_have_count(0)

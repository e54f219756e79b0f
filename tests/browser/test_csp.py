"""The Content-Security-Policy is enforced, and the pages live with it: an injected inline script
does not run (and Chromium reports it, which is how every browser test watches for violations)."""

from __future__ import annotations

from playwright.async_api import async_playwright

from tests.browser.conftest import CHROMIUM_ARGS, watch_csp
from tests.conftest import Running


async def test_inline_script_is_refused_on_every_page(server: Running, chromium: str) -> None:
    violations: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        watch_csp(browser, violations)
        page = await (await browser.new_context()).new_page()
        for path in ("/", "/console", "/admin"):
            await page.goto(server.url + path)
            await page.wait_for_load_state("load")
            assert violations == [], (path, violations)
            ran = await page.evaluate(
                """() => {
                  const s = document.createElement("script");
                  s.textContent = "window.injected = true";
                  document.body.append(s);
                  return window.injected === true;
                }"""
            )
            assert ran is False, path
            await page.wait_for_function("() => true")
            assert any("inline script" in v for v in violations), (path, violations)
            violations.clear()
        await browser.close()

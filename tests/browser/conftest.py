"""Browser fixtures: Debian's Chromium driven by Playwright (its own browser download is not used)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, async_playwright

from tests.conftest import service_missing

CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
# The flags that work in a container as root without a GPU or outside network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DIST = Path(__file__).resolve().parents[2] / "widget" / "dist"


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium, once the files a browser test needs are known to be there."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", FileNotFoundError(CHROMIUM))
    if not (DIST / "widget.js").exists():
        pytest.fail("widget/dist is not built: run `make widget` (make test does)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """Chromium; every page of every context it opens is watched for Content-Security-Policy
    violations (Chromium reports each on the page's console), and the test fails on any."""
    violations: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        watch_csp(browser, violations)
        yield browser
        await browser.close()
    assert not violations, f"the pages broke their Content-Security-Policy: {violations}"


def watch_csp(browser: Browser, violations: list[str]) -> None:
    """Record, from every context ``browser.new_context`` opens, the console's CSP violations."""
    new_context = browser.new_context

    async def watched(**kwargs: Any) -> BrowserContext:
        context = await new_context(**kwargs)

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                violations.append(message.text)

        context.on("console", on_console)
        return context

    browser.new_context = watched  # type: ignore[method-assign]


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (kept after the run)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

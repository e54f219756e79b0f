"""Sign-in throttling, per account and per client address, counted in the database (so it holds
across processes: this module runs on one server and on two sharing PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.conftest import BOTH_LAYOUTS, PASSWORD, Running, StartServer
from tests.web.test_api import call

pytestmark = BOTH_LAYOUTS

LIMITS = {
    "TANDEM_SIGNIN_ATTEMPTS_PER_ACCOUNT": "3",
    "TANDEM_SIGNIN_ATTEMPTS_PER_ADDRESS": "6",
    "TANDEM_SIGNIN_WINDOW_SECONDS": "600",
    # Requests from the test itself are from a proxy that says who the client is.
    "TANDEM_TRUSTED_PROXIES": "127.0.0.1",
}


@pytest.fixture
async def throttled(start_server: StartServer) -> Running:
    return await start_server(**LIMITS)


async def sign_in(server: Running, n: int, email: str, password: str, address: str) -> tuple[int, Any, str]:
    """Sign-in attempt number ``n``, sent to the servers in turn (both, in the two-process layout)."""
    urls = [server.url, *(url for url, _ in server.others)]
    target = Running(urls[n % len(urls)], server.app, server.settings)
    status, body, response = await call(
        target,
        "POST",
        "/api/login",
        body={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return status, body, response.headers.get("Retry-After", "")


def move_clock(server: Running, seconds: float) -> None:
    for chat in server.chats:
        chat.stores.signins.clock = lambda: time.time() + seconds


async def test_an_account_is_throttled_after_its_allowance_of_wrong_passwords(throttled: Running) -> None:
    """3 wrong passwords: the 4th attempt, even the right password, is 429 with Retry-After and a
    sentence; other accounts are not affected; once the window ends the right password works."""
    await throttled.add_agent("Grace")
    await throttled.add_agent("Kay")
    for n in range(3):
        status, body, _ = await sign_in(throttled, n, "grace@example.com", f"wrong {n}", f"10.0.0.{n}")
        assert (status, body["error"]["code"]) == (401, "invalid_credentials")
    status, body, retry_after = await sign_in(throttled, 3, "Grace@Example.com", PASSWORD, "10.0.0.9")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert body["error"]["message"] == "Too many sign-in attempts. Wait 10 minutes, then try again."
    assert 599 <= int(retry_after) <= 600

    status, _, _ = await sign_in(throttled, 4, "kay@example.com", PASSWORD, "10.0.0.9")
    assert status == 200

    move_clock(throttled, 590)
    status, body, retry_after = await sign_in(throttled, 5, "grace@example.com", PASSWORD, "10.0.0.9")
    assert status == 429
    assert body["error"]["message"] == "Too many sign-in attempts. Wait 10 seconds, then try again."
    assert 9 <= int(retry_after) <= 10
    move_clock(throttled, 601)
    status, _, _ = await sign_in(throttled, 6, "grace@example.com", PASSWORD, "10.0.0.9")
    assert status == 200


async def test_a_right_password_clears_the_accounts_count(throttled: Running) -> None:
    await throttled.add_agent("Grace")
    for n in range(5):  # wrong, wrong, right, wrong, wrong: never 3 in a row
        password = PASSWORD if n == 2 else "wrong"
        status, _, _ = await sign_in(throttled, n, "grace@example.com", password, "10.0.0.1")
        assert status == (200 if n == 2 else 401)
    status, _, _ = await sign_in(throttled, 5, "grace@example.com", PASSWORD, "10.0.0.1")
    assert status == 200


async def test_an_address_is_throttled_across_accounts(throttled: Running) -> None:
    """6 attempts from one address on made-up accounts: the 7th, on a real account with its right
    password, is refused from that address and not from another one."""
    await throttled.add_agent("Grace")
    for n in range(6):
        status, _, _ = await sign_in(throttled, n, f"guess{n}@example.com", "wrong", "203.0.113.7")
        assert status == 401
    status, body, retry_after = await sign_in(throttled, 6, "grace@example.com", PASSWORD, "203.0.113.7")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert int(retry_after) > 0
    status, _, _ = await sign_in(throttled, 7, "grace@example.com", PASSWORD, "203.0.113.8")
    assert status == 200


async def test_parallel_guesses_cannot_outrun_the_count(throttled: Running) -> None:
    """20 wrong passwords at once: exactly 3 are checked (401), the rest refused (429)."""
    await throttled.add_agent("Grace")
    results = await asyncio.gather(
        *(sign_in(throttled, n, "grace@example.com", "wrong", f"10.1.0.{n}") for n in range(20))
    )
    assert sorted(status for status, _, _ in results) == [401] * 3 + [429] * 17

"""`tandem agent password EMAIL`, run as a real subprocess beside a running server on its database."""

from __future__ import annotations

from pathlib import Path

from server.app import DEMO_EMAIL
from tests.conftest import PASSWORD, StartServer
from tests.peers import login
from tests.server.test_cli import tandem
from tests.web.test_api import call


async def test_a_lost_demo_password_is_recovered_with_a_generated_one(
    tmp_path: Path, start_server: StartServer
) -> None:
    """`--generate` prints a new password that signs in; the demo admin's old session is ended."""
    server = await start_server()
    demo = await server.chat.stores.agents.by_email(DEMO_EMAIL)
    assert demo is not None
    await server.chat.stores.agents.update(demo.id, password=PASSWORD)
    _, old_session = await login(server.url, DEMO_EMAIL, PASSWORD)

    result = await tandem(
        tmp_path / "data",
        "agent",
        "password",
        DEMO_EMAIL,
        "--generate",
        TANDEM_DATABASE_URL=server.settings.database_url,
    )
    assert result.code == 0, result
    first, second = result.out.strip().splitlines()
    assert first == f"new password for a_{demo.id} {DEMO_EMAIL}; their sessions are ended"
    assert second.startswith("password: ")
    password = second.removeprefix("password: ")
    assert len(password) == 16

    assert (await call(server, "GET", "/api/me", token=old_session))[0] == 401
    agent, _ = await login(server.url, DEMO_EMAIL, password)
    assert agent["role"] == "admin"
    status, _, _ = await call(server, "POST", "/api/login", body={"email": DEMO_EMAIL, "password": PASSWORD})
    assert status == 401


async def test_a_password_from_stdin_and_the_errors(tmp_path: Path, start_server: StartServer) -> None:
    """Piped: the line read is the password (never printed); unknown emails and short passwords fail
    with a sentence and change nothing."""
    server = await start_server()
    info = await server.add_agent("Grace")
    database = {"TANDEM_DATABASE_URL": server.settings.database_url}
    data = tmp_path / "data"

    result = await tandem(
        data, "agent", "password", "Grace@Example.com", stdin="piped new password\n", **database
    )
    assert result.code == 0, result
    assert result.out.strip() == f"new password for {info['id']} grace@example.com; their sessions are ended"
    assert "piped new password" not in result.out + result.err
    await login(server.url, "grace@example.com", "piped new password")

    missing = await tandem(
        data, "agent", "password", "nobody@example.com", stdin="long enough pw\n", **database
    )
    assert missing.code != 0
    assert "no agent has the email nobody@example.com" in missing.err
    short = await tandem(data, "agent", "password", "grace@example.com", stdin="short\n", **database)
    assert short.code != 0
    assert "the password must be at least 8 characters" in short.err
    assert "Traceback" not in missing.err + short.err
    await login(server.url, "grace@example.com", "piped new password")

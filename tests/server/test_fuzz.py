"""Any input from a client gets a documented answer, and the server stays healthy (tests/fuzzing.py).

``make test`` runs a bounded number of examples (``TANDEM_FUZZ_EXAMPLES``, default 60, each a few
socket events and HTTP calls); ``make fuzz`` runs the same with ≥ 100,000 inputs (docs/security.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.assisting import AssistMaker
from tests.chat.test_access import start_chat
from tests.chat.test_suggestions import WordHashEmbedder
from tests.conftest import PASSWORD, StartServer
from tests.fuzzing import Fuzz, Known, documented_codes, http_steps, new_client_id, run_in, socket_steps
from tests.peers import login

EXAMPLES = int(os.environ.get("TANDEM_FUZZ_EXAMPLES", "60"))
ARTICLE = "# Returns\n\nSend the parcel back within 30 days. We refund the card you paid with.\n"


async def test_any_input_gets_a_documented_answer(
    start_server: StartServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    maker = AssistMaker(WordHashEmbedder())
    server = await start_server(
        assist_factory=maker,
        TANDEM_ASSIST="on",
        TANDEM_EVENTS_PER_SECOND="1000000",
        TANDEM_EVENTS_BURST="1000000",
    )
    assist = await maker.ready(server.app)
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "returns.md").write_text(ARTICLE)
    assert not (await assist.load([tmp_path / "kb"])).failed
    grace = await server.agent("Grace")
    spare = await server.add_agent("Spare")  # the one agent the admin calls may change
    root = await server.add_agent("Root", role="admin")
    _, admin_token = await login(server.url, root["email"], PASSWORD)
    visitor, conv = await start_chat(server, grace)
    assert grace.info is not None
    assert grace.token is not None
    known = Known([conv], [grace.info["id"], spare["id"]])
    fuzz = Fuzz(server.url, visitor, grace, {"admin": admin_token, "agent": grace.token}, documented_codes())
    loop = asyncio.get_running_loop()
    steps = st.one_of(
        socket_steps(known).map(lambda s: ("socket", s)), http_steps(known).map(lambda s: ("http", s))
    )

    async with aiohttp.ClientSession() as http:

        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(st.lists(steps, min_size=1, max_size=8))
        def inputs(batch: list[tuple[str, tuple]]) -> None:  # type: ignore[type-arg]
            for kind, step in batch:
                run_in(loop, fuzz.socket(*step) if kind == "socket" else fuzz.http(http, *step))

        with caplog.at_level(logging.ERROR):
            await asyncio.to_thread(inputs)
        print(f"\nfuzz: {fuzz.inputs} inputs; answers: {dict(fuzz.seen.most_common())}")

        # Healthy afterwards: the checks pass, the fuzzed clients still talk, a new chat works.
        async with http.get(server.url + "/healthz") as r:
            assert r.status == 200, await r.text()
    assert visitor.sio.connected
    assert grace.sio.connected
    await visitor.fence()
    await grace.fence()
    newcomer = await server.visitor()
    started = await newcomer.emit("conversation.start", {"name": "Newcomer"})
    assert started["ok"], started
    sent = await newcomer.emit("message.send", {"client_id": new_client_id(), "text": "hello?"})
    assert sent["ok"], sent
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]

"""Knowledge-base uploads that could hurt the server: each file over a limit, nested past the
parser's stack or holding what is no text fails on its own in the report (never an HTTP 500), and
a large upload leaves the event loop free for the chat (its lag is measured while it runs)."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import aiohttp
import pytest

from assist import service
from assist.kb import store
from assist.kb.limits import LIMITS
from assist.retrieval import Retriever
from server.web.keys import ENGINE
from tests.assisting import AssistMaker
from tests.chat.test_suggestions import WordHashEmbedder
from tests.conftest import PASSWORD, Running, StartServer
from tests.peers import login

GOOD = "# Returns\n\nSend the parcel back within 30 days. We refund the card you paid with.\n"


async def assist_server(start_server: StartServer) -> tuple[Running, str]:
    maker = AssistMaker(WordHashEmbedder())
    server = await start_server(assist_factory=maker, TANDEM_ASSIST="on")
    await maker.ready(server.app)
    info = await server.add_agent("Root", role="admin")
    _, token = await login(server.url, info["email"], PASSWORD)
    return server, token


async def upload(server: Running, token: str, files: dict[str, bytes]) -> tuple[int, Any]:
    form = aiohttp.FormData()
    for name, content in files.items():
        form.add_field("files", content, filename=name, content_type="application/octet-stream")
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {token}"}
        async with http.post(f"{server.url}/api/admin/kb", data=form, headers=headers) as r:
            return r.status, await r.json(content_type=None)


async def test_each_file_past_a_limit_fails_alone(start_server: StartServer) -> None:
    server, token = await assist_server(start_server)
    deep = b"[" * 200_000 + b"]" * 200_000
    record = {"id": "x", "title": "T", "body": "B"}
    files = {
        "good.md": GOOD.encode(),
        "deep.json": deep,
        "deep.jsonl": deep + b"\n",
        "shallow-but-deep.json": ("[" * 40 + json.dumps(record) + "]" * 40).encode(),
        "deep.md": b"---\nid: [" + b"[" * 5000 + b"]" * 5001 + b"\n---\nBody\n",
        "long-line.txt": b"Title\n\n" + b"word " * (LIMITS.line_chars // 5 + 10),
        "huge.txt": b"x" * (LIMITS.file_bytes + 1),
        "nul.json": json.dumps({**record, "body": "a\u0000b"}).encode(),
        "surrogate.jsonl": b'{"id": "s", "title": "\\ud800", "body": "B"}\n',
        "big-number.json": b'{"id": ' + b"9" * 5000 + b', "title": "T", "body": "B"}',
        "bad-date.md": b"---\ndate: 2026-13-45\n---\nBody\n",
        "wide.csv": b"id,title,body\nx,T," + b"y" * 200_000 + b"\n",
    }
    status, body = await upload(server, token, files)
    assert status == 200, body
    report = body["report"]
    assert report["added"] == ["good"], report
    failed = {f["file"]: f["reason"] for f in report["failed"]}
    assert sorted(failed) == sorted(set(files) - {"good.md"}), failed
    assert "nested" in failed["deep.json"], failed
    assert failed["huge.txt"] == "Larger than 5 MB.", failed
    assert "longer than 50,000 characters" in failed["long-line.txt"], failed
    assert "U+0000" in failed["nul.json"], failed
    assert "U+D800" in failed["surrogate.jsonl"], failed
    status, body = await upload(server, token, {f"{n}.md": GOOD.encode() for n in range(501)})
    assert (status, body["error"]["code"]) == (413, "too_large"), body
    status, _ = await upload(server, token, {"again.md": GOOD.replace("Returns", "Returns 2").encode()})
    assert status == 200, "the server is healthy afterwards"


async def test_a_large_upload_leaves_the_event_loop_free(start_server: StartServer) -> None:
    """The server runs in this test's event loop: a ticker in it measures how late it gets while
    the server parses, splits and embeds a 10 MB one-line text (refused) and 4 MB of articles."""
    server, token = await assist_server(start_server)
    articles = [
        {"id": f"a{n}", "title": f"Article {n}", "body": "Cards arrive in days. Refunds take a week.\n" * 40}
        for n in range(2_000)
    ]
    files = {
        "one-line.txt": b"word " * (2 * 1024 * 1024),
        "many.jsonl": "\n".join(json.dumps(a) for a in articles).encode(),
    }
    lags: list[float] = []
    loop = asyncio.get_running_loop()

    async def ticker() -> None:
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - before - 0.01)

    ticking = asyncio.create_task(ticker())
    try:
        status, body = await upload(server, token, files)
    finally:
        ticking.cancel()
    assert status == 200, body
    assert len(body["report"]["added"]) == 2_000, body["report"]["summary"]
    assert [f["file"] for f in body["report"]["failed"]] == ["one-line.txt"]
    worst = max(lags)
    print(f"event loop lag during the upload: max {worst * 1000:.0f} ms over {len(lags)} ticks")
    assert worst < 0.25, f"the event loop was blocked for {worst:.2f} s"


async def test_the_index_after_an_upload_is_built_off_the_event_loop(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an upload leads to goes over every passage: the retriever's word weights are computed on
    a worker thread, and the passages with their vectors are read in pages (found by sampling the
    loop thread's stack while it was late: tens of milliseconds per thousand passages)."""
    built_on: list[int] = []

    class Watched(Retriever):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built_on.append(threading.get_ident())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(service, "Retriever", Watched)
    monkeypatch.setattr(store, "_PAGE", 50, raising=False)  # many pages from a small upload
    server, token = await assist_server(start_server)
    built_on.clear()
    articles = [
        {"id": f"a{n}", "title": f"Topic {n}", "body": f"Cards arrive in {n} days.\n"} for n in range(200)
    ]
    status, body = await upload(server, token, {"many.jsonl": "\n".join(map(json.dumps, articles)).encode()})
    assert status == 200, body
    assert len(body["report"]["added"]) == 200
    assert built_on, "the upload rebuilt the retriever"
    assert threading.get_ident() not in built_on
    kb = store.KnowledgeBase(server.app[ENGINE])
    _, paged = await kb.corpus_rows(WordHashEmbedder.fingerprint)
    monkeypatch.setattr(store, "_PAGE", 100_000)
    _, whole = await kb.corpus_rows(WordHashEmbedder.fingerprint)
    assert len(paged) == 200
    assert [(p.id, p.article_id) for p in paged] == [(p.id, p.article_id) for p in whole]

"""Live suggestions under load (server/chat/suggestions.py): one round per conversation at a time.

The assist here embeds with a small deterministic bag-of-words model: what is tested is when the
server asks the assist and what reaches the agent, not retrieval quality (tests/assist, and the
browser tests with the real model, cover that).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from assist.embedding import Vectors
from assist.service import Assist
from server.web.keys import ASSIST
from tests.chat.test_delivery import open_chat
from tests.conftest import Running, StartServer
from tests.peers import DEFAULT_TIMEOUT

DIM = 64


class WordHashEmbedder:
    """Each word hashed into one of 64 buckets; L2-normalised counts."""

    fingerprint = "word-hash-64"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, hashlib.sha256(word.encode()).digest()[0] % DIM] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: Vectors = vectors / np.maximum(norms, 1e-9)
        return normalised


@pytest.fixture
def word_hash_assist(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Servers started in the test build their assist around :class:`WordHashEmbedder`."""

    async def open_with(cls: type[Assist], engine: Any, config: Any, max_batch: int = 32) -> Assist:
        return cls(engine, WordHashEmbedder(), config.params, max_batch)

    monkeypatch.setattr(Assist, "open", classmethod(open_with))
    yield


async def ready_assist(server: Running) -> Assist:
    for _ in range(200):
        assist = server.app[ASSIST].assist
        if assist is not None:
            return assist
        await asyncio.sleep(0.05)
    raise AssertionError("the assist never became ready")


async def test_messages_during_a_round_collapse_into_one_more_round(
    start_server: StartServer, word_hash_assist: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the assist works on message 1, messages 2-4 arrive: the agent gets exactly two
    suggestion events, for message 1 and then for message 4 (the conversation as it is then)."""
    server = await start_server(TANDEM_ASSIST="on")
    assist = await ready_assist(server)
    asked: list[list[str]] = []
    gate = asyncio.Event()
    asking = asyncio.Event()
    suggest = assist.suggest

    async def gated(turns: Sequence[str], limit: int | None = None) -> Any:
        asked.append(list(turns))
        asking.set()
        await gate.wait()
        return await suggest(turns, limit)

    monkeypatch.setattr(assist, "suggest", gated)
    agent, visitor, conversation_id = await open_chat(server)
    seqs = []
    for n in range(1, 5):
        ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": f"question {n}"})
        assert ack["ok"], ack
        seqs.append(ack["message"]["seq"])
        if n == 1:  # the first round has started and waits at the gate
            await asyncio.wait_for(asking.wait(), DEFAULT_TIMEOUT)
    assert asked == [["question 1"]]
    gate.set()
    first = await agent.recv("assist.suggestions")
    second = await agent.recv("assist.suggestions")
    assert (first["conversation_id"], first["for_seq"]) == (conversation_id, seqs[0])
    assert (second["conversation_id"], second["for_seq"]) == (conversation_id, seqs[3])
    assert asked == [["question 1"], ["question 2", "question 3", "question 4"]]

    # Idle again: the next message gets its own round at once. Rounds of a conversation run one
    # after the other, so this one also shows no third round followed the second: it would have
    # been asked, and its suggestions sent, before these.
    ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": "question 5"})
    third = await agent.recv("assist.suggestions")
    assert third["for_seq"] == ack["message"]["seq"]
    assert asked == [
        ["question 1"],
        ["question 2", "question 3", "question 4"],
        ["question 3", "question 4", "question 5"],
    ]
    await agent.nothing("assist.suggestions")
    await visitor.nothing("assist.suggestions")

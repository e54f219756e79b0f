"""Live suggestions under load (server/chat/suggestions.py): one round per conversation at a time.

The assist here embeds with a small deterministic bag-of-words model: what is tested is when the
server asks the assist and what reaches the agent, not retrieval quality (tests/assist, and the
browser tests with the real model, cover that).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from assist.embedding import Vectors
from assist.models import Suggestion
from assist.service import Assist
from tests.assisting import AssistMaker
from tests.chat.test_delivery import open_chat
from tests.conftest import StartServer
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


class GatedAssist(Assist):
    """Records what it is asked; answers only once the test opens the gate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[list[str]] = []
        self.asking = asyncio.Event()
        self.gate = asyncio.Event()

    async def suggest(self, turns: Sequence[str], limit: int | None = None) -> list[Suggestion]:
        self.asked.append(list(turns))
        self.asking.set()
        await self.gate.wait()
        return await super().suggest(turns, limit)


async def test_messages_during_a_round_collapse_into_one_more_round(
    start_server: StartServer,
) -> None:
    """While the assist works on message 1, messages 2-4 arrive: the agent gets exactly two
    suggestion events, for message 1 and then for message 4 (the conversation as it is then)."""
    maker = AssistMaker(WordHashEmbedder(), GatedAssist)
    server = await start_server(assist_factory=maker, TANDEM_ASSIST="on")
    assist = await maker.ready(server.app)
    assert isinstance(assist, GatedAssist)
    asked, gate, asking = assist.asked, assist.gate, assist.asking
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

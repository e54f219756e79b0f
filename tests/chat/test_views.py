"""Timestamps on the wire: the fast formatting gives what ``datetime.isoformat`` gives."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from server.chat.views import iso


def reference(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_iso_matches_datetime_to_the_millisecond(ts: float) -> None:
    assert iso(ts) == reference(ts)


def test_iso_rounds_like_datetime_at_the_edge_of_a_second() -> None:
    assert iso(1_700_000_000.9999996) == "2023-11-14T22:13:21.000Z" == reference(1_700_000_000.9999996)
    assert iso(1_700_000_000.9994999) == "2023-11-14T22:13:20.999Z" == reference(1_700_000_000.9994999)
    assert iso(None) is None

"""The query string of the history list and search, checked: filters, a page cursor, a size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import get_args

from multidict import MultiMapping

from common.text import text_problem
from server.chat.checks import id_number
from server.chat.errors import ChatError, bad_request
from server.store.history import Filters, StatusFilter
from server.store.models import Agent
from server.store.search import search_words

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
STATUS_FILTERS: tuple[str, ...] = get_args(StatusFilter)


@dataclass(frozen=True)
class HistoryQuery:
    filters: Filters
    before: int | None
    limit: int


def _one(query: MultiMapping[str], key: str, max_len: int = 200) -> str | None:
    value = query.get(key)
    if value is None or value == "":
        return None
    if len(value) > max_len:
        raise bad_request(f"'{key}' is longer than {max_len} characters")
    if (problem := text_problem(value)) is not None:
        raise bad_request(f"'{key}' {problem}")
    return value


def _whole(query: MultiMapping[str], key: str, default: int | None, low: int, high: int) -> int | None:
    raw = _one(query, key, 12)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_request(f"'{key}' must be a whole number from {low} to {high}")
    return int(raw)


def _moment(query: MultiMapping[str], key: str, *, end: bool) -> float | None:
    """A date (a whole UTC day: from its start, or to its end) or an ISO 8601 time with a zone."""
    raw = _one(query, key, 40)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
            return start.timestamp()
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"'{key}' must be a date (2026-11-23) or a time with its zone") from None
    if moment.tzinfo is None:
        raise bad_request(f"'{key}' must say its time zone (end it with Z for UTC)")
    return moment.timestamp()


def _agent_filter(query: MultiMapping[str], me: Agent) -> tuple[int | None, bool]:
    raw = _one(query, "agent", 20)
    if raw is None:
        return None, False
    if raw == "me":
        return me.id, False
    if raw == "none":
        return None, True
    head, _, digits = raw.partition("_")
    number = id_number(digits) if head == "a" else None
    if number is None:
        raise bad_request("'agent' must be me, none or an agent's id")
    return number, False


def _label(query: MultiMapping[str]) -> str | None:
    raw = _one(query, "label", 100)
    return None if raw is None else clean_label(raw)


def clean_label(raw: str) -> str:
    """A label as stored: trimmed, lower case, inner spaces single; 1-40 characters."""
    label = " ".join(raw.split()).lower()
    if not 1 <= len(label) <= 40:
        raise ChatError("bad_request", "A label is 1 to 40 characters long")
    if (problem := text_problem(label)) is not None:
        raise bad_request(f"The label {problem}")
    return label


def history_query(query: MultiMapping[str], me: Agent) -> HistoryQuery:
    status = _one(query, "status", 20)
    if status is not None and status not in STATUS_FILTERS:
        raise bad_request(f"'status' must be one of {', '.join(STATUS_FILTERS)}")
    agent_id, unassigned = _agent_filter(query, me)
    started_from, started_to = _moment(query, "from", end=False), _moment(query, "to", end=True)
    if started_from is not None and started_to is not None and started_to <= started_from:
        raise bad_request("'to' must come after 'from'")
    filters = Filters(
        status=status,  # type: ignore[arg-type]  # checked against STATUS_FILTERS above
        agent_id=agent_id,
        unassigned=unassigned,
        label=_label(query),
        started_from=started_from,
        started_to=started_to,
    )
    before = _whole(query, "before", None, 1, 2**31 - 1)
    limit = _whole(query, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    assert limit is not None
    return HistoryQuery(filters, before, limit)


def search_text(query: MultiMapping[str]) -> list[str]:
    raw = _one(query, "q", 500)
    words = search_words(raw or "")
    if not words:
        raise bad_request("Type a word to search for")
    return words

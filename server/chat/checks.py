"""``check_*``: validate client payloads; raise ChatError(bad_request) with what is wrong.

Every value a client sends passes one of these before it reaches a store: a string is checked for
Unicode text without the characters we refuse, an integer for its range, an id for its exact ASCII
form. What they let through the database can hold, so a client's mistake is never ``internal``.
"""

from __future__ import annotations

import re
from typing import Any

from common.text import text_problem
from server.chat.errors import ChatError, bad_request

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Our ids and sequence numbers are SQL INTEGERs: on PostgreSQL a larger one fails in the query.
MAX_INT = 2**31 - 1
# Exactly our own spelling of ids: ASCII digits, no sign, no leading zero.
# (str.isdigit() also takes "²" and "١"; int() takes "١" as 1 and fails on "²".)
_ID_DIGITS = re.compile(r"0|[1-9][0-9]{0,9}")
# client_id is a UUID in its 36-character text form (any version; the widget sends version 4).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def check_payload(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise bad_request("The payload must be an object")
    return data


def check_str(data: dict[str, Any], key: str, *, max_len: int = 2000) -> str:
    value = check_optional_str(data, key, max_len=max_len)
    if value is None:
        raise bad_request(f"'{key}' is required")
    return value


def check_optional_str(data: dict[str, Any], key: str, *, max_len: int = 2000) -> str | None:
    """The string at ``key``, or None when it is missing, null or empty."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string")
    if len(value) > max_len:
        raise bad_request(f"'{key}' is longer than {max_len} characters")
    problem = text_problem(value)
    if problem is not None:
        raise bad_request(f"'{key}' {problem}")
    return value


def check_int(data: dict[str, Any], key: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise bad_request(f"'{key}' must be a whole number from {minimum} to {maximum}")
    return value


def check_text(data: dict[str, Any], max_length: int) -> str:
    value = data.get("text")
    if isinstance(value, str) and len(value) > max_length:
        raise ChatError("too_long", f"Messages are limited to {max_length} characters")
    text = check_str(data, "text", max_len=max_length)
    if not text.strip():
        raise bad_request("'text' is empty")
    return text


def check_client_id(data: dict[str, Any]) -> str:
    client_id = check_str(data, "client_id", max_len=36)
    if not _UUID.fullmatch(client_id):
        raise bad_request("'client_id' must be a UUID such as 8f0c2a8e-7a1e-4a5e-9a55-6c1b0e0f6a10")
    return client_id


def check_email(value: str | None) -> str | None:
    if value is not None and not EMAIL_RE.match(value):
        raise bad_request("Please enter a valid email address, such as name@example.com.")
    return value


def check_id(value: Any, prefix: str) -> int:
    """Parse an API id such as ``c_12``. A missing one or one that is no string is a bad request;
    a string in any other form names nothing (ids are opaque to clients): not found."""
    what = {"c": "conversation", "a": "agent"}[prefix]
    if value is None:
        raise bad_request(f"'{what}_id' is required")
    if not isinstance(value, str):
        raise bad_request(f"'{what}_id' must be a string")
    head, _, digits = value.partition("_")
    number = id_number(digits) if head == prefix else None
    if number is None:
        raise ChatError("not_found", f"No such {what}")
    return number


def id_number(digits: str) -> int | None:
    """The number an id's digits spell in our exact form (``12``, not ``012``, ``١٢`` or ``12²``),
    when it fits the database; else None."""
    if not _ID_DIGITS.fullmatch(digits) or int(digits) > MAX_INT:
        return None
    return int(digits)


def check_assist_use(data: dict[str, Any], max_length: int) -> dict[str, Any] | None:
    """An agent message's ``assist`` field: the suggestion it started as (docs/protocol.md)."""
    used = data.get("assist")
    if used is None:
        return None
    if not isinstance(used, dict) or not isinstance(used.get("article_id"), str):
        raise bad_request("'assist' must be an object with an 'article_id'")
    return {
        "article_id": check_str(used, "article_id", max_len=200),
        "draft": check_optional_str(used, "draft", max_len=max(max_length, 20_000)),
    }

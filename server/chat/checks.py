"""``check_*``: validate client payloads; raise ChatError(bad_request) with what is wrong."""

from __future__ import annotations

import re
from typing import Any

from server.chat.errors import ChatError, bad_request

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    return value


def check_int(data: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise bad_request(f"'{key}' must be a whole number ≥ {minimum}")
    return value


def check_text(data: dict[str, Any], max_length: int) -> str:
    text = check_str(data, "text", max_len=10**9)
    if not text.strip():
        raise bad_request("'text' is empty")
    if len(text) > max_length:
        raise ChatError("too_long", f"Messages are limited to {max_length} characters")
    return text


def check_client_id(data: dict[str, Any]) -> str:
    return check_str(data, "client_id", max_len=64)


def check_email(value: str | None) -> str | None:
    if value is not None and not EMAIL_RE.match(value):
        raise bad_request("'email' is not a valid email address")
    return value


def check_id(value: Any, prefix: str) -> int:
    """Parse an API id such as ``c_12``; a missing one is a bad request, anything else unknown."""
    if value is None:
        raise bad_request(f"'{'conversation_id' if prefix == 'c' else 'agent_id'}' is required")
    if isinstance(value, str) and value.startswith(prefix + "_") and value[2:].isdigit():
        return int(value[2:])
    raise ChatError("not_found", f"No such {'conversation' if prefix == 'c' else 'agent'}")

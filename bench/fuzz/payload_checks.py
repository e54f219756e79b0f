"""Fuzz the payload checks with atheris: every ``check_*`` of server/chat/checks.py, the HTTP body
check (``json_problem``) and the origin parser, on JSON the fuzzer shapes as a client would send it.

A check either returns a value the database can hold or raises ``ChatError`` with a documented
code; anything else is a finding. Run it through ``make fuzz-checks`` or::

    .venv/bin/python -m bench.fuzz.payload_checks -max_total_time=600 -timeout=2 -max_len=4096
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

import atheris

with atheris.instrument_imports():
    from common.text import text_problem
    from server.chat import checks
    from server.chat.errors import ChatError
    from server.origins import own_origin, parse_origin
    from server.web.http import json_problem

CODES = {"bad_request", "not_found", "too_long"}
KEYS = ("text", "client_id", "last_seq", "name", "email", "timezone", "conversation_id", "agent_id", "assist")


def _held(value: Any) -> None:
    """What a check let through is something our database stores."""
    if isinstance(value, str):
        assert text_problem(value) is None, repr(value)
        value.encode("utf-8")
    elif isinstance(value, int):
        assert 0 <= value <= checks.MAX_INT, value
    elif isinstance(value, dict):
        for item in value.values():
            _held(item)


def _documented(error: ChatError) -> None:
    if error.code not in CODES:
        raise AssertionError(f"undocumented code {error.code}")


def _value(fdp: atheris.FuzzedDataProvider, depth: int = 0) -> Any:
    """One field's value: each JSON type, text from any plane (lone surrogates too), ids."""
    kind = fdp.ConsumeIntInRange(0, 8 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 40))
    if kind == 3:
        return fdp.ConsumeRegularFloat()
    if kind == 4:
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 80))
    if kind == 5:
        return fdp.PickValueInList(["c_", "a_"]) + fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 12))
    if kind == 6:
        return str(uuid.UUID(bytes=fdp.ConsumeBytes(16).ljust(16, b"\0")))[: fdp.ConsumeIntInRange(30, 40)]
    if kind == 7:
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    return {key: _value(fdp, depth + 1) for key in ("article_id", "draft")[: fdp.ConsumeIntInRange(0, 2)]}


def _payload(data: bytes) -> Any:
    """A payload as python-socketio decodes one: the bytes as JSON text when they are (the first
    byte says), else an object with some of the fields the protocol names, shaped by the bytes."""
    if data[:1] == b"{":
        try:
            return json.loads(data.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError):
            return None
    fdp = atheris.FuzzedDataProvider(data)
    return {key: _value(fdp) for key in KEYS if fdp.ConsumeBool()}


def _checks(payload: dict[str, Any]) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: checks.check_text(payload, 4000),
        lambda: checks.check_client_id(payload),
        lambda: checks.check_int(payload, "last_seq"),
        lambda: checks.check_str(payload, "name", max_len=100),
        lambda: checks.check_optional_str(payload, "timezone", max_len=64),
        lambda: checks.check_email(checks.check_optional_str(payload, "email", max_len=254)),
        lambda: checks.check_id(payload.get("conversation_id", payload.get("text")), "c"),
        lambda: checks.check_id(payload.get("agent_id", payload.get("name")), "a"),
        lambda: checks.check_assist_use(payload, 4000),
    ]
    for call in calls:
        try:
            _held(call())
        except ChatError as error:
            _documented(error)


def one_input(data: bytes) -> None:
    payload = _payload(data)
    try:
        checked = checks.check_payload(payload)
    except ChatError as error:
        _documented(error)
    else:
        _checks(checked)
    json_problem(payload)
    text = data.decode("utf-8", "replace")
    for parsed in (parse_origin(text), own_origin("https", text)):
        assert parsed is None or (parsed[0] in ("http", "https") and 0 < parsed[2] < 65536), parsed


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Property-based fuzzing of the whole client surface (hypothesis): every client→server event of
both namespaces and every JSON endpoint, with payloads built from what the protocol names and from
anything JSON can carry (lone surrogates, controls, huge integers, NaN, deep nesting).

Each input must end in success or a documented error code, never ``internal`` nor an HTTP 500.
The server runs in the test's event loop; hypothesis runs in a worker thread and hands each input
to the loop (:class:`Fuzz`). tests/server/test_fuzz.py runs a bounded number of examples in
``make test``; ``make fuzz`` runs ≥ 100,000 inputs (docs/security.md).
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from hypothesis import strategies as st

from tests.peers import Peer

PROTOCOL = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"


def documented_codes() -> set[str]:
    """The error codes docs/protocol.md lists (its Error codes table)."""
    table = PROTOCOL.read_text().split("## Error codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE))


# Text from every plane, lone surrogates and control characters included.
CHARS = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None, codec=None)
TEXT = st.one_of(
    st.text(CHARS, max_size=40),
    st.sampled_from(["", " ", "\ud800", "a\x00b", "\ufffe", "ü" * 5000, "x" * 70_000, "١", "²", "0" * 30]),
)
INTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400]),
    st.integers(),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, st.floats(allow_nan=True, allow_infinity=True), TEXT)
ANYTHING = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=8,
)


def ids(prefix: str, real: list[str]) -> st.SearchStrategy[Any]:
    """Ids: real ones, the never-used 0, our form out of range, look-alikes with other digits."""
    looks = [f"{prefix}_0", f"{prefix}_{2**31}", f"{prefix}_²", f"{prefix}_١", f"{prefix}_01", f"{prefix}_-1"]
    return st.one_of(st.sampled_from(real + looks), ANYTHING)


@dataclass
class Known:
    """Real ids in the fuzzed server, so inputs reach past the id checks."""

    conversations: list[str]
    agents: list[str]
    articles: list[str] = field(default_factory=lambda: ["returns", "missing"])


def fields(known: Known) -> dict[str, st.SearchStrategy[Any]]:
    """What each payload field the protocol names is tried with (besides anything at all)."""
    uuid_like = st.one_of(st.uuids().map(str), st.just("11111111-1111-4111-8111-111111111111"), ANYTHING)
    return {
        "conversation_id": ids("c", known.conversations),
        "agent_id": ids("a", known.agents),
        "client_id": uuid_like,
        "text": st.one_of(st.just("hello"), TEXT, ANYTHING),
        "last_seq": st.one_of(INTS, ANYTHING),
        "seq": st.one_of(INTS, ANYTHING),
        "sound": st.one_of(st.booleans(), ANYTHING),
        "desktop": st.one_of(st.booleans(), ANYTHING),
        "status": st.one_of(st.sampled_from(["online", "away", "offline"]), ANYTHING),
        "private": st.one_of(st.booleans(), ANYTHING),
        "typing": ANYTHING,
        "note": st.one_of(TEXT, ANYTHING),
        "query": st.one_of(st.just("refund"), TEXT, ANYTHING),
        "article_id": st.one_of(st.sampled_from(known.articles), ANYTHING),
        "action": st.one_of(st.sampled_from(["inserted", "dismissed"]), ANYTHING),
        "name": st.one_of(st.just("Ada"), TEXT, ANYTHING),
        "email": st.one_of(st.just("ada@example.com"), TEXT, ANYTHING),
        "timezone": st.one_of(st.just("Europe/London"), TEXT, ANYTHING),
        "url": st.one_of(st.just("https://shop.example/"), TEXT, ANYTHING),
        "title": st.one_of(TEXT, ANYTHING),
        "referrer": st.one_of(TEXT, ANYTHING),
        "page": st.one_of(st.fixed_dictionaries({}, optional={"url": TEXT, "title": TEXT}), ANYTHING),
        "assist": st.one_of(
            st.fixed_dictionaries({}, optional={"article_id": TEXT, "draft": TEXT}), ANYTHING
        ),
        # The admin API's fields.
        "password": st.one_of(st.just("a long password"), TEXT, ANYTHING),
        # Never the fuzzing agents' own password: a change would end the fuzzing clients' sessions.
        "current_password": st.one_of(st.just("not the password"), TEXT, ANYTHING),
        "new_password": st.one_of(st.just("a long password"), TEXT, ANYTHING),
        "role": st.one_of(st.sampled_from(["agent", "admin"]), ANYTHING),
        "capacity": st.one_of(INTS, ANYTHING),
        "disabled": ANYTHING,  # sent only for the sacrificial agent (see HTTP_CALLS)
        "greeting": st.one_of(TEXT, ANYTHING),
        "color": st.one_of(st.just("#2563eb"), TEXT, ANYTHING),
        "prechat": st.one_of(st.fixed_dictionaries({}, optional={"name": TEXT, "email": TEXT}), ANYTHING),
        "allowed_origins": st.one_of(st.lists(TEXT, max_size=3), ANYTHING),
        "shortcut": st.one_of(st.just("thanks"), TEXT, ANYTHING),
    }


EVENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "/visitor": {
        "conversation.start": ("name", "email", "page", "timezone"),
        "message.send": ("client_id", "text"),
        "sync": ("last_seq", "conversation_id"),
        "typing": ("typing",),
        "page.view": ("url", "title", "referrer"),
    },
    "/agent": {
        "status.set": ("status",),
        "conversation.take": ("conversation_id",),
        "conversation.transfer": ("conversation_id", "agent_id", "note"),
        "conversation.close": ("conversation_id",),
        "message.send": ("conversation_id", "client_id", "text", "private", "assist"),
        "sync": ("conversation_id", "last_seq"),
        "typing": ("conversation_id", "typing"),
        "visitor.get": ("conversation_id",),
        "assist.search": ("query",),
        "assist.feedback": ("conversation_id", "article_id", "action"),
        "read.mark": ("conversation_id", "seq"),
        "preferences.set": ("sound", "desktop"),
    },
}
# (method, path with {id} for a path id, body fields or None for no body). Logout and disabling
# agents are left out: they would end the fuzzing clients' own sessions, which is no finding.
HTTP_CALLS: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("POST", "/api/login", ("email", "password")),
    ("GET", "/api/me", None),
    ("GET", "/api/conversations/{id}/transcript", None),
    ("GET", "/api/canned", None),
    ("GET", "/api/widget/settings", None),
    ("GET", "/api/admin/agents", None),
    ("POST", "/api/admin/agents", ("email", "name", "password", "role", "capacity")),
    ("PATCH", "/api/admin/agents/{id}", ("name", "capacity")),
    ("GET", "/api/admin/settings", None),
    ("PUT", "/api/admin/settings", ("greeting", "color", "prechat", "allowed_origins")),
    ("GET", "/api/admin/canned", None),
    ("POST", "/api/admin/canned", ("shortcut", "text")),
    ("PATCH", "/api/admin/canned/{id}", ("shortcut", "text")),
    ("DELETE", "/api/admin/canned/{id}", None),
    ("GET", "/api/admin/kb", None),
    ("GET", "/api/admin/kb/{id}", None),
    ("GET", "/api/admin/kb/search", None),
    ("GET", "/api/admin/assist/report", None),
    ("POST", "/api/me/password", ("current_password", "new_password")),
    ("POST", "/api/admin/agents/{id}/password", ("password",)),
    ("POST", "/api/admin/invites", ("email", "role", "capacity")),
    ("GET", "/api/invites/{id}", None),
    ("POST", "/api/invites/{id}", ("name", "password")),
    ("GET", "/healthz", None),
]


def payloads(known: Known, names: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """An object with some of ``names`` (each well-formed or anything) and maybe unknown keys;
    now and then no object at all."""
    strategies = fields(known)
    obj = st.fixed_dictionaries({}, optional={n: strategies[n] for n in names})
    extra = st.dictionaries(TEXT, ANYTHING, max_size=2)
    mixed = st.builds(lambda a, b: {**b, **a}, obj, extra)
    return st.one_of(obj, obj, mixed, ANYTHING)


def socket_steps(known: Known) -> st.SearchStrategy[tuple[str, str, Any]]:
    steps = [
        st.tuples(st.just(ns), st.just(event), payloads(known, names))
        for ns, events in EVENTS.items()
        for event, names in events.items()
    ]
    # Unknown events, and the names python-socketio reserves (a client may send them all the same).
    names = st.one_of(TEXT, st.sampled_from(["connect", "disconnect", "connect_error", "message"]))
    steps.append(st.tuples(st.sampled_from(list(EVENTS)), names, ANYTHING))
    return st.one_of(steps)


def http_steps(known: Known) -> st.SearchStrategy[tuple[str, str, Any, str]]:
    """(method, path, body, who): who is the admin, the agent, or nobody."""
    steps = []
    for method, path, names in HTTP_CALLS:
        path_ids = st.one_of(ids("c", known.conversations), ids("a", known.agents[-1:]), TEXT, INTS)
        paths = st.just(path) if "{id}" not in path else path_ids.map(partial(_fill, path))
        if path.endswith("/search"):
            paths = TEXT.map(lambda q: "/api/admin/kb/search?" + urllib.parse.urlencode({"q": _short(q)}))
        body = st.none() if names is None else st.one_of(payloads(known, names), st.binary(max_size=64))
        steps.append(st.tuples(st.just(method), paths, body, st.sampled_from(["admin", "agent", "nobody"])))
    return st.one_of(steps)


def _short(value: str) -> str:
    """Text that fits a request line: aiohttp answers a line over 8,190 bytes itself, in plain
    text, before any of our code runs (docs/security.md, what is not covered)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")[:1001]


def _fill(path: str, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return path.replace("{id}", urllib.parse.quote(_short(text), safe=""))


@dataclass
class Fuzz:
    """The clients an input is sent through, and what came back."""

    url: str
    visitor: Peer
    agent: Peer
    tokens: dict[str, str]
    codes: set[str]
    seen: Counter[str] = field(default_factory=Counter)
    inputs: int = 0

    async def socket(self, namespace: str, event: str, data: Any) -> None:
        peer = self.visitor if namespace == "/visitor" else self.agent
        self.inputs += 1
        ack = await peer.emit(event, data, timeout=10)
        if ack is None:  # typing and page.view answer nothing when they succeed
            assert event in ("typing", "page.view"), (event, data)
            self.seen["none"] += 1
            return
        assert isinstance(ack, dict), (event, data, ack)
        if ack.get("ok") is True:
            self.seen["ok"] += 1
            return
        code = ack["error"]["code"]
        self.seen[code] += 1
        assert code in self.codes, (namespace, event, data, ack)
        assert code != "internal", (namespace, event, data, ack)

    async def http(self, http: aiohttp.ClientSession, method: str, path: str, body: Any, who: str) -> None:
        self.inputs += 1
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}
        if isinstance(body, bytes):
            sent: dict[str, Any] = {"data": body, "headers": {**headers, "Content-Type": "application/json"}}
        elif body is not None:
            text = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \ud800 escapes
            sent = {"data": text, "headers": {**headers, "Content-Type": "application/json"}}
        else:
            sent = {"headers": headers}
        async with http.request(method, self.url + path, **sent) as r:
            text = await r.text()
            assert r.status < 500 or (path == "/healthz" and r.status == 503), (method, path, body, text)
            if r.status >= 400:
                error = json.loads(text)["error"]
                assert error["code"] in self.codes, (method, path, body, text)
                self.seen[f"http {r.status} {error['code']}"] += 1
            else:
                self.seen[f"http {r.status}"] += 1


def run_in(loop: asyncio.AbstractEventLoop, coro: Any) -> None:
    """From hypothesis's thread: run one input on the server's loop and wait for it."""
    asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)


def new_client_id() -> str:
    return str(uuid.uuid4())

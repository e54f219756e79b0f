"""JSON Lines, as every assist input file reads them: numbered, blank lines skipped, bad lines named."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line: its 1-based number and its value, or why it is not JSON."""

    number: int
    value: Any = None
    error: str | None = None


def json_lines(lines: Iterable[str]) -> Iterator[JsonLine]:
    """Parse each non-blank line of ``lines``; a line that is not JSON comes with its ``error``
    (callers decide whether that stops the file or only skips the line)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield JsonLine(number, json.loads(line))
        except json.JSONDecodeError as exc:
            yield JsonLine(number, error=f"not valid JSON ({exc.msg})")
        except RecursionError:  # nested past the parser's stack: a line no one wrote by hand
            yield JsonLine(number, error="not valid JSON (nested too deeply)")
        except ValueError as exc:  # e.g. a number of more than 4,300 digits
            yield JsonLine(number, error=f"not valid JSON ({exc})")

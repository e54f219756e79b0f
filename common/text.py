"""What counts as text: the one rule for every string a client or an uploaded file gives us.

Lone surrogates are no text (encoding them to UTF-8 fails, in the database driver); C0 controls
but tab, newline and carriage return, DEL and the non-characters U+FFFE/U+FFFF are never meant,
and a NUL is refused by PostgreSQL and cuts strings short in C code downstream.
"""

from __future__ import annotations

import re

REFUSED_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` is not text we accept (None when it is)."""
    bad = REFUSED_CHARS.search(value)
    if bad is None:
        return None
    return f"holds the character U+{ord(bad.group()):04X}, which is not accepted"

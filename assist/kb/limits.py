"""How much one uploaded or loaded file may hold, so no file can exhaust the server.

Help articles are pages of prose: each limit is far above any real help centre's export and far
below what would take the server seconds or gigabytes. A file over a limit fails on its own, named
in the load report, and the other files still load (docs/security.md lists these numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from assist.models import ArticleDoc
from common.text import text_problem


@dataclass(frozen=True)
class KbLimits:
    file_bytes: int = 5 * 1024 * 1024  # one file, as uploaded
    line_chars: int = 50_000  # one line of an article's text (and of a Markdown, text or CSV file)
    json_depth: int = 32  # arrays and objects inside each other (JSON, JSONL, front matter)
    front_matter_bytes: int = 64 * 1024
    articles_per_file: int = 10_000
    title_chars: int = 1_000
    body_chars: int = 1_000_000
    passages_per_article: int = 2_000
    passages_per_load: int = 50_000  # in one upload or `tandem kb load`, all files together


LIMITS = KbLimits()


class ParseError(ValueError):
    """A file cannot be read as articles; the message names the file and says why."""


def check_depth(value: object, where: str, limits: KbLimits = LIMITS) -> None:
    """Refuse lists and objects nested deeper than ``limits.json_depth`` (iteratively: the depth
    is what is being checked)."""
    todo: list[tuple[object, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if depth > limits.json_depth:
            raise ParseError(f"{where}: nested more than {limits.json_depth} levels deep")
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            todo.extend((v, depth + 1) for v in item)


def check_lines(text: str, where: str, limits: KbLimits = LIMITS) -> None:
    """Refuse a line longer than ``limits.line_chars`` (a minified dump is no help article)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > limits.line_chars:
            raise ParseError(f"{where}: line {number} is longer than {limits.line_chars:,} characters")


def check_article(doc: ArticleDoc, where: str, limits: KbLimits = LIMITS) -> ArticleDoc:
    """``doc`` as parsed, once it is within the limits and all of it is text we accept."""
    if len(doc.title) > limits.title_chars:
        raise ParseError(f"{where}: the title is longer than {limits.title_chars:,} characters")
    if len(doc.body) > limits.body_chars:
        raise ParseError(f"{where}: the text is longer than {limits.body_chars:,} characters")
    check_lines(doc.body, where, limits)
    fields = [("id", doc.id), ("title", doc.title), ("text", doc.body), ("url", doc.url or "")]
    for name, value in [*fields, *(("tags", tag) for tag in doc.tags)]:
        problem = text_problem(value)
        if problem is not None:
            raise ParseError(f"{where}: the {name} {problem}")
    return doc

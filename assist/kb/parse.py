"""Reading help articles from files: Markdown, HTML, plain text, JSON, JSONL and CSV.

Every parser returns :class:`~assist.models.ArticleDoc` objects or raises :class:`ParseError` with a
message that names the file (and the line or record), so a loader can report it and go on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from assist.jsonl import json_lines
from assist.kb.html import extract_html
from assist.kb.limits import LIMITS, ParseError, check_article, check_depth, check_lines
from assist.kb.split import heading_text
from assist.models import ArticleDoc

__all__ = ["PARSERS", "ParseError", "is_supported", "iter_files", "parse_file"]

MAX_ID_LENGTH = 200
# Line by line formats: a longer line is no prose (JSON and HTML may be minified: their articles'
# text is held to the same line limit once parsed).
_LINE_FORMATS = {".md", ".markdown", ".txt", ".csv"}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > LIMITS.file_bytes:
            raise ParseError(f"{path}: larger than {LIMITS.file_bytes // 2**20} MB")
        # utf-8-sig: exports from Windows tools often start with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if path.suffix.lower() in _LINE_FORMATS:
        check_lines(text, str(path))
    return text


def _as_text(value: str | int | float) -> str:
    try:
        return str(value).strip()
    except ValueError:  # an integer of more than 4,300 digits (Python's limit on converting one)
        return ""


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # CSV cells and hand-written front matter list tags as "a, b" or "a;b".
        return tuple(t.strip() for t in re.split(r"[,;]", value) if t.strip())
    if isinstance(value, list | tuple) and all(isinstance(t, str | int | float) for t in value):
        return tuple(tag for tag in map(_as_text, value) if tag)
    raise ParseError(f"{where}: 'tags' must be a list of strings or a comma-separated string")


def _check_id(value: Any, where: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not _as_text(value):
        raise ParseError(f"{where}: 'id' must be a non-empty string")
    article_id = _as_text(value)
    if len(article_id) > MAX_ID_LENGTH:
        raise ParseError(f"{where}: 'id' is longer than {MAX_ID_LENGTH} characters")
    return article_id


def _optional_str(record: Mapping[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ParseError(f"{where}: {key!r} must be a string")
    return value.strip() or None


def _stem_title(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip().capitalize() or path.stem


def _split_first_heading(body: str) -> tuple[str | None, str]:
    """The first Markdown heading (when it opens the text) and the body without it."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        heading = heading_text(line)
        if heading is not None:
            return heading.strip(), "\n".join(lines[i + 1 :]).strip()
        break
    return None, body.strip()


def _front_matter(source: str, path: Path) -> dict[str, Any]:
    if len(source.encode()) > LIMITS.front_matter_bytes:
        raise ParseError(f"{path}: front matter is larger than {LIMITS.front_matter_bytes // 1024} KB")
    try:
        loaded = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        raise ParseError(f"{path}: front matter is not valid YAML{line}") from None
    except (ValueError, TypeError, RecursionError):  # e.g. a date 2026-13-45, nesting past the stack
        raise ParseError(f"{path}: front matter is not valid YAML") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ParseError(f"{path}: front matter must be a mapping of keys to values")
    check_depth(loaded, f"{path}: front matter")
    return loaded or {}


def parse_markdown(path: Path) -> list[ArticleDoc]:
    """A Markdown article, with optional YAML front matter ``id``, ``title``, ``tags``, ``url``."""
    text = _read_text(path)
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _front_matter(match.group(1), path)
        text = text[match.end() :]
    heading, rest = _split_first_heading(text)
    title = meta.get("title")
    if title is not None and not isinstance(title, str):
        raise ParseError(f"{path}: front matter 'title' must be a string")
    if not title:
        # The first heading names the article; it is not repeated in the body then.
        title, text = (heading, rest) if heading else (_stem_title(path), text)
    return [
        ArticleDoc(
            id=_check_id(meta.get("id", path.stem), str(path)),
            title=title.strip(),
            body=_require_body(text, str(path)),
            url=_optional_str(meta, "url", str(path)),
            tags=_tags(meta.get("tags"), str(path)),
            source=str(path),
        )
    ]


def _require_body(body: str, where: str) -> str:
    if not body.strip():
        raise ParseError(f"{where}: the article has no text")
    return body.strip()


def parse_html(path: Path) -> list[ArticleDoc]:
    """An HTML page: visible text, title from the first ``<h1>`` or ``<title>``."""
    page = extract_html(_read_text(path))
    heading, rest = _split_first_heading(page.text)
    title = page.title or heading or _stem_title(path)
    body = rest if heading == title else page.text
    return [
        ArticleDoc(
            id=_check_id(path.stem, str(path)),
            title=title,
            body=_require_body(body, str(path)),
            url=page.url,
            source=str(path),
        )
    ]


def parse_text(path: Path) -> list[ArticleDoc]:
    """A plain-text article: the first line is its title when followed by a blank line."""
    text = _read_text(path).strip()
    first, _, rest = text.partition("\n")
    if rest.startswith("\n") or rest.startswith("\r\n"):
        title, body = first.strip(), rest
    else:
        title, body = _stem_title(path), text
    body = _require_body(body, str(path))
    return [ArticleDoc(id=_check_id(path.stem, str(path)), title=title, body=body, source=str(path))]


def _record(record: Any, where: str, source: str) -> ArticleDoc:
    if not isinstance(record, dict):
        raise ParseError(f"{where}: expected an object with id, title and body")
    for key in ("id", "title", "body"):
        if record.get(key) in (None, ""):
            raise ParseError(f"{where}: missing field {key!r}")
    title, body = record["title"], record["body"]
    if not isinstance(title, str) or not isinstance(body, str):
        raise ParseError(f"{where}: 'title' and 'body' must be strings")
    return ArticleDoc(
        id=_check_id(record["id"], where),
        title=title.strip(),
        body=_require_body(body, where),
        url=_optional_str(record, "url", where),
        tags=_tags(record.get("tags"), where),
        source=source,
    )


def parse_json(path: Path) -> list[ArticleDoc]:
    """A JSON file: one article object, a list of them, or ``{"articles": [...]}``."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ParseError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # a number past 4,300 digits; nesting past the stack
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ParseError(f"{path}: not valid JSON ({reason})") from None
    check_depth(data, str(path))
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    return [_record(r, f"{path}: record {i + 1}", str(path)) for i, r in enumerate(records)]


def parse_jsonl(path: Path) -> list[ArticleDoc]:
    """JSON Lines: one article object per line (blank lines are skipped)."""
    docs = []
    for line in json_lines(_read_text(path).splitlines()):
        if line.error is not None:
            raise ParseError(f"{path}: line {line.number}: {line.error}")
        check_depth(line.value, f"{path}: line {line.number}")
        docs.append(_record(line.value, f"{path}: line {line.number}", str(path)))
    return docs


def parse_csv(path: Path) -> list[ArticleDoc]:
    """CSV with a header row naming at least ``id``, ``title`` and ``body``."""
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    try:
        missing = {"id", "title", "body"} - set(reader.fieldnames or ())
        if missing:
            raise ParseError(f"{path}: the header lacks the column(s) {', '.join(sorted(missing))}")
        return [_record(row, f"{path}: line {reader.line_num}", str(path)) for row in reader]
    except csv.Error as exc:
        raise ParseError(f"{path}: line {reader.line_num}: {exc}") from None


PARSERS: Mapping[str, Callable[[Path], list[ArticleDoc]]] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".txt": parse_text,
    ".json": parse_json,
    ".jsonl": parse_jsonl,
    ".csv": parse_csv,
}


def is_supported(path: Path) -> bool:
    """Whether ``path`` has an extension we can read articles from."""
    return path.suffix.lower() in PARSERS


def parse_file(path: Path) -> list[ArticleDoc]:
    """The articles in ``path``, by its extension; :class:`ParseError` when it cannot be read."""
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise ParseError(f"{path}: unsupported format (use {', '.join(sorted(PARSERS))})")
    docs = parser(path)
    if len(docs) > LIMITS.articles_per_file:
        raise ParseError(f"{path}: more than {LIMITS.articles_per_file:,} articles")
    if len(docs) == 1:
        return [check_article(docs[0], str(path))]
    return [check_article(doc, f"{path}: article {doc.id!r}") for doc in docs]


def iter_files(paths: Iterable[Path]) -> Iterable[Path]:
    """Files to load: each file given, and the supported files under each folder, recursively.

    Hidden files and folders (``.git``, editor swap files) are left out; a missing path is yielded
    as is, so the loader reports it as a failure instead of silently loading less.
    """
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path).parts
            if child.is_file() and is_supported(child) and not any(p.startswith(".") for p in relative):
                yield child

"""Text out of an HTML help page, with its headings kept as Markdown-style heading lines.

We need the visible text and the heading structure, not a DOM, from the broken markup exported
help centres are full of. The standard library's HTMLParser was enough for that until it met
uploads: on Python before 3.13.4 it is quadratic on unclosed constructs (CVE-2025-6069 and kin:
20,000 "<a '" took 28 s). :func:`_tokens` reads markup in one pass instead: each scan for the end of
a construct either finds it and moves past it, or, as HTML does at the end of the file, drops the
unclosed rest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "svg", "head"}
_BLOCK = {
    "p", "div", "section", "article", "main", "br", "tr", "table", "ul", "ol", "blockquote",
    "pre", "dl", "dt", "dd", "hr", "figure", "figcaption", "aside",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class HtmlText:
    """What a page yields: its title (first ``<h1>``, else ``<title>``), canonical URL and text."""

    title: str | None = None
    url: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
# The rest of a tag up to its ">": quoted values may hold ">". Each character matches one way only,
# so a tag that never ends fails in time linear in what it read.
_TAG_REST = re.compile(r"""(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_RAW_TEXT = {"script", "style"}  # their content is text to the parser, not tags

Token = tuple[str, str, dict[str, str]]  # ("start" | "end" | "data", tag name or text, attributes)


def _attrs(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found.setdefault(match.group(1).lower(), html.unescape(value))
    return found


def _tokens(markup: str) -> Iterator[Token]:
    """Start tags, end tags and text (entities decoded) of ``markup``, in one linear pass."""
    pos, end = 0, len(markup)
    while pos < end:
        lt = markup.find("<", pos)
        if lt == -1:
            lt = end
        if lt > pos:
            yield "data", html.unescape(markup[pos:lt]), {}
        if lt == end:
            return
        tag = _TAG.match(markup, lt)
        if tag is None:
            if markup.startswith("<!--", lt):  # a comment; unclosed, it runs to the end
                close = markup.find("-->", lt + 4)
                pos = end if close == -1 else close + 3
            elif markup.startswith(("<!", "<?"), lt):  # a declaration or processing instruction
                close = markup.find(">", lt)
                pos = end if close == -1 else close + 1
            else:
                yield "data", "<", {}
                pos = lt + 1
            continue
        rest = _TAG_REST.match(markup, tag.end())
        if rest is None:
            return  # a tag that never ends: the rest of the file is inside it
        name, pos = tag.group(2).lower(), rest.end()
        if tag.group(1):
            yield "end", name, {}
            continue
        yield "start", name, _attrs(markup[tag.end() : pos - 1])
        if markup[pos - 2] == "/":
            yield "end", name, {}
        elif name in _RAW_TEXT:
            raw_end = re.compile(rf"</{name}[\s/>]", re.IGNORECASE).search(markup, pos)
            pos = end if raw_end is None else raw_end.start()


class _Extractor:
    def __init__(self) -> None:
        self.out = HtmlText()
        self._skip_depth = 0
        self._in_title = False
        self._title_parts: list[str] = []
        self._line: list[str] = []
        self._heading: str | None = None

    def _flush(self) -> None:
        text = " ".join("".join(self._line).split())
        self._line = []
        if not text:
            return
        if self._heading is not None:
            if self._heading == "h1" and self.out.title is None:
                self.out.title = text
            text = "#" * int(self._heading[1]) + " " + text
        self.out.lines.append(text)

    def feed(self, markup: str) -> None:
        for kind, value, attrs in _tokens(markup):
            if kind == "start":
                self.handle_starttag(value, attrs)
            elif kind == "end":
                self.handle_endtag(value)
            else:
                self.handle_data(value)

    def handle_starttag(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in _SKIP and tag != "head":
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.out.url = attrs.get("href") or None
        elif tag in _HEADINGS:
            self._flush()
            self._heading = tag
        elif tag == "li":
            self._flush()
            self._line.append("- ")
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._flush()
            self._heading = None
        elif tag in _BLOCK or tag == "li":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
        elif self._skip_depth == 0:
            self._line.append(data)

    def close(self) -> None:
        self._flush()
        # The first <h1> names the article; <title> often carries the site's name as well.
        title = " ".join("".join(self._title_parts).split())
        if title and self.out.title is None:
            self.out.title = title


def extract_html(markup: str) -> HtmlText:
    """The title, canonical URL and visible text of ``markup``; headings become ``#`` lines."""
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    return parser.out

"""Text out of an HTML help page, with its headings kept as Markdown-style heading lines.

The standard library's parser is enough here: we need the visible text and the heading structure,
not a DOM, and it tolerates the broken markup that exported help centres are full of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

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


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag != "head":
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "link" and dict(attrs).get("rel") == "canonical":
            self.out.url = dict(attrs).get("href") or None
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
        super().close()
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

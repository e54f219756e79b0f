"""Splitting an article into passages that each answer one thing, keeping their heading.

A passage is a section of the article (text under one heading); a long section is cut at
paragraph, then sentence boundaries into pieces of about ``max_words``. The article's title and the
section's heading travel with each passage (see :func:`passage_context`), so a passage such as
"Tap Track delivery..." still says which card and which problem it is about when embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assist.models import PassageDraft

# The heading's text is what follows the #s; a closing run of #s is stripped in code: the regex
# "(.+?)\s*#*\s*$" did the same with cubic backtracking on a line of spaces (seconds at 1,000).
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+)$")
# A line that is bold and nothing else: help centres use it as a sub-heading.
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_].*?)(?:\*\*|__):?\s*$")
# Neither part may hold its own opening bracket: each scan then stops at the next one, so a line of
# "[[[[" costs linear time, not quadratic.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
# Lines that start a block of their own rather than continue the paragraph above.
_BLOCK_START = re.compile(r"^\s*(?:[-*•+]\s|\d+[.)]\s|\||>)")


@dataclass(frozen=True)
class SplitOptions:
    """Passage sizes in words: sections longer than ``max_words`` are cut into pieces."""

    max_words: int = 120
    min_words: int = 25


def heading_text(line: str) -> str | None:
    """The text of a Markdown heading line (``## Fees ##`` -> ``Fees``), else None."""
    match = _HEADING.match(line)
    if match is None:
        return None
    text = match.group(1)
    return text.rstrip().rstrip("#").rstrip() or text.strip()


def plain_inline(line: str) -> str:
    """A Markdown line as the text a reader sees: links keep their text, emphasis marks go."""
    return _EMPHASIS.sub("", _LINK.sub(r"\1", line)).rstrip()


def _sections(body: str, title: str) -> list[tuple[str | None, list[str]]]:
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for raw in body.splitlines():
        bold = _BOLD_HEADING.match(raw)
        marked = heading_text(raw) if bold is None else bold.group(1)
        if marked is not None:
            heading = plain_inline(marked).strip()
            # A heading repeating the title (an HTML page's <h1>) adds nothing.
            sections.append((None if heading == title else heading, []))
        else:
            sections[-1][1].append(plain_inline(raw))
    return [(h, lines) for h, lines in sections if any(line.strip() for line in lines)]


def _words(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (line breaks end a sentence too: list items are sentences)."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(s for s in _SENTENCE_END.split(line.strip()) if s)
    return out


def unwrap(text: str) -> str:
    """Join the soft-wrapped lines of each paragraph: a line break inside a paragraph is no
    sentence end, so marks and drafts must not stop there. List items and table rows keep their
    own lines."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        # Each output line as a list of parts, joined once: growing one string line by line was
        # quadratic in a paragraph's length.
        lines: list[list[str]] = []
        for line in paragraph.split("\n"):
            last = lines[-1][-1] if lines else ""
            joins = last.strip() and not lines[-1][0].lstrip().startswith("|")
            if joins and line.strip() and not _BLOCK_START.match(line):
                lines[-1][-1] = last.rstrip()
                lines[-1].append(line.strip())
            else:
                lines.append([line])
        paragraphs.append("\n".join(" ".join(parts) for parts in lines))
    return "\n\n".join(paragraphs)


def _pieces(lines: list[str], options: SplitOptions) -> list[str]:
    """Cut one section's text into pieces of at most about ``max_words`` words."""
    text = unwrap("\n".join(lines).strip())
    text = re.sub(r"\n{3,}", "\n\n", text)
    if _words(text) <= options.max_words:
        return [text]
    units = []  # paragraphs, and the sentences of paragraphs that are too long on their own
    for paragraph in re.split(r"\n\s*\n", text):
        if _words(paragraph) <= options.max_words:
            units.append(paragraph.strip())
        else:
            units.extend(sentences(paragraph))
    pieces: list[str] = []
    current: list[str] = []
    for unit in units:
        if current and _words(" ".join([*current, unit])) > options.max_words:
            pieces.append("\n".join(current))
            current = []
        current.append(unit)
    if current:
        # A short tail reads better as part of the piece before it.
        if pieces and _words(" ".join(current)) < options.min_words:
            pieces[-1] = pieces[-1] + "\n" + "\n".join(current)
        else:
            pieces.append("\n".join(current))
    return pieces


def split_article(title: str, body: str, options: SplitOptions | None = None) -> list[PassageDraft]:
    """The passages of an article, in reading order."""
    options = options or SplitOptions()
    drafts: list[PassageDraft] = []
    for heading, lines in _sections(body, title):
        for piece in _pieces(lines, options):
            drafts.append(PassageDraft(position=len(drafts), heading=heading, text=piece))
    return drafts


def passage_context(title: str, heading: str | None, text: str) -> str:
    """What is embedded and indexed for a passage: the title and heading give it context."""
    head = f"{title}. {heading}." if heading else f"{title}."
    return f"{head}\n{text}"

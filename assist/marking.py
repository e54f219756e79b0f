"""Marking the sentences of a passage that answer the query, and drafting a reply from them.

Marks are found lexically (shared words, rare words counting more) rather than by embedding each
sentence: it costs microseconds instead of another model call per suggestion, and agents see
*why* a sentence is marked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from assist.models import Mark

_SENTENCE = re.compile(r"[^\n]+?(?:[.!?](?=\s|$)|$)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"\w\w+")
# Words so common in help articles that sharing them says nothing about a match.
_STOP_WORDS = """
the and for you your our can are with this that have has was were will not but from what how when
where which who why its into out about there their they them then than also any all get got just
only more most some such very too may might would could should does did doing done been being had
his her him she he we us me my mine myself
"""
_STOP = frozenset(_STOP_WORDS.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence of ``text`` (a line break ends one too), without list markers."""
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        marker = _LIST_MARKER.match(line)
        begin = marker.end() if marker else 0
        for match in _SENTENCE.finditer(line, begin):
            start, end = match.start(), match.end()
            while start < end and line[start].isspace():
                start += 1
            while end > start and line[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((offset + start, offset + end))
        offset += len(line)
    return spans


def _stem(word: str) -> str:
    # Five letters catch "arrive/arrived/arriving" and "charge/charged" without a stemmer library.
    return word[:5]


def content_words(text: str) -> set[str]:
    """The stems of the words of ``text`` that can carry meaning."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def mark_sentences(
    passage: str, query: str, weight: Callable[[str], float] | None = None, most: int = 2
) -> tuple[Mark, ...]:
    """The (at most ``most``) sentences sharing the most query words, weighted by ``weight``."""
    words = content_words(query)
    if not words:
        return ()
    weigh = weight or (lambda _w: 1.0)
    scored = []
    for start, end in sentence_spans(passage):
        shared = words & content_words(passage[start:end])
        score = sum(weigh(w) for w in shared)
        if score > 0:
            scored.append((score, start, end))
    best = sorted(scored, reverse=True)[:most]
    if not best:
        return ()
    # A second sentence is marked only when it matches about as well as the first.
    keep = [s for s in best if s[0] >= 0.5 * best[0][0]]
    return tuple(Mark(start, end) for _, start, end in sorted(keep, key=lambda s: s[1]))


def idf_weights(documents: Sequence[str]) -> Callable[[str], float]:
    """Inverse document frequency of word stems over ``documents`` (unknown words weigh most)."""
    counts: dict[str, int] = {}
    for doc in documents:
        for word in content_words(doc):
            counts[word] = counts.get(word, 0) + 1
    n = max(len(documents), 1)
    top = math.log(1 + n)
    return lambda word: math.log(1 + n / counts[word]) if word in counts else top


def draft_reply(passage: str, marks: Sequence[Mark], title: str, url: str | None) -> str:
    """A reply an agent can insert and edit: the marked sentences (else the passage's opening)."""
    spans = [(m.start, m.end) for m in marks] or sentence_spans(passage)[:2]
    body = " ".join(passage[s:e] for s, e in spans).strip()
    if url:
        return f"{body}\n\nMore in “{title}”: {url}"
    return body

"""Fuzz the knowledge-base parsers and the splitter with atheris (libFuzzer under the hood).

Any file of any supported format must end in articles or a :class:`ParseError`, never another
exception, and quickly (``-timeout``: a slow input is a finding too, the upload's denial of
service). Run it through ``make fuzz-kb`` or::

    .venv/bin/python -m bench.fuzz.kb_parsers -max_total_time=600 -timeout=2 -max_len=20000

Seeds: the demo shop's articles and one small file per format (see :func:`write_seeds`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from assist.kb.html import extract_html
    from assist.kb.parse import ParseError, parse_file
    from assist.kb.split import split_article
    from common.text import text_problem

FORMATS = (".md", ".html", ".txt", ".json", ".jsonl", ".csv")
SEEDS = {
    ".json": b'{"articles": [{"id": "a", "title": "T", "body": "# H\\nText. More.", "tags": ["x"]}]}',
    ".jsonl": b'{"id": "a", "title": "T", "body": "B [l](u) **b**"}\n\n{"id": 2, "title": "U", "body": "C"}',
    ".csv": b'id,title,body,tags\na,T,"Body, with ""quotes""",x;y\n',
    ".html": b'<html><head><title>T</title><link rel="canonical" href="/a"></head><body><h1>H</h1>'
    b"<p>One &amp; two.</p><script>x<y</script><!-- c --><ul><li>i</li></ul></body></html>",
    ".txt": b"Title\n\nFirst paragraph. Second sentence.\n\n- a list\n- item",
    ".md": b"---\nid: x\ntags: [a, b]\nurl: https://e.x/a\n---\n"
    b"# Title #\n\n**Bold heading**\ntext\n## Sub\nmore",
}
WORK = Path(tempfile.mkdtemp(prefix="tandem-fuzz-kb-"))


def one_input(data: bytes) -> None:
    """The first byte picks the format, the rest is the file."""
    if not data:
        return
    suffix = FORMATS[data[0] % len(FORMATS)]
    path = WORK / f"article{suffix}"
    path.write_bytes(data[1:])
    try:
        docs = parse_file(path)
    except ParseError:
        return
    for doc in docs:
        for value in (doc.id, doc.title, doc.body, doc.url or "", *doc.tags):
            assert text_problem(value) is None, (doc, value)
        for draft in split_article(doc.title, doc.body):
            assert draft.text.strip(), draft
    if suffix == ".html":
        extract_html(data[1:].decode("utf-8", "replace"))


def write_seeds(folder: Path) -> None:
    """One file per format, and the demo shop's Markdown articles."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, body in SEEDS.items():
        (folder / f"seed{suffix}").write_bytes(bytes([FORMATS.index(suffix)]) + body)
    for article in sorted(Path(__file__).resolve().parents[2].joinpath("assist/demo_kb").glob("*.md")):
        (folder / f"demo-{article.name}").write_bytes(bytes([0]) + article.read_bytes())


def main() -> None:
    corpus = WORK / "corpus"
    write_seeds(corpus)
    atheris.Setup([*sys.argv, str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

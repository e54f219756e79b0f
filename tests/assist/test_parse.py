"""Reading articles: every format, and broken files named in the error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assist.kb.html import extract_html
from assist.kb.parse import ParseError, iter_files, parse_file
from assist.kb.split import SplitOptions, passage_context, split_article
from tests.assist.conftest import write_kb


def test_markdown_front_matter(kb_dir: Path) -> None:
    [doc] = parse_file(kb_dir / "card_arrival.md")
    assert doc.id == "card_arrival"
    assert doc.title == "My card hasn't arrived yet"
    assert doc.tags == ("cards", "delivery")
    assert doc.url == "https://help.example.com/card-arrival"
    assert doc.body.startswith("Cards are delivered")


def test_markdown_defaults_id_to_stem_and_title_to_first_heading(kb_dir: Path) -> None:
    [doc] = parse_file(kb_dir / "change_pin.md")
    assert doc.id == "change_pin"
    assert doc.title == "How do I change my PIN?"
    assert "How do I change" not in doc.body


def test_html_text_without_scripts_or_navigation(kb_dir: Path) -> None:
    [doc] = parse_file(kb_dir / "refunds.html")
    assert doc.id == "refunds"
    assert doc.title == "Getting a refund for a purchase"
    assert "## Refund not received" in doc.body
    assert "tracking" not in doc.body
    assert "Home / Help" not in doc.body


def test_plain_text_title_from_first_line(kb_dir: Path) -> None:
    [doc] = parse_file(kb_dir / "password.txt")
    assert (doc.id, doc.title) == ("password", "Resetting a forgotten password")
    assert doc.body.startswith("If you forgot")


def test_jsonl_and_csv_and_json(kb_dir: Path, tmp_path: Path) -> None:
    assert [d.id for d in parse_file(kb_dir / "more.jsonl")] == ["top_up", "close_account"]
    [fee] = parse_file(kb_dir / "fees.csv")
    assert fee.tags == ("fees", "atm")
    assert fee.url == "https://help.example.com/atm"
    path = tmp_path / "a.json"
    path.write_text('{"articles": [{"id": 7, "title": "T", "body": "B", "tags": ["x"]}]}')
    [doc] = parse_file(path)
    assert (doc.id, doc.title, doc.body, doc.tags) == ("7", "T", "B", ("x",))


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("bad.md", "---\nid: [unclosed\n---\nBody", "front matter is not valid YAML"),
        ("bad.json", '{"id": "x", "title": "T"', "not valid JSON"),
        ("bad.jsonl", '{"id": "x", "title": "T", "body": "B"}\n{"id": "y", "title": "T"}\n', "line 2"),
        ("bad.csv", "id,title\nx,T\n", "lacks the column(s) body"),
        ("empty.md", "---\nid: e\n---\n\n", "has no text"),
        ("odd.pdf", "%PDF", "unsupported format"),
    ],
)
def test_broken_files_are_named(tmp_path: Path, name: str, text: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ParseError) as error:
        parse_file(path)
    assert str(path) in str(error.value)
    assert reason in str(error.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9\n\nso good".encode("latin-1"))
    with pytest.raises(ParseError, match="not UTF-8"):
        parse_file(path)


def test_folders_are_searched_recursively_without_hidden_files(tmp_path: Path) -> None:
    write_kb(tmp_path, {"a.md": "# A\ntext", "sub/b.txt": "b", ".git/c.md": "# C", "notes.docx": "x"})
    assert [p.name for p in iter_files([tmp_path])] == ["a.md", "b.txt"]


def test_long_sections_split_and_keep_their_heading() -> None:
    sentence = "This sentence has exactly eight words in it. "
    body = "Intro text here.\n\n## Details\n" + sentence * 40
    passages = split_article("Title", body, SplitOptions(max_words=60))
    assert passages[0].heading is None
    assert len(passages) > 3
    assert all(p.heading == "Details" for p in passages[1:])
    assert all(len(p.text.split()) <= 60 for p in passages)
    assert passage_context("Title", "Details", "x").startswith("Title. Details.")


# --- hostile files: each is that file's ParseError, in linear time ----------------------------------

HOSTILE = [
    ("deep.json", "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("deep2.json", '{"articles": ' + "[" * 40 + "]" * 40 + "}", "nested more than 32 levels"),
    ("deep.jsonl", "[" * 200_000 + "]" * 200_000 + "\n", "nested too deeply"),
    ("deep.md", "---\nid: " + "[" * 5_000 + "]" * 5_000 + "\n---\nBody\n", "front matter"),
    ("big.json", '{"id": ' + "9" * 5_000 + ', "title": "T", "body": "B"}', "not valid JSON"),
    ("date.md", "---\ndate: 2026-13-45\n---\nBody\n", "front matter is not valid YAML"),
    ("wide.csv", "id,title,body\nx,T," + "y" * 200_000 + "\n", "longer than 50,000"),
    ("widehead.csv", "id,title,body," + "h" * 200_000 + "\nx,T,B,c\n", "longer than 50,000"),
    ("nul.json", '{"id": "x", "title": "T", "body": "a\\u0000b"}', r"U\+0000"),
    ("lone.jsonl", '{"id": "x", "title": "\\ud800", "body": "b"}\n', r"U\+D800"),
    ("line.txt", "T\n\n" + "w " * 40_000, "line 3 is longer than 50,000 characters"),
]


@pytest.mark.parametrize(("name", "text", "reason"), HOSTILE)
def test_hostile_files_fail_alone(tmp_path: Path, name: str, text: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.perf_counter()
    with pytest.raises(ParseError, match=reason):
        parse_file(path)
    assert time.perf_counter() - started < 2.0, name


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("spaces.md", "# T\n\n## a" + " " * 40_000 + "x\n\nbody"),  # cubic in the old heading regex
        ("brackets.md", "# T\n\n" + "[" * 45_000),  # quadratic in the old link regex
        ("links.md", "# T\n\n" + "[a](b" * 9_000),
        ("lines.md", "# T\n\n" + "word\n" * 150_000),  # one paragraph: quadratic joining
        ("comments.html", "<p>x</p>" + "<!--" * 100_000),  # quadratic in HTMLParser before 3.13.4
        ("tags.html", "<p>x</p>" + "<a '" * 100_000),
        ("attrs.html", "<p>x</p>" + "<a b='" * 100_000 + ">"),
    ],
)
def test_pathological_text_parses_in_linear_time(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    started = time.perf_counter()
    for doc in parse_file(path):
        split_article(doc.title, doc.body)
    assert time.perf_counter() - started < 2.0, name


def test_html_reader_keeps_what_the_old_one_kept() -> None:
    page = extract_html(
        '<html><head><title>Site &amp; more</title><link rel="canonical" href="/a?b=1&amp;c=2">'
        "<script>if (a < b) { x('</p>') }</script><style>p{}</style></head><body><nav>Home</nav>"
        "<h1>Refunds</h1><p>Refunds take <b>5</b> days.<br/>Ask us.</p><ul><li>One</li><li>Two</li></ul>"
        "<!-- hidden --><svg><text>no</text></svg><p>End &lt;3</p></body></html>"
    )
    assert page.title == "Refunds"
    assert page.url == "/a?b=1&c=2"
    assert page.lines == ["# Refunds", "Refunds take 5 days.", "Ask us.", "- One", "- Two", "End <3"]

"""The scripts go out gzipped to clients that accept it (issue 12, item 13), and the default log
level prints no library's DEBUG lines."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import Running
from tests.web.test_api import built_widget

__all__ = ["built_widget"]  # the fixture, used below by name

ROOT = Path(__file__).resolve().parents[2]


async def test_widget_js_is_served_gzipped(server: Running, built_widget: Path) -> None:
    plain = (built_widget / "widget.js").read_bytes()
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        for path, name in (("/widget.js", "widget.js"), ("/static/console.js", "console.js")):
            async with http.get(server.url + path, headers={"Accept-Encoding": "gzip, deflate, br"}) as r:
                body = await r.read()
                assert r.status == 200
                assert r.headers["Content-Encoding"] == "gzip", path
                assert "Accept-Encoding" in r.headers["Vary"]
                assert gzip.decompress(body) == (built_widget / name).read_bytes()
                assert len(body) < len((built_widget / name).read_bytes()) / 2
                assert r.headers["Cache-Control"] == "no-cache"
        async with http.get(server.url + "/widget.js", headers={"Accept-Encoding": "gzip"}) as r:
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert r.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
        # A client that takes no gzip gets the script as it is.
        async with http.get(server.url + "/widget.js", headers={"Accept-Encoding": "identity"}) as r:
            assert "Content-Encoding" not in r.headers
            assert await r.read() == plain


def test_the_default_level_prints_no_library_debug_lines() -> None:
    """bm25s sets its own logger to DEBUG when imported; at INFO its lines stay out, ours stay in."""
    script = (
        "import logging\n"
        "from server.logs import setup_logging\n"
        "setup_logging('text', 'INFO')\n"
        "import bm25s\n"
        "logging.getLogger('bm25s').debug('library debug line')\n"
        "logging.getLogger('tandem.test').info('our info line')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "our info line" in done.stderr
    assert "library debug line" not in done.stderr

"""The admin REST API of the assist: knowledge-base articles and the usefulness report."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from server.chat.assist_port import AssistPort
from server.chat.signals import KB_CHANGED
from server.web.http import authorised, fail
from server.web.keys import ASSIST, CHAT

routes = web.RouteTableDef()

# Uploads are help articles, not media: anything larger is a mistake.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_FILES = 500  # a help centre's export is a few hundred files; each is a file on our disk
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _assist(request: web.Request) -> AssistPort:
    assist = request.app[ASSIST].assist
    if assist is None:
        fail(503, "assist_unavailable", "The assist is starting or turned off (TANDEM_ASSIST)")
    return assist


@routes.get("/api/admin/kb")
async def list_articles(request: web.Request) -> web.Response:
    await authorised(request, "kb.manage")
    articles = await _assist(request).articles()
    return web.json_response(
        {
            "articles": [
                {
                    "id": a.id,
                    "title": a.title,
                    "url": a.url,
                    "tags": list(a.tags),
                    "source": a.source,
                    "passages": a.passages,
                    "updated_at": a.updated_at,
                }
                for a in articles
            ]
        }
    )


@routes.get("/api/admin/kb/search")
async def search(request: web.Request) -> web.Response:
    """Search the knowledge base as agents do (any agent may; the console's search box uses it)."""
    await authorised(request, "kb.search")
    query = request.query.get("q", "").strip()
    if not query or len(query) > 1000:
        fail(400, "bad_request", "'q' must be 1 to 1000 characters")
    results = await _assist(request).search(query)
    return web.json_response({"suggestions": [s.to_json() for s in results]})


@routes.get("/api/admin/kb/{id}")
async def get_article(request: web.Request) -> web.Response:
    await authorised(request, "kb.manage")
    doc = await _assist(request).article(request.match_info["id"])
    if doc is None:
        fail(404, "not_found", "No such article")
    return web.json_response(
        {
            "article": {
                "id": doc.id,
                "title": doc.title,
                "body": doc.body,
                "url": doc.url,
                "tags": list(doc.tags),
                "source": doc.source,
            }
        }
    )


@routes.delete("/api/admin/kb/{id}")
async def delete_article(request: web.Request) -> web.Response:
    await authorised(request, "kb.manage")
    if not await _assist(request).remove(request.match_info["id"]):
        fail(404, "not_found", "No such article")
    await request.app[CHAT].signals.send(KB_CHANGED, {})
    return web.json_response({"ok": True})


@routes.post("/api/admin/kb")
async def upload(request: web.Request) -> web.Response:
    """Load uploaded files (multipart, field ``files``) like ``tandem kb load`` does."""
    await authorised(request, "kb.manage")
    assist = _assist(request)
    if not request.content_type.startswith("multipart/"):
        fail(400, "bad_request", "Upload the files as multipart/form-data")
    with tempfile.TemporaryDirectory(prefix="tandem-kb-") as folder:
        paths = await _save_parts(request, Path(folder))
        if not paths:
            fail(400, "bad_request", "No files in the upload")
        report = await assist.load(paths)
        # People uploaded files, not our scratch folder: name the files as they sent them.
        scratch = f"{folder}/"
        await assist.rename_sources([*report.added, *report.updated], scratch, "upload:")
    await request.app[CHAT].signals.send(KB_CHANGED, {})
    return web.json_response(
        {
            "report": {
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "failed": [
                    {
                        "file": Path(f).name,
                        "reason": reason_for_people(Path(f).name, r.replace(f"{folder}/", "")),
                    }
                    for f, r in report.failed
                ],
                "summary": report.summary(),
            }
        }
    )


NOT_TEXT = re.compile(r"^not UTF-8 text \(byte (\d+)\)$")


def reason_for_people(name: str, reason: str) -> str:
    """Why a file failed, as a sentence under its name: without the name again (the loader's
    reasons start with where), and saying what to do where that is known."""
    reason = reason.removeprefix(f"{name}: ")
    if NOT_TEXT.match(reason):
        reason = (
            "This is not a text file (it is not UTF-8 encoded). Upload Markdown, HTML, plain text, "
            "JSON, JSONL or CSV"
        )
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", "?", "!")) else f"{reason}."


async def _save_parts(request: web.Request, folder: Path) -> list[Path]:
    reader = await request.multipart()
    paths: list[Path] = []
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.filename:
            continue
        if len(paths) >= MAX_UPLOAD_FILES:
            fail(413, "too_large", f"Uploads are limited to {MAX_UPLOAD_FILES} files")
        name = SAFE_NAME.sub("_", Path(part.filename).name) or "upload"
        path = folder / (name if not (folder / name).exists() else f"{len(paths):03d}-{name}")
        with path.open("wb") as out:
            while chunk := await part.read_chunk():
                total += len(chunk)
                if total > MAX_UPLOAD_BYTES:
                    fail(413, "too_large", f"Uploads are limited to {MAX_UPLOAD_BYTES // 2**20} MB")
                out.write(chunk)
        paths.append(path)
    return paths


@routes.get("/api/admin/assist/report")
async def report(request: web.Request) -> web.Response:
    await authorised(request, "assist.report")
    r = await _assist(request).report()
    payload: dict[str, Any] = {
        "shown": r.shown,
        "inserted": r.inserted,
        "sent": r.sent,
        "sent_unchanged": r.sent_unchanged,
        "dismissed": r.dismissed,
        "insert_rate": round(r.insert_rate, 4),
        "sent_unchanged_rate": round(r.sent_unchanged_rate, 4),
        "dismiss_rate": round(r.dismiss_rate, 4),
        "top_articles": [{"article_id": a, "uses": n} for a, n in r.top_articles],
        "gaps": r.gaps,
    }
    return web.json_response(payload)

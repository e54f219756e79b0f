"""The pages Tandem serves: the demo shop, the console, the admin, and the browser bundles."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from server.web.keys import SETTINGS

# The bundles change with each release but keep their names: let browsers revalidate.
NO_CACHE = {"Cache-Control": "no-cache"}


def _file(path: Path) -> web.FileResponse:
    if not path.is_file():
        raise web.HTTPNotFound(text=f"{path.name} is missing: run `make widget` to build the browser code")
    return web.FileResponse(path, headers=NO_CACHE)


def add_page_routes(app: web.Application) -> None:
    widget_dir = app[SETTINGS].widget_dir
    pages, dist = widget_dir / "pages", widget_dir / "dist"

    async def demo(_: web.Request) -> web.FileResponse:
        return _file(pages / "index.html")

    async def console(_: web.Request) -> web.FileResponse:
        return _file(pages / "console.html")

    async def admin(_: web.Request) -> web.FileResponse:
        return _file(pages / "admin.html")

    async def widget_js(_: web.Request) -> web.FileResponse:
        response = _file(dist / "widget.js")
        # Any site may load the script itself; what it may then do is checked per origin.
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    async def static(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        folder = dist if name.endswith(".js") else pages
        if "/" in name or name.startswith(".") or not name.endswith((".js", ".css")):
            raise web.HTTPNotFound()
        return _file(folder / name)

    app.router.add_get("/", demo)
    app.router.add_get("/console", console)
    app.router.add_get("/console/transcripts/{id}", console)
    app.router.add_get("/invite/{token}", console)  # the console's script shows the invitation
    app.router.add_get("/console/history", console)
    app.router.add_get("/admin", admin)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_get("/static/{name}", static)

"""Health and metrics endpoints."""

from __future__ import annotations

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from server.web.keys import CHAT, ENGINE, LIVE

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:
        request.app.logger.exception("health check: database unreachable")
        database = "error"
    live = await request.app[LIVE].health()  # Redis and the fan-out, with several processes
    ok = database == "ok" and all(state == "ok" for state in live.values())
    return web.json_response(
        {"status": "ok" if ok else "error", "database": database, **live}, status=200 if ok else 503
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[CHAT].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

"""The litigators' page: ``GET /`` (the form and the drawn answer), ``GET /static/<file>`` and ``GET /ui/form.json``.

Plain HTML, CSS and JavaScript from ``serving/static`` (no build step, no CDN: it works offline). The page calls the
same API as any client (``/v1/extract``, ``/v1/<kind>/estimate.html`` for the answer drawn by the server,
``/v1/<kind>/report``). These routes carry no case data, so they are open even when API keys are configured (the
page asks for a key and sends it). Only the files listed here are served: no directory listing, no path from the
request reaches the file system.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import FileResponse, Response

from serving.errors import json_response
from serving.form import form_spec

STATIC = Path(__file__).resolve().parents[1] / "static"
FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "answer.css": "text/css; charset=utf-8",  # the drawn answer's style, shared with the report
}
# Everything from this origin, nothing from elsewhere; no inline script (the page has none).
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in FILES:
        raise HTTPException(404, "not found")
    return FileResponse(STATIC / name, media_type=FILES[name], headers=HEADERS)


@router.get("/ui/form.json")
async def form() -> Response:
    """Fields, labels (English and Chinese), units, choices and the labels of bands and drivers."""
    return json_response(form_spec(), headers={"Cache-Control": "no-cache"})

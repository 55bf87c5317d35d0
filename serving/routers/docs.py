"""The API documentation page, offline: ``GET /docs`` (Swagger UI) and its assets.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (blank offline, and often unreachable from mainland
China); this serves the copy of Swagger UI 5 bundled in the ``fastapi-offline`` package (MIT-licensed, with its
licence in that package), from this origin only. Only the files listed here are served, by name. ReDoc is not
served: its page loads its logo from redoc.ly whatever the options.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

ASSETS_PATH = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
# validatorUrl: Swagger UI would otherwise ask validator.swagger.io for a badge; nothing leaves this origin
SWAGGER_PARAMETERS: dict[str, Any] = {"validatorUrl": None, "displayRequestDuration": True}
TITLE = "Exposure API"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=len(ASSETS))
def _asset(name: str) -> bytes:
    return (files("fastapi_offline") / "static" / name).read_bytes()


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} — Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )


@router.get(ASSETS_PATH + "/{name}")
async def asset(name: str) -> Response:
    if name not in ASSETS:
        raise HTTPException(404, "not found")
    return Response(_asset(name), media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})

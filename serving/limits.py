"""What the service refuses before a route runs, and how it answers HEAD; pure ASGI, documented in the OpenAPI.

- ``BodyLimitMiddleware``: a body over ``EXPOSURE_MAX_BODY_BYTES`` answers 413 with a JSON ``TooLargeBody`` that
  names the limit in bytes (``limit_bytes``), whether the size was declared (Content-Length: refused before a
  byte is read) or counted while the body streamed in (chunked). Starlette's own limit answers ``text/plain``.
- ``HeadAsGetMiddleware``: ``HEAD`` on any GET route answers like GET without the body (FastAPI routes take GET
  only, so HEAD was 405); the request is passed on as GET, the headers (Content-Length included) are kept.
- ``require_json``: a POST body that is not declared JSON (curl's ``-d`` sends form encoding) answers 415 naming
  the media type to send, instead of a puzzling 422 about a dictionary.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_body(limit: int) -> dict[str, Any]:
    """The 413 answer (``serving.schemas.TooLargeBody``)."""
    return {
        "detail": f"the request body is larger than {limit} bytes, the most this service takes "
        "(EXPOSURE_MAX_BODY_BYTES); send fewer or shorter cases per call",
        "limit_bytes": limit,
    }


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once the streamed body passes the limit."""


async def _send_json(send: Send, status_code: int, content: dict[str, Any]) -> None:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the rest of the body is not read: the connection cannot be reused
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """413 JSON for bodies over ``max_body_bytes`` (declared or streamed); see the module docstring."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        received = 0
        # declared too large: refused at the first read, before a byte is read (the app still routes the request,
        # so the metrics name the route; whatever it answers is replaced by the 413)
        over = declared is not None and declared > self.limit
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if not over:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                # the route turned the interrupted read into an error answer of its own (FastAPI: 400): replaced
                answered = True
                await _send_json(send, 413, too_large_body(self.limit))

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not answered:
                answered = True
                await _send_json(send, 413, too_large_body(self.limit))


class HeadAsGetMiddleware:
    """HEAD answered as GET without the body (RFC 9110 9.3.2); the server sees the HEAD (it sends no body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        inner = {**scope, "method": "GET"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        try:
            await self.app(inner, receive, headers_only)
        finally:
            for key in ("route", "endpoint"):  # what routing found, for the metrics and the log line
                if key in inner:
                    scope[key] = inner[key]


JSON_MEDIA = "application/json"


async def require_json(request: Request) -> None:
    """415 unless a POST body is declared JSON (``application/json`` or ``+json``; a charset may follow)."""
    if request.method != "POST":
        return
    declared = request.headers.get("content-type", "")
    media = declared.split(";", 1)[0].strip().lower()
    if media == JSON_MEDIA or media.endswith("+json"):
        return
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail="the body must be JSON: send it with Content-Type: application/json"
        + ("" if media else " (no Content-Type was given)"),
    )

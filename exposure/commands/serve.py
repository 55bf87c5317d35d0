"""``exposure serve``: the HTTP prediction service (FastAPI under uvicorn; see ``serving.app``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def serve(
    host: str = typer.Option("127.0.0.1", envvar="EXPOSURE_HOST", help="Interface to listen on"),
    port: int = typer.Option(8000, envvar="EXPOSURE_PORT", min=0, max=65535, help="TCP port"),
    workers: int = typer.Option(1, envvar="EXPOSURE_WORKERS", min=1, max=64, help="Worker processes"),
    log_level: str = typer.Option("info", envvar="EXPOSURE_LOG_LEVEL", help="debug, info, warning or error"),
) -> None:
    """Serve estimates over HTTP (docs at /docs). Champions load from the MLflow registry at start and are swapped
    in when a new one is registered (after a check on example cases: a broken one is refused and the old one keeps
    serving). The last good champions are cached on disk and serve when the tracking store cannot be reached at
    start (/readyz then says source "cache"). Other settings come from the environment: EXPOSURE_TRACKING_URI,
    EXPOSURE_API_KEYS, EXPOSURE_MAX_BODY_BYTES, EXPOSURE_MAX_BATCH, EXPOSURE_RELOAD_INTERVAL_S,
    EXPOSURE_SIMILAR_K, EXPOSURE_MODEL_CACHE_DIR, EXPOSURE_REGISTRY_TIMEOUT_S, EXPOSURE_REGISTRY_MAX_RETRIES."""
    import os

    import uvicorn

    from exposure.io import err_console

    os.environ["EXPOSURE_LOG_LEVEL"] = log_level  # the app's settings (in every worker) read it

    err_console.print(f"Exposure on http://{host}:{port} (docs at /docs, {workers} worker(s))", highlight=False)
    uvicorn.run(
        "serving.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level.lower(),
        access_log=False,  # the service logs its own request lines (method, route, status, latency)
        server_header=False,
    )


def openapi(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the document here (default: stdout)"),
    check: Path | None = typer.Option(
        None, "--check", help="Compare with this committed contract (docs/openapi.json); exit 1 if it differs"
    ),
) -> None:
    """The service's OpenAPI document (API version 1), without starting a server. With --check, say what changed
    against a committed copy and whether it breaks existing clients (removed operations, schemas or properties,
    newly required properties, changed types); exit 1 on any difference."""
    from exposure.io import err_console, fail
    from serving.contract import compare, dumps, openapi_document

    document = openapi_document()
    if check is not None:
        try:
            committed = json.loads(check.read_text(encoding="utf-8"))
        except FileNotFoundError:
            fail(f"{check}: no such file (write it with: exposure openapi --out {check})")
        except json.JSONDecodeError as exc:
            fail(f"{check}: not JSON ({exc.msg}, line {exc.lineno})")
        diff = compare(committed, document)
        if diff.same and dumps(committed) == dumps(document):
            err_console.print(f"{check}: the service matches the committed contract", highlight=False)
            return
        for title, lines in (
            ("BREAKING for existing clients", diff.breaking),
            ("compatible additions", diff.compatible),
            ("documentation", diff.documentation),
        ):
            if lines:
                err_console.print(f"[bold]{title}[/] ({len(lines)}):", highlight=False)
                for line in lines:
                    err_console.print(f"  {line}", highlight=False, markup=False)
        if diff.same:
            err_console.print("only the formatting differs", highlight=False)
        err_console.print(
            f"{check} differs from the service; if the change is intended, run: exposure openapi --out {check}",
            highlight=False,
        )
        raise typer.Exit(1)
    if out is None:
        typer.echo(dumps(document), nl=False)
    else:
        out.write_text(dumps(document), encoding="utf-8")
        err_console.print(f"wrote {out} ({len(document['paths'])} paths)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("openapi")(openapi)

"""Small shared helpers of the CLI: reading a case file or stdin, printing JSON, failing with a clear message."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from features.law.schema import CivilCase, CriminalCase, parse_case
from features.tables import describe_validation_error

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def read_text(source: str) -> str:
    """Read a file, or standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail(f"no such file: {source}")
    return path.read_text(encoding="utf-8")


def read_case(source: str) -> CriminalCase | CivilCase:
    """Read and validate one case given as a JSON object (file or ``-``)."""
    text = read_text(source)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{source}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})")
    if not isinstance(obj, dict):
        fail(f"{source}: expected one JSON object describing a case")
    try:
        return parse_case(obj)
    except ValidationError as exc:
        lines = "\n".join(f"  {e['field']}: {e['reason']}" for e in describe_validation_error(exc))
        fail(f"{source}: the case is not valid:\n{lines}")


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def quiet_library_logs(verbose: bool = False) -> None:
    """Keep MLflow/alembic chatter (table creation, pickling notes) out of the user's terminal unless asked."""
    import logging
    import os
    import warnings

    level = logging.INFO if verbose else logging.ERROR
    # MLflow re-applies its own logger configuration on import; this variable is what it reads
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "INFO" if verbose else "ERROR")
    for name in ("mlflow", "alembic", "py4j"):
        logging.getLogger(name).setLevel(level)
    if not verbose:
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)

"""The CLI's progress bar: one transient bar on stderr for every long command (scoring, reading judgments or
CAIL, drawing synthetic rows), so they all show progress alike and never mix it into what they print on stdout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from exposure.io import err_console

Update = Callable[[int, int | None], None]
"""``update(done, total)``: items (or bytes) done so far, and the total when it is known (None: keep the last)."""


@contextmanager
def progress_bar(
    label: str, total: int | None = None, *, unit: Literal["items", "bytes"] = "items", eta: bool = True
) -> Iterator[Update]:
    """A bar labelled ``label`` counting ``unit`` (``done/total`` items, or bytes read) up to ``total`` (None: not
    known yet), with the time remaining unless ``eta`` is false; it disappears when the block ends."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns: list[ProgressColumn] = [
        TextColumn(label),
        BarColumn(),
        DownloadColumn() if unit == "bytes" else MofNCompleteColumn(),
    ]
    if eta:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int | None = None) -> None:
            if total is None:
                bar.update(task, completed=done)
            else:
                bar.update(task, completed=done, total=total or None)

        yield update

"""The champions a running service answers with, and their hot swap.

``ModelHolder.snapshot`` is an immutable :class:`Snapshot`; a request reads it once and keeps that object to the
end, so swapping in a new one (a single reference assignment) never disturbs a request in flight. ``refresh()``
compares the registry's ``champion`` aliases with the loaded versions (cheap: one registry read per target) and
loads a new :class:`~serving.estimate.ChampionSet` only when they differ; ``poll()`` does that every interval off
the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from features.store import CHAMPION_ALIAS, TARGETS, registered_name
from serving.estimate import ChampionSet, NoChampionError

log = logging.getLogger("exposure.serving")
TRAIN_COMMAND = "exposure train"


@dataclass(frozen=True)
class Snapshot:
    """What the service answers with right now."""

    champions: ChampionSet | None = None
    error: str | None = None  # why nothing could be loaded (the last attempt), None when loaded
    loaded_at: float | None = None
    checked_at: float | None = None
    reloads: int = 0
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.champions is not None and self.champions.ready_for(TARGETS)

    def versions(self) -> dict[str, str | None]:
        loaded = self.champions.versions() if self.champions is not None else {}
        return {t: loaded.get(t) for t in TARGETS}

    def reason(self) -> str | None:
        """Why the service is not ready (None when it is)."""
        if self.ready:
            return None
        if self.champions is None:
            return f"models not loaded: {self.error or 'loading'}"
        return "; ".join(f"{t}: {why}" for t, why in self.missing.items()) + f" (run `{TRAIN_COMMAND}`)"

    def require(self, targets: Sequence[str]) -> ChampionSet:
        """The champions if every target is loaded, else :class:`NoChampionError` saying what to run."""
        if self.champions is None:
            raise NoChampionError(f"models not loaded ({self.error or 'loading'}): run `{TRAIN_COMMAND}`")
        self.champions.require(targets)
        return self.champions


class ModelHolder:
    """Loads the champions from the registry and swaps them in when an alias moves."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.snapshot = Snapshot()
        self._client: Any = None
        self._lock = threading.Lock()  # one load at a time (start-up and poller)

    def _registry(self) -> Any:
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        return self._client

    def registry_versions(self) -> dict[str, str | None]:
        """Version behind ``exposure-<target>@champion`` per target (None: none registered)."""
        from mlflow.exceptions import MlflowException

        client = self._registry()
        out: dict[str, str | None] = {}
        for target in TARGETS:
            try:
                out[target] = str(
                    client.get_model_version_by_alias(registered_name(target), CHAMPION_ALIAS).version
                )
            except MlflowException:
                out[target] = None
        return out

    def load(self) -> Snapshot:
        """Load every champion now and swap it in; on failure keep serving the previous set."""
        with self._lock:
            return self._load()

    def _load(self) -> Snapshot:
        previous = self.snapshot
        now = time.time()
        try:
            champions = ChampionSet.load(self.uri)
        except Exception as exc:  # the store may be down or a model unreadable: never crash the service
            # the type only: messages of loader errors may carry paths or URIs with credentials
            error = f"loading the champions failed ({type(exc).__name__}); retrying every poll"
            log.warning("champion load failed: %s", type(exc).__name__)
            self.snapshot = Snapshot(
                champions=previous.champions,
                error=error,
                loaded_at=previous.loaded_at,
                checked_at=now,
                reloads=previous.reloads,
                missing=previous.missing if previous.champions is not None else {},
            )
            return self.snapshot
        self.snapshot = Snapshot(
            champions=champions,
            error=None,
            loaded_at=now,
            checked_at=now,
            reloads=previous.reloads + (previous.champions is not None),
            missing=dict(champions.missing),
        )
        log.info(
            "champions loaded: %s",
            ", ".join(f"{t}={v or '-'}" for t, v in self.snapshot.versions().items()),
        )
        return self.snapshot

    def refresh(self) -> bool:
        """Reload if the registry's champions differ from the loaded ones (or the last load failed)."""
        with self._lock:
            current = self.snapshot
            try:
                wanted = self.registry_versions()
            except Exception as exc:
                log.warning("champion poll failed: %s", type(exc).__name__)
                return False
            if wanted == current.versions() and current.error is None:
                self.snapshot = replace(current, checked_at=time.time())
                return False
            before = current.versions()
            after = self._load()
            return after.versions() != before

    async def poll(self, interval_s: float) -> None:
        """Refresh every ``interval_s`` seconds until cancelled (loads run in a worker thread)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception as exc:  # keep polling whatever happens
                log.warning("champion refresh failed: %s", type(exc).__name__)

"""The champions a running service answers with, and their hot swap.

``ModelHolder.snapshot`` is an immutable :class:`Snapshot`; a request reads it once and keeps that object to the
end, so swapping in a new one (a single reference assignment) never disturbs a request in flight. ``refresh()``
compares the registry's ``champion`` aliases with the loaded versions (cheap: one registry read per target) and
loads a new :class:`~serving.estimate.ChampionSet` only when they differ; ``poll()`` does that every interval off
the event loop.

Faults keep the service answering:
- a new set must pass :func:`serving.canary.check` before it is swapped in; one that fails (or cannot be loaded)
  is refused: the old set keeps serving, one log line says why, and ``/v1/models`` and the metrics show the
  refusal. A set refused by the check is not tried again until the aliases move; one that failed to load is
  retried every poll (the artifact store may have been down);
- every set swapped in is written to the disk cache (:mod:`serving.cache`); when the tracking store cannot be
  reached at start (or its champion is refused and nothing is loaded yet), the cached set serves, and
  ``/readyz`` and ``/v1/models`` say ``source: "cache"`` and why. The registry is polled as usual and its
  champions replace the cached ones once it answers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from features.store import CHAMPION_ALIAS, KINDS, registered_name
from serving import cache, canary
from serving.estimate import TRAIN_COMMAND, ChampionSet, NoChampionError, is_not_found

log = logging.getLogger("exposure.serving")


@dataclass(frozen=True)
class Refusal:
    """A champion set that was not swapped in."""

    versions: dict[str, str | None]
    reason: str
    at: float
    retry: bool  # True: it failed to load (retried every poll); False: refused by the check until the aliases move


@dataclass(frozen=True)
class Snapshot:
    """What the service answers with right now."""

    champions: ChampionSet | None = None
    error: str | None = None  # why the last attempt failed (the registry is then asked again every poll)
    loaded_at: float | None = None
    checked_at: float | None = None
    reloads: int = 0
    missing: dict[str, str] = field(default_factory=dict)
    source: Literal["registry", "cache"] | None = None  # where the loaded champions came from
    note: str | None = None  # why the champions come from the cache (None when from the registry)
    cached_at: float | None = None  # when the cached champions were written (source "cache")
    refused: Refusal | None = None  # the last refused set
    refusals: int = 0

    @property
    def ready(self) -> bool:
        return self.champions is not None and self.champions.ready_for(KINDS)

    def versions(self) -> dict[str, str | None]:
        loaded = self.champions.versions() if self.champions is not None else {}
        return {k: loaded.get(k) for k in KINDS}

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


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _versions_text(versions: dict[str, str | None]) -> str:
    return ", ".join(f"{t}={v or '-'}" for t, v in versions.items())


class ModelHolder:
    """Loads the champions from the registry and swaps them in when an alias moves."""

    def __init__(self, uri: str, cache_dir: Path | None = None) -> None:
        self.uri = uri
        self.cache_dir = cache_dir
        self.snapshot = Snapshot()
        self._client: Any = None
        self._lock = threading.Lock()  # one load at a time (start-up and poller)

    def _registry(self) -> Any:
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        return self._client

    def registry_versions(self) -> dict[str, str | None]:
        """Version behind ``exposure-<kind>@champion`` per kind (None: none registered). Raises when the store
        cannot be asked (unreachable, not a store)."""
        from mlflow.exceptions import MlflowException

        client = self._registry()
        out: dict[str, str | None] = {}
        for kind in KINDS:
            try:
                out[kind] = str(client.get_model_version_by_alias(registered_name(kind), CHAMPION_ALIAS).version)
            except MlflowException as exc:
                if not is_not_found(exc):
                    raise
                out[kind] = None
        return out

    def load(self) -> Snapshot:
        """Load every champion now and swap it in; on failure keep serving the previous set (or the cached one)."""
        with self._lock:
            return self._load()

    def _load(self, wanted: dict[str, str | None] | None = None) -> Snapshot:
        previous = self.snapshot
        now = time.time()
        if wanted is None:
            try:
                wanted = self.registry_versions()
            except Exception as exc:  # the store is down or not a store: the loaded (or cached) set serves
                return self._store_down(previous, now, f"tracking store unreachable ({type(exc).__name__})")
        try:
            champions = ChampionSet.load(self.uri)
        except Exception as exc:  # an unreadable model or a failing artifact store: never crash the service
            # the type only: messages of loader errors may carry paths or URIs with credentials
            return self._refuse(previous, now, wanted, f"loading failed ({type(exc).__name__})", retry=True)
        problem = canary.check(champions)
        if problem is not None:
            return self._refuse(previous, now, wanted, problem, retry=False)
        self.snapshot = Snapshot(
            champions=champions,
            loaded_at=now,
            checked_at=now,
            reloads=previous.reloads + (previous.champions is not None),
            missing=dict(champions.missing),
            source="registry",
            refused=previous.refused,
            refusals=previous.refusals,
        )
        log.info("champions loaded: %s", _versions_text(self.snapshot.versions()))
        self._save_cache(champions)
        return self.snapshot

    def _save_cache(self, champions: ChampionSet) -> None:
        if self.cache_dir is None or not champions.estimators:
            return
        try:
            if cache.save(champions, self.cache_dir):
                log.info("champions cached for starts without the tracking store")
        except Exception as exc:  # a full disk must not stop serving
            log.warning("caching the champions failed (%s)", type(exc).__name__)

    def _from_cache(self, previous: Snapshot, now: float, why: str) -> Snapshot | None:
        """The cached set (checked like any other) when nothing is loaded yet; None when there is none usable."""
        if self.cache_dir is None:
            return None
        try:
            champions, saved_at = cache.load(self.cache_dir)
        except cache.CacheError as exc:
            log.warning("no cached champions to fall back on: %s", exc)
            return None
        problem = canary.check(champions)
        if problem is not None:
            log.warning("cached champions refused: %s", problem)
            return None
        note = f"{why}; serving the last good champions, cached at {_when(saved_at)}"
        log.warning("%s: %s", note, _versions_text(dict(champions.versions())))
        return replace(
            previous,
            champions=champions,
            error=why,
            loaded_at=now,
            checked_at=now,
            missing=dict(champions.missing),
            source="cache",
            note=note,
            cached_at=saved_at,
        )

    def _store_down(self, previous: Snapshot, now: float, why: str) -> Snapshot:
        if previous.champions is None and (cached := self._from_cache(previous, now, why)) is not None:
            self.snapshot = cached
            return cached
        log.warning("champion load failed: %s", why)
        self.snapshot = replace(
            previous,
            error=f"{why}; retrying every poll" if previous.champions is None else why,
            checked_at=now,
        )
        return self.snapshot

    def _refuse(
        self, previous: Snapshot, now: float, versions: dict[str, str | None], why: str, retry: bool
    ) -> Snapshot:
        last = previous.refused
        again = last is not None and last.versions == versions and last.reason == why
        refusal = Refusal(versions=dict(versions), reason=why, at=now, retry=retry)
        keeping = _versions_text(previous.versions()) if previous.champions is not None else "nothing loaded"
        log.warning("refused champions %s: %s (serving: %s)", _versions_text(versions), why, keeping)
        counted = replace(previous, refused=refusal, refusals=previous.refusals + (not again), checked_at=now)
        if previous.champions is None:
            cached = self._from_cache(counted, now, f"champions refused ({why})")
            if cached is not None:
                self.snapshot = cached
                return cached
            self.snapshot = replace(counted, error=f"champions refused: {why}")
            return self.snapshot
        self.snapshot = replace(counted, error=why if retry else previous.error)
        return self.snapshot

    def refresh(self) -> bool:
        """Reload if the registry's champions differ from the loaded ones (or the last load failed, or the loaded
        ones came from the cache); a set refused by the check is not tried again until the aliases move."""
        with self._lock:
            current = self.snapshot
            try:
                wanted = self.registry_versions()
            except Exception as exc:
                log.warning("champion poll failed: %s", type(exc).__name__)
                return False
            settled = current.error is None and current.source == "registry"
            refused = current.refused
            if (wanted == current.versions() and settled) or (
                refused is not None and not refused.retry and refused.versions == wanted
            ):
                self.snapshot = replace(current, checked_at=time.time())
                return False
            before = current.versions()
            after = self._load(wanted)
            return after.versions() != before

    async def poll(self, interval_s: float) -> None:
        """Refresh every ``interval_s`` seconds until cancelled (loads run in a worker thread)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception as exc:  # keep polling whatever happens
                log.warning("champion refresh failed: %s", type(exc).__name__)

"""The last good champion set on local disk, so that the service can start when the tracking store cannot be reached.

Every set the service swaps in (loaded from the registry and checked by :mod:`serving.canary`) is written under
``EXPOSURE_MODEL_CACHE_DIR`` (default ``$EXPOSURE_HOME/serving-cache``): one folder per set under ``sets/`` with a
joblib file per estimator (one per kind) and ``manifest.json`` (name, version, run id, metrics and the SHA-256 of
each file), and a ``CURRENT`` file naming the folder. A set is written in full first,
then ``CURRENT`` is replaced in one ``os.replace``: a reader (another worker, the next start) sees the old set or
the new one, never half of one. Folders no longer named by ``CURRENT`` are removed after a minute (another worker
may still be reading one).

The files are pickles, trusted like the MLflow artifacts they come from: keep the folder writable only by the
service.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import joblib

from serving.estimate import ChampionSet, LoadedEstimator

log = logging.getLogger("exposure.serving")
FORMAT = 2  # 2: one estimator per kind (1 held one model per target)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
PRUNE_AFTER_S = 60.0  # not-law: seconds


class CacheError(RuntimeError):
    """The cache holds no usable set (the message says why, without paths' contents or case data)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _identity(models: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {t: (str(m["version"]), str(m["run_id"])) for t, m in models.items()}


def _current(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return root / "sets" / name


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of the current set, or None when there is none (or it is unreadable)."""
    folder = _current(root)
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def save(champions: ChampionSet, root: Path) -> bool:
    """Write ``champions`` as the current set (atomically); False when the cache already holds these versions."""
    models: dict[str, dict[str, Any]] = {
        k: {"name": m.name, "version": m.version, "run_id": m.run_id, "metrics": m.metrics}
        for k, m in champions.estimators.items()
    }
    existing = read_manifest(root)
    if existing is not None and _identity(existing.get("models", {})) == _identity(models):
        return False
    sets = root / "sets"
    sets.mkdir(parents=True, exist_ok=True)
    stamp = "-".join(f"{m['version']}" for m in models.values()) or "empty"
    folder = sets / f"{time.strftime('%Y%m%dT%H%M%S')}-{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
    partial = folder.with_name(f".{folder.name}.partial")
    partial.mkdir()
    try:
        for kind, model in champions.estimators.items():
            path = partial / f"{kind}.joblib"
            joblib.dump(model.estimator, path)
            with path.open("rb+") as fh:
                os.fsync(fh.fileno())
            models[kind]["file"] = path.name
            models[kind]["sha256"] = _sha256(path)
        manifest = {"format": FORMAT, "saved_at": time.time(), "models": models, "missing": champions.missing}
        _fsync_write(partial / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        partial.rename(folder)
        pointer = root / f".{CURRENT}.{os.getpid()}.tmp"
        _fsync_write(pointer, folder.name.encode())
        os.replace(pointer, root / CURRENT)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _prune(root, keep=folder)
    return True


def _prune(root: Path, keep: Path) -> None:
    now = time.time()
    for entry in (root / "sets").iterdir():
        if entry == keep:
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > PRUNE_AFTER_S:
                shutil.rmtree(entry)


def load(root: Path) -> tuple[ChampionSet, float]:
    """The current cached set and the Unix time it was written; :class:`CacheError` when there is none usable."""
    folder = _current(root)
    if folder is None:
        raise CacheError("no cached champions")
    manifest = read_manifest(root)
    if manifest is None or manifest.get("format") != FORMAT:
        raise CacheError("the cached manifest is missing or of another format")
    out = ChampionSet(missing={str(k): str(v) for k, v in manifest.get("missing", {}).items()})
    for kind, card in manifest.get("models", {}).items():
        path = folder / str(card.get("file", ""))
        try:
            if _sha256(path) != card.get("sha256"):
                raise CacheError(f"the cached {kind} model does not match its checksum")
            estimator = joblib.load(path)
        except CacheError:
            raise
        except Exception as exc:  # a truncated or foreign file: say which, not what it held
            raise CacheError(f"the cached {kind} model cannot be read ({type(exc).__name__})") from None
        out.estimators[kind] = LoadedEstimator(
            kind=kind,
            estimator=estimator,
            name=str(card["name"]),
            version=str(card["version"]),
            run_id=str(card["run_id"]),
            metrics={str(k): float(v) for k, v in card.get("metrics", {}).items()},
        )
    return out, float(manifest.get("saved_at", 0.0))

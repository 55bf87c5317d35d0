"""The environment a run was made in, recorded with every MLflow run (training and experiments).

``make install`` installs exactly ``requirements.lock``; a run records the lock's SHA-256, the locked versions,
whether the running interpreter matches the lock (and how it differs), and what else moves floating-point results:
the Python build, the platform and the SIMD extensions NumPy dispatches to (on CPUs with AVX-512 NumPy computes
``log1p``, ``expm1``, ``exp`` and ``log`` with other code than elsewhere, last bits differ; numpy/numpy#23523).
Two runs with the same lock digest, matching environments and the same SIMD set give the same numbers.
"""

from __future__ import annotations

import hashlib
import platform
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
TAG_LOCK = "exposure.lock_sha256"
TAG_MATCHES = "exposure.environment_matches_lock"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock: Path) -> dict[str, str]:
    """``{canonical name: version}`` of the ``name==version`` pins of a requirements lock."""
    out: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            out[_canonical(match.group(1))] = match.group(2)
    return out


def _installed() -> dict[str, str]:
    out: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name != "exposure":
            out[_canonical(name)] = dist.version
    return out


def _simd() -> list[str]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__  # the dispatch NumPy chose at import
    except ImportError:  # pragma: no cover - another NumPy layout
        return []
    return sorted(name for name, on in __cpu_features__.items() if on)


@lru_cache(maxsize=1)
def environment_record(lock: Path = LOCK) -> dict[str, Any]:
    """What ``environment.json`` of a run holds (computed once per process)."""
    record: dict[str, Any] = {
        "lock_file": lock.name,
        "lock_sha256": None,
        "locked": {},
        "matches_lock": None,
        "differences": [],
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "numpy_simd": _simd(),
    }
    if not lock.is_file():
        record["differences"] = [f"no {lock.name} beside the code (not an editable install of the repository)"]
        return record
    locked = locked_versions(lock)
    installed = _installed()
    differences = [
        f"{name} {installed.get(name, 'not installed')} (locked {locked[name]})"
        for name in sorted(locked)
        if installed.get(name) != locked[name]
    ]
    record.update(
        lock_sha256=hashlib.sha256(lock.read_bytes()).hexdigest(),
        locked=locked,
        matches_lock=not differences,
        differences=differences,
    )
    return record


def environment_tags() -> dict[str, str]:
    """The run tags: the lock's digest and whether the environment matched it."""
    record = environment_record()
    return {
        TAG_LOCK: str(record["lock_sha256"]),
        TAG_MATCHES: str(record["matches_lock"]).lower(),
    }

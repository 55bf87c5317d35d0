"""scripts/audit_deps.py against a real local HTTP server that plays PyPI's JSON API (project pages)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.utils import canonicalize_name

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit_deps.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module
    spec.loader.exec_module(module)
    return module


audit_deps = _load_script()

INSTALLED: dict[str, str] = {  # canonical name -> version; the tests look names up as plain str
    canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]
}


class FakePyPI:
    """Project pages: every installed package at its installed version, unless a test overrides one."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any] | None] = {}  # None -> 404
        self.requests: list[str] = []

    def page(self, name: str) -> dict[str, Any] | None:
        if name in self.pages:
            return self.pages[name]
        if name in INSTALLED:
            return {"info": {"version": INSTALLED[name], "requires_python": None}, "vulnerabilities": []}
        return None


@pytest.fixture()
def pypi() -> Iterator[tuple[FakePyPI, str]]:
    fake = FakePyPI()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            parts = self.path.strip("/").split("/")  # pypi/<name>/json
            page = fake.page(parts[1]) if len(parts) == 3 and parts[2] == "json" else None
            body = json.dumps(page or {"message": "Not Found"}).encode()
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_port}/pypi"
    finally:
        server.shutdown()
        server.server_close()


def _advisory(vuln_id: str, fixed: list[str], withdrawn: str | None = None) -> dict[str, Any]:
    return {"id": vuln_id, "aliases": ["CVE-2099-0001"], "fixed_in": fixed, "withdrawn": withdrawn}


def test_a_package_at_its_latest_release_is_fully_audited(pypi: tuple[FakePyPI, str]) -> None:
    fake, url = pypi
    fake.pages["demo-lib"] = {"info": {"version": "2.0"}, "vulnerabilities": []}
    result = audit_deps.audit_project_pages({"demo-lib": "2.0"}, url)
    assert result.audited == ["demo-lib 2.0"]
    assert result.partial == [] and result.unaudited == [] and result.advisories == []
    assert fake.requests == ["/pypi/demo-lib/json"]


def test_an_open_advisory_is_reported_and_a_withdrawn_one_is_not(pypi: tuple[FakePyPI, str]) -> None:
    fake, url = pypi
    fake.pages["demo-lib"] = {
        "info": {"version": "2.0"},
        "vulnerabilities": [
            _advisory("PYSEC-2099-1", ["2.1"]),
            _advisory("PYSEC-2099-2", [], withdrawn="2099-01-01"),
        ],
    }
    result = audit_deps.audit_project_pages({"demo-lib": "2.0"}, url)
    assert [(a.package, a.version, a.id, a.fixed_in) for a in result.advisories] == [
        ("demo-lib", "2.0", "PYSEC-2099-1", ["2.1"])
    ]
    assert "PYSEC-2099-1 (CVE-2099-0001), fixed in: 2.1" in result.advisories[0].line()


def test_a_package_behind_its_latest_release_is_listed_as_partly_audited_with_why(
    pypi: tuple[FakePyPI, str],
) -> None:
    fake, url = pypi
    fake.pages["new-python-only"] = {
        "info": {"version": "9.0", "requires_python": ">=3.99"},
        "vulnerabilities": [],
    }
    fake.pages["stale-lib"] = {"info": {"version": "9.0", "requires_python": ">=3.8"}, "vulnerabilities": []}
    fake.pages["gone-lib"] = None
    result = audit_deps.audit_project_pages({"new-python-only": "1.0", "stale-lib": "1.0", "gone-lib": "1.0"}, url)
    assert result.audited == []
    assert result.partial == [
        "new-python-only 1.0 (latest 9.0: needs Python >=3.99)",
        "stale-lib 1.0 (latest 9.0: no installed package caps it)",
    ]
    assert result.unaudited == ["gone-lib 1.0: not on PyPI"]


def test_a_cap_in_an_installed_package_is_named(pypi: tuple[FakePyPI, str]) -> None:
    """pytest requires pluggy<2: pluggy's latest at 2.0 is held back by pytest."""
    fake, url = pypi
    fake.pages["pluggy"] = {"info": {"version": "2.0.0", "requires_python": ">=3.8"}, "vulnerabilities": []}
    result = audit_deps.audit_project_pages({"pluggy": INSTALLED["pluggy"]}, url)
    assert len(result.partial) == 1
    assert "held back by pytest (pluggy<2" in result.partial[0]


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--no-pip-audit", "--pypi-url", url, *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _lock(tmp_path: Path, pins: dict[str, str]) -> Path:
    """A lock in the format of requirements.lock (uv pip compile --generate-hashes): pins, hash lines, comments."""
    lines = ["# This file was autogenerated by uv via the following command:", "#    make lock"]
    for name, version in pins.items():
        lines += [f"{name}=={version} \\", "    --hash=sha256:" + "0" * 64, "    # via exposure (pyproject.toml)"]
    path = tmp_path / "requirements.lock"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_command_audits_exactly_the_locked_versions(pypi: tuple[FakePyPI, str], tmp_path: Path) -> None:
    fake, url = pypi
    pins = {name: INSTALLED[name] for name in ("httpx", "packaging", "pytest")}
    proc = _run(url, "--lock", str(_lock(tmp_path, pins)))
    assert proc.returncode == 0, proc.stderr
    assert "no known advisories in 3 locked packages (3 fully audited" in proc.stdout
    assert sorted(fake.requests) == ["/pypi/httpx/json", "/pypi/packaging/json", "/pypi/pytest/json"]
    # this interpreter has more than the three: said, and --strict refuses an environment that is not the lock's
    assert "differs from requirements.lock" in proc.stderr and "installed, not locked" in proc.stderr
    strict = _run(url, "--lock", str(_lock(tmp_path, pins)), "--strict")
    assert strict.returncode == 1


def test_the_command_fails_on_an_advisory_against_a_locked_version(
    pypi: tuple[FakePyPI, str], tmp_path: Path
) -> None:
    fake, url = pypi
    fake.pages["httpx"] = {
        "info": {"version": "0.1"},
        "vulnerabilities": [_advisory("GHSA-test-0000-0000", ["99.0"])],
    }
    proc = _run(url, "--lock", str(_lock(tmp_path, {"httpx": "0.1"})))  # the lock, not what is installed
    assert proc.returncode == 1
    assert "dependency audit FAILED" in proc.stderr
    assert "httpx 0.1: GHSA-test-0000-0000 (CVE-2099-0001), fixed in: 99.0" in proc.stderr
    assert "httpx " + INSTALLED["httpx"] + " installed, 0.1 locked" in proc.stderr


def test_drift_between_the_lock_and_the_environment_is_named() -> None:
    drift = audit_deps.environment_drift({"a": "1.0", "b": "2.0", "c": "3.0"}, {"a": "1.0", "b": "2.1", "d": "4"})
    assert drift == ["b 2.1 installed, 2.0 locked", "c 3.0 locked, not installed", "d 4 installed, not locked"]


def test_the_repository_lock_pins_everything_pyproject_asks_for() -> None:
    """requirements.lock is current: every dependency, extra and install-group requirement of pyproject.toml is
    pinned at a version it admits (a dependency added without `make lock` fails here)."""
    import tomllib

    from packaging.requirements import Requirement

    root = SCRIPT.parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    locked = audit_deps.locked_versions(root / "requirements.lock")
    wanted = [
        *project["project"]["dependencies"],
        *(r for extra in project["project"]["optional-dependencies"].values() for r in extra),
        *project["dependency-groups"]["install"],
    ]
    for line in wanted:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), f"{name}=={locked[name]} does not fit {req}"
    assert {"pip", "setuptools", "wheel", "uv"} <= locked.keys()
    lines = (root / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [line for line in lines if audit_deps._PIN.match(line)]
    assert all(line.endswith("\\") for line in pins), "every pin carries hashes (pip --require-hashes)"


def test_an_unreachable_service_warns_and_fails_only_when_strict(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9/pypi"  # discard port: connection refused
    lock = str(_lock(tmp_path, {"httpx": INSTALLED["httpx"]}))
    proc = _run(dead, "--lock", lock)
    assert proc.returncode == 0
    assert "dependency audit NOT done" in proc.stderr
    strict = _run(dead, "--lock", lock, "--strict")
    assert strict.returncode == 1
    assert "dependency audit NOT done" in strict.stderr

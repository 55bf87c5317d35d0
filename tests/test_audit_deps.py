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


def test_the_command_passes_when_every_installed_package_is_clean(pypi: tuple[FakePyPI, str]) -> None:
    fake, url = pypi
    proc = _run(url)
    assert proc.returncode == 0, proc.stderr
    audited = len([n for n in INSTALLED if n != "exposure"])
    assert f"no known advisories in {audited} installed packages ({audited} fully audited" in proc.stdout
    assert "/pypi/exposure/json" not in fake.requests  # the editable project itself is not audited


def test_the_command_fails_on_an_advisory_against_an_installed_version(pypi: tuple[FakePyPI, str]) -> None:
    fake, url = pypi
    fake.pages["httpx"] = {
        "info": {"version": INSTALLED["httpx"]},
        "vulnerabilities": [_advisory("GHSA-test-0000-0000", ["99.0"])],
    }
    proc = _run(url)
    assert proc.returncode == 1
    assert "dependency audit FAILED" in proc.stderr
    assert f"httpx {INSTALLED['httpx']}: GHSA-test-0000-0000 (CVE-2099-0001), fixed in: 99.0" in proc.stderr


def test_an_unreachable_service_warns_and_fails_only_when_strict() -> None:
    dead = "http://127.0.0.1:9/pypi"  # discard port: connection refused
    proc = _run(dead)
    assert proc.returncode == 0
    assert "dependency audit NOT done" in proc.stderr
    strict = _run(dead, "--strict")
    assert strict.returncode == 1
    assert "dependency audit NOT done" in strict.stderr

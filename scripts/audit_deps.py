"""Dependency audit (``make lint``): no package pinned by ``requirements.lock`` may carry a known vulnerability.

What is audited is exactly the locked set (every ``name==version`` of the lock, the installer included): the
environment ``make install`` builds. The installed environment is compared with it and every difference (another
version, a locked package missing, a package installed but not locked) is listed, so that an audit of the lock
never passes for an environment that is not the locked one.

Two sources, tried in order:

1. ``pip-audit`` on the lock (``-r requirements.lock --disable-pip --no-deps``: the pinned versions, hashes
   checked, nothing resolved or installed). It asks PyPI for the advisories of each *locked version*
   (``/pypi/<name>/<version>/json``).
2. When pip-audit cannot reach that service (every package comes back "skipped" and pip-audit still says "No
   known vulnerabilities found", which is not a pass), the advisories PyPI publishes on each *project* page
   (``/pypi/<name>/json``). Those are the advisories (OSV / PyPA advisory database) open against the project's
   latest release, so a package locked at its latest release is fully audited; a package behind its latest
   release is only partly audited (an advisory fixed between the locked and the latest release would not
   show) and is listed by name, with both versions.

Exit status: 1 when any locked package has a known, not withdrawn advisory; 0 otherwise, with a WARNING naming
what could not be audited and how the environment differs from the lock. ``--strict`` also fails when no package
at all could be audited, or when the environment differs from the lock.

Usage: ``python scripts/audit_deps.py [--lock FILE] [--strict] [--pypi-url URL] [--no-pip-audit]``
(``--lock``: default ``requirements.lock`` beside ``pyproject.toml``; ``--pypi-url``: another PyPI JSON API root,
default https://pypi.org/pypi; ``--no-pip-audit``: go straight to the project-page audit).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI_JSON_API = "https://pypi.org/pypi"
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass
class Advisory:
    """One advisory against an installed package."""

    package: str
    version: str
    id: str
    fixed_in: list[str]
    aliases: list[str] = field(default_factory=list)

    def line(self) -> str:
        fixes = ", ".join(self.fixed_in) or "no fixed version yet"
        aka = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"  {self.package} {self.version}: {self.id}{aka}, fixed in: {fixes}"


@dataclass
class AuditResult:
    """What one source could say about the installed packages."""

    source: str
    audited: list[str] = field(default_factory=list)  # "name version", fully audited
    partial: list[str] = field(default_factory=list)  # "name version (latest X)", behind the latest release
    unaudited: list[str] = field(default_factory=list)  # "name version: reason"
    advisories: list[Advisory] = field(default_factory=list)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail when no package could be audited at all")
    parser.add_argument("--pypi-url", default=PYPI_JSON_API, help="PyPI JSON API root (default: %(default)s)")
    parser.add_argument("--no-pip-audit", action="store_true", help="skip pip-audit, audit the project pages")
    parser.add_argument("--lock", type=Path, default=LOCK, help="the lock file to audit (default: %(default)s)")
    args = parser.parse_args(argv)

    if not args.lock.is_file():
        print(f"dependency audit NOT done: no lock file {args.lock} (make lock writes it)", file=sys.stderr)
        return 1
    locked = locked_versions(args.lock)
    result = None if args.no_pip_audit else _pip_audit(args.lock)
    if result is None or not result.audited:
        if result is not None:
            print(
                f"pip-audit could not reach its vulnerability service ({len(result.unaudited)} packages skipped); "
                "auditing against PyPI's project pages instead",
                file=sys.stderr,
            )
        result = audit_project_pages(locked, args.pypi_url)
    status = _report(result, args.strict)
    drift = environment_drift(locked, _installed())
    if drift:
        print(
            f"WARNING: the installed environment differs from {args.lock.name} in {len(drift)} packages "
            "(make install restores it):\n" + "\n".join(f"  {line}" for line in drift),
            file=sys.stderr,
        )
        if args.strict:
            status = max(status, 1)
    return status


def locked_versions(lock: Path) -> dict[str, str]:
    """``{canonical name: version}`` of every ``name==version`` pin of a requirements lock (hash lines skipped)."""
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def environment_drift(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """How ``installed`` differs from ``locked``, one line per package, sorted by name."""
    out = []
    for name in sorted(locked.keys() | installed.keys()):
        want, have = locked.get(name), installed.get(name)
        if want == have:
            continue
        if have is None:
            out.append(f"{name} {want} locked, not installed")
        elif want is None:
            out.append(f"{name} {have} installed, not locked")
        else:
            out.append(f"{name} {have} installed, {want} locked")
    return out


def audit_project_pages(installed: dict[str, str], pypi_url: str) -> AuditResult:
    """Audit ``{name: version}`` (the locked versions) against the advisories on each project's PyPI JSON page."""
    result = AuditResult(source=f"PyPI project pages ({pypi_url})")
    with httpx.Client(timeout=30.0, follow_redirects=True) as client, ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(lambda name: _project_page(client, pypi_url, name), sorted(installed)))
    latest_of = {name: str(page.get("info", {}).get("version", "")) for name, page, _ in pages if page}
    holders = _holders(installed, latest_of)
    for (name, page, error), version in zip(pages, (installed[n] for n in sorted(installed)), strict=True):
        label = f"{name} {version}"
        if page is None:
            result.unaudited.append(f"{label}: {error}")
            continue
        latest = str(page.get("info", {}).get("version", ""))
        open_advisories = [v for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]
        for vuln in open_advisories:
            result.advisories.append(
                Advisory(
                    package=name,
                    version=version,
                    id=str(vuln.get("id", "?")),
                    fixed_in=[str(f) for f in vuln.get("fixed_in") or []],
                    aliases=[str(a) for a in vuln.get("aliases") or []],
                )
            )
        if _at_latest(version, latest):
            result.audited.append(label)
        else:
            # an advisory open against the latest release is reported above for us too (conservative);
            # one fixed between our version and the latest cannot be seen from the project page
            why = _why_behind(name, page, holders.get(name, []))
            result.partial.append(f"{label} (latest {latest}: {why})")
    return result


def _why_behind(name: str, page: dict[str, Any], holders: list[str]) -> str:
    """Why ``name`` is not at its latest release: another Python, a cap in an installed package, or neither."""
    requires_python = page.get("info", {}).get("requires_python") or ""
    python = ".".join(map(str, sys.version_info[:3]))
    if requires_python and not SpecifierSet(requires_python).contains(python, prereleases=True):
        return f"needs Python {requires_python}"
    if holders:
        return "held back by " + ", ".join(holders)
    return "no installed package caps it"


def _holders(installed: dict[str, str], latest: dict[str, str]) -> dict[str, list[str]]:
    """``{name: ["dist (requirement)", ...]}``: installed packages whose requirements exclude ``latest[name]``."""
    held: dict[str, list[str]] = {}
    for dist in metadata.distributions():
        for line in dist.requires or []:
            try:
                req = Requirement(line)
                target = canonicalize_name(req.name)
                if target not in latest or req.specifier.contains(latest[target], prereleases=True):
                    continue
            except (InvalidRequirement, InvalidVersion):
                continue
            marker = str(req.marker) if req.marker else ""
            if marker and "extra" not in marker and not req.marker.evaluate():  # type: ignore[union-attr]
                continue  # does not apply on this platform
            held.setdefault(target, []).append(f"{dist.metadata['Name']} ({req.name}{req.specifier})")
    return held


def _project_page(client: httpx.Client, pypi_url: str, name: str) -> tuple[str, dict[str, Any] | None, str]:
    try:
        response = client.get(f"{pypi_url.rstrip('/')}/{name}/json")
    except httpx.HTTPError as exc:
        return name, None, f"PyPI not reachable ({type(exc).__name__})"
    if response.status_code == 404:
        return name, None, "not on PyPI"
    if response.status_code != 200:
        return name, None, f"PyPI answered HTTP {response.status_code}"
    try:
        page = response.json()
    except ValueError:
        return name, None, "PyPI answered with something that is not JSON"
    return name, page if isinstance(page, dict) else None, "unexpected JSON"


def _at_latest(installed: str, latest: str) -> bool:
    try:
        return Version(installed) >= Version(latest)
    except InvalidVersion:
        return installed == latest


def _installed() -> dict[str, str]:
    """Installed distributions of this interpreter, ``{canonical name: version}``, editable installs left out."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        direct_url = dist.read_text("direct_url.json")
        if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
            continue  # the project itself (pip-audit --skip-editable does the same)
        found[canonicalize_name(name)] = dist.version
    return found


def _pip_audit(lock: Path) -> AuditResult | None:
    """pip-audit's verdict on the lock's pinned versions, or None when pip-audit itself did not run."""
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [
            str(pip_audit),
            *("-r", str(lock), "--disable-pip", "--no-deps", "--require-hashes"),
            *("--progress-spinner", "off", "-f", "json", "-o", str(report)),
        ]
        try:
            subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"pip-audit did not run ({type(exc).__name__})", file=sys.stderr)
            return None
        if not report.is_file():
            print("pip-audit wrote no report", file=sys.stderr)
            return None
        data = json.loads(report.read_text(encoding="utf-8"))
    result = AuditResult(source="pip-audit (advisories of each installed version)")
    for dep in data.get("dependencies", []):
        label = f"{dep['name']} {dep.get('version', '?')}"
        if dep.get("skip_reason"):
            result.unaudited.append(f"{label}: {dep['skip_reason']}")
            continue
        result.audited.append(label)
        for vuln in dep.get("vulns", []):
            result.advisories.append(
                Advisory(
                    package=dep["name"],
                    version=dep.get("version", "?"),
                    id=vuln["id"],
                    fixed_in=list(vuln.get("fix_versions") or []),
                    aliases=list(vuln.get("aliases") or []),
                )
            )
    return result


def _report(result: AuditResult, strict: bool) -> int:
    if result.advisories:
        packages = {a.package for a in result.advisories}
        print(
            f"dependency audit FAILED ({result.source}): {len(result.advisories)} known advisories in "
            f"{len(packages)} locked packages:",
            file=sys.stderr,
        )
        for advisory in result.advisories:
            print(advisory.line(), file=sys.stderr)
        return 1
    checked = len(result.audited) + len(result.partial)
    print(
        f"dependency audit ({result.source}): no known advisories in {checked} locked packages "
        f"({len(result.audited)} fully audited, {len(result.partial)} behind their latest release)"
    )
    if result.partial:
        print("  behind their latest release, checked only against the advisories open in that release:")
        for line in result.partial:
            print(f"    {line}")
    if result.unaudited:
        print(
            f"WARNING: {len(result.unaudited)} locked packages could not be audited: "
            + "; ".join(result.unaudited[:10])
            + (" ..." if len(result.unaudited) > 10 else ""),
            file=sys.stderr,
        )
    if checked == 0:
        print("WARNING: dependency audit NOT done: no locked package could be audited", file=sys.stderr)
        return 1 if strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

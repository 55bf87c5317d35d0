"""Dependency audit (``make lint``): pip-audit over the installed environment, the project itself skipped.

Fails (exit 1) when a known vulnerability is reported for an installed version. When pip-audit cannot reach its
vulnerability service, every package comes back as "skipped" and pip-audit still says "No known vulnerabilities
found"; that is not a pass, so this prints a WARNING with the number of packages that could not be audited and
exits 0 (a machine without the advisory service must still be able to run the tests). Usage:
``python scripts/audit_deps.py [--strict]`` (``--strict``: an audit that could not run fails too).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [str(pip_audit), "--skip-editable", "--progress-spinner", "off", "-f", "json", "-o", str(report)]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return _not_run(f"pip-audit did not run ({type(exc).__name__})", strict)
        if not report.is_file():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return _not_run(f"pip-audit failed: {last[:300]}", strict)
        data = json.loads(report.read_text(encoding="utf-8"))
    deps = data.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    if vulnerable:
        print(f"dependency audit: known vulnerabilities in {len(vulnerable)} installed packages:", file=sys.stderr)
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})", file=sys.stderr)
        return 1
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no packages reported"
        return _not_run(
            f"none of the {len(skipped)} installed packages could be audited (the vulnerability service is not "
            f"reachable from here; first reason: {reason})",
            strict,
        )
    note = f"; {len(skipped)} could not be audited" if skipped else ""
    print(f"dependency audit: no known vulnerabilities in {len(audited)} audited packages{note}")
    return 0


def _not_run(message: str, strict: bool) -> int:
    print(f"WARNING: dependency audit NOT done: {message}", file=sys.stderr)
    return 1 if strict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

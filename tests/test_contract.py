"""The committed API contract (docs/openapi.json) and ``exposure openapi``: the service matches it, and changes
are named, with the ones that break existing clients called breaking."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from serving.contract import compare, dumps, openapi_document

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def _committed() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def _exposure(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "300", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "exposure", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_the_service_matches_the_committed_contract() -> None:
    """Fails whenever the API changes without docs/openapi.json: run `exposure openapi --out docs/openapi.json`
    and review the diff (clients generate their code from that file)."""
    document = openapi_document()
    diff = compare(_committed(), document)
    assert diff.breaking == [] and diff.compatible == [] and diff.documentation == []
    assert dumps(document) == CONTRACT.read_text(encoding="utf-8")
    assert document["info"]["version"] == "1"
    assert {"POST /v1/criminal/estimate", "POST /v1/civil/estimate:batch", "GET /v1/models"} <= {
        f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item
    }


def test_removals_new_requirements_and_type_changes_are_breaking() -> None:
    old = _committed()
    new = copy.deepcopy(old)
    del new["paths"]["/v1/civil/estimate"]
    del new["components"]["schemas"]["CriminalEstimate"]["properties"]["p_custodial_le_36_months"]
    new["components"]["schemas"]["FactsRequest"]["required"].append("case")
    new["components"]["schemas"]["Interval"]["properties"]["level"] = {"type": "string"}
    del new["components"]["schemas"]["Multiple"]
    diff = compare(old, new)
    assert diff.breaking == [
        "operation removed: POST /v1/civil/estimate",
        "schema removed: Multiple",
        "property removed: CriminalEstimate.p_custodial_le_36_months",
        "property became required: FactsRequest.case",
        "property type changed: Interval.level (number -> string)",
    ]


def test_additions_are_compatible_and_text_changes_are_documentation() -> None:
    old = _committed()
    new = copy.deepcopy(old)
    new["paths"]["/v1/ping"] = {"get": {"responses": {"200": {"description": "pong"}}}}
    new["components"]["schemas"]["SimilarCase"]["properties"]["province"] = {"type": "string"}
    new["components"]["schemas"]["Readiness"]["properties"]["region"] = {"type": "string"}
    new["components"]["schemas"]["Readiness"]["required"].append("region")  # an answer: readers are fine
    new["components"]["schemas"]["CivilCase"]["properties"]["court_level"] = {"type": "string"}
    new["components"]["schemas"]["CivilCase"]["required"] = ["court_level"]  # a request: senders break
    new["components"]["schemas"]["Span"]["properties"]["text"]["description"] = "reworded"
    new["info"]["summary"] = "reworded"
    diff = compare(old, new)
    assert diff.compatible == [
        "operation added: GET /v1/ping",
        "property added (required): Readiness.region",
        "property added: SimilarCase.province",
    ]
    assert diff.breaking == ["property added (required): CivilCase.court_level"]
    assert diff.documentation == [
        "property changed (text, example or bounds): Span.text",
        "document info, tags or security schemes changed",
    ]


def test_check_command_passes_on_the_repository_and_names_breaking_changes(tmp_path: Path) -> None:
    ok = _exposure("openapi", "--check", str(CONTRACT))
    assert ok.returncode == 0, ok.stderr
    assert "matches the committed contract" in ok.stderr

    stale = _committed()
    del stale["paths"]["/v1/extract"]  # the service has an operation the contract lacks: an addition
    stale["components"]["schemas"]["CivilEstimate"]["properties"]["legacy_total"] = {"type": "number"}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    changed = _exposure("openapi", "--check", str(path))
    assert changed.returncode == 1
    assert "BREAKING for existing clients (1)" in changed.stderr
    assert "property removed: CivilEstimate.legacy_total" in changed.stderr
    assert "operation added: POST /v1/extract" in changed.stderr
    assert f"exposure openapi --out {path}" in changed.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("{not json", "not JSON")],
)
def test_check_command_refuses_a_missing_or_broken_contract(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "openapi.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    proc = _exposure("openapi", "--check", str(path))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_openapi_writes_the_canonical_document(tmp_path: Path) -> None:
    out = tmp_path / "contract.json"
    proc = _exposure("openapi", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == CONTRACT.read_text(encoding="utf-8")
    stdout = _exposure("openapi")
    assert json.loads(stdout.stdout) == _committed()

"""Counsel's questions over real HTTP (issues 16 and 17): a real uvicorn process on the champions of ``trained_home``.

- the deviation check of a proposed sentence (the README's example) and of a civil award: its percentile in the
  predictive distribution, the ranges it lies in, the similar cases below and above it, refused sentences named by
  field; the report prints it; ``exposure check`` gives the same numbers;
- levers in every criminal answer (estimate, ``exposure predict --full``), each option the estimate of the case
  with that fact changed;
- co-defendants: one request, one estimate per defendant, an accessory never above a principal on the same facts;
- a whole judgment uploaded (docx, GB18030 text) or pasted: each defendant's facts with their spans, the estimate,
  and where the stated sentence falls in it; bodies never logged, the body limit applies.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from judgment_texts import TWO_DEFENDANTS, UNIT_AND_SEVERAL_CHARGES
from servers import app_env, free_port, start, uvicorn_command
from validated import validated

from features.law.table import load_law_table
from serving.schemas import CivilCheck, CodefendantsResponse, CriminalCheck, CriminalEstimate, JudgmentResponse

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "seeds" / "examples"
LAW = load_law_table()
LIMIT_BYTES = 64 * 1024  # not-law: the served app's body limit in these tests


class Served(NamedTuple):
    url: str
    log: Path
    home: Path


@pytest.fixture(scope="module")
def served(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    env = app_env(trained_home, EXPOSURE_RELOAD_INTERVAL_S="0", EXPOSURE_MAX_BODY_BYTES=str(LIMIT_BYTES))
    logs = tmp_path_factory.mktemp("counsel-server")
    server = start("counsel", uvicorn_command(port), env, logs, port)
    try:
        server.wait(path="/readyz")
        yield Served(server.url, server.log, trained_home)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60.0) as client:
        yield client


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return loaded


def _log(served: Served) -> str:
    time.sleep(0.2)
    return served.log.read_text(encoding="utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------------- checks
def test_a_proposed_sentence_is_placed_in_the_estimate(http: httpx.Client) -> None:
    body = _example("criminal_check.json")  # the README's example: 30 months for the example case
    r = http.post("/v1/criminal/check", json=body)
    assert r.status_code == 200, r.text
    check = r.json()
    validated(CriminalCheck, check)
    term = check["custodial_months"]
    assert term["value"] == 30 and check["sentence"]["custodial_months"] == 30
    # the mid-distribution percentile of 30 months: 100 x (P(< 30) + P(= 30) / 2)
    mass = 1 - term["p_below"] - term["p_above"]
    assert check["percentile"] == term["percentile"] == pytest.approx(100 * (term["p_below"] + mass / 2), abs=0.1)
    # the estimate it is placed in is the estimate of the same case
    estimate = http.post("/v1/criminal/estimate", json=body["case"]).json()
    assert check["estimate"] == estimate
    assert term["point"] == estimate["custodial_months"]["point"]
    # the ranges: the 80% one is the answer's own; 95% contains 80%; outside is as the numbers say
    by_level = {r["level"]: r for r in term["ranges"]}
    assert set(by_level) == {0.8, 0.95}
    assert (by_level[0.8]["low"], by_level[0.8]["high"]) == (
        estimate["custodial_months"]["low"],
        estimate["custodial_months"]["high"],
    )
    assert by_level[0.95]["low"] <= by_level[0.8]["low"] and by_level[0.95]["high"] >= by_level[0.8]["high"]
    for level, flag in ((0.8, "outside_80"), (0.95, "outside_95")):
        outside = not by_level[level]["low"] <= 30 <= by_level[level]["high"]
        assert term[flag] is outside is by_level[level]["outside"]
    # the band's legal range (Criminal Law Art. 253-1) and where 30 months stands against it
    low, high = estimate["custodial_months"]["legal_range"]
    assert term["legal_range"] == [low, high]
    assert term["legal_position"] == ("below_minimum" if low > 30 else "above_maximum" if high < 30 else "within")
    # similar cases on each side, with their sources; the plain sentence names the term and the percentile
    assert check["similar_below"] or check["similar_above"]
    for ref in check["similar_below"]:
        assert ref["outcome"]["custodial_months"] < 30
    for ref in check["similar_above"]:
        assert ref["outcome"]["custodial_months"] > 30
    for ref in check["similar_below"] + check["similar_above"] + check["similar_equal"]:
        assert ref["source_url"] or ref["source_title"]
    assert check["summary"][0].startswith("Custodial term: 30 months is ")
    assert f"percentile {check['percentile']:g}" in check["summary"][0]
    # the fine: against its distribution and the Interp. 2017 Art. 12 guideline of 1-5x the gains
    fine = check["fine_yuan"]
    gains = body["case"]["illegal_profit_yuan"]
    assert fine["value"] == 20000 and fine["guideline_yuan"] == [gains * m for m in LAW.fine_gains_multiple]
    assert fine["within_guideline"] is (
        gains * LAW.fine_gains_multiple[0] <= 20000 <= gains * LAW.fine_gains_multiple[1]
    )
    # not suspended: the probability of that outcome is 1 - P(probation)
    assert check["probation"]["suspended"] is False
    assert check["probation"]["p_this"] == pytest.approx(1 - estimate["probation_probability"], abs=1e-3)


def test_the_percentile_grows_with_the_sentence(http: httpx.Client) -> None:
    case = _example("criminal_check.json")["case"]
    percentiles = []
    for months in (0, 6, 12, 24, 36, 48, 60, 84):
        check = http.post(
            "/v1/criminal/check", json={"case": case, "sentence": {"custodial_months": months}}
        ).json()
        percentiles.append(check["percentile"])
        if check["custodial_months"]["outside_95"]:
            assert check["custodial_months"]["outside_80"], "the 95% range contains the 80% one"
    assert percentiles == sorted(percentiles), percentiles  # a distribution function never decreases
    top = LAW.ranges[max(LAW.ranges, key=lambda b: LAW.ranges[b][1])][1]  # Art. 253-1: at most 7 years
    above = http.post("/v1/criminal/check", json={"case": case, "sentence": {"custodial_months": top + 12}}).json()
    assert above["custodial_months"]["legal_position"] == "above_maximum" and above["percentile"] == 100
    assert any("Criminal Law Art. 253-1" in n for n in above["notes"])


def test_a_sentence_the_law_does_not_allow_is_refused_by_field(http: httpx.Client, served: Served) -> None:
    case = {**_example("criminal_check.json")["case"], "court": "SECRET-court-7"}
    term = LAW.probation_max_months + 12  # Criminal Law Art. 72: probation only for terms up to the limit
    r = http.post(
        "/v1/criminal/check", json={"case": case, "sentence": {"custodial_months": term, "probation_months": term}}
    )
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["field"] == "sentence.probation_months"
    assert f"{LAW.probation_max_months:g} months" in error["reason"] and "Art. 72" in error["reason"]
    r = http.post("/v1/criminal/check", json={"case": {"records_total": -1}, "sentence": {"custodial_months": 3}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "case.records_total"
    r = http.post("/v1/criminal/check", json={"case": {}, "sentence": {"custodial_months": 3}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "case", "an estimate rests on a fact"
    r = http.post("/v1/criminal/check", json={"case": case})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "sentence"
    assert "SECRET-court-7" not in _log(served)


def test_an_award_is_placed_in_the_estimate_and_against_the_claim(http: httpx.Client) -> None:
    body = _example("civil_check.json")
    r = http.post("/v1/civil/check", json=body)
    assert r.status_code == 200, r.text
    check = r.json()
    validated(CivilCheck, check)
    claimed = body["case"]["claimed_yuan"]
    assert check["share_of_claim"] == pytest.approx(300000 / claimed, abs=1e-3)
    assert check["estimate"] == http.post("/v1/civil/estimate", json=body["case"]).json()
    for ref in check["similar_below"]:
        assert ref["outcome"]["awarded_total_yuan"] < 300000
    for ref in check["similar_above"]:
        assert ref["outcome"]["awarded_total_yuan"] > 300000
    over = http.post("/v1/civil/check", json={**body, "award": {"awarded_total_yuan": claimed * 2}}).json()
    assert over["percentile"] == 100, "a court awards no more than is claimed: nothing in the estimate is above"
    assert any("above the claim" in n for n in over["notes"])


def test_the_report_prints_the_check_and_the_levers(http: httpx.Client) -> None:
    body = _example("criminal_check.json")
    check = http.post("/v1/criminal/check", json=body).json()
    r = http.post("/v1/criminal/check/report", json=body)
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
    html = r.text
    assert f'data-percentile="{check["percentile"]}"' in html
    for sentence in check["summary"]:
        assert sentence in html
    assert 'id="levers-table"' in html and "<script" not in html
    levers = check["estimate"]["levers"]
    assert html.count('<tr data-lever="') == sum(len(lv["options"]) for lv in levers)


def test_exposure_check_prints_the_same_numbers(http: httpx.Client, served: Served) -> None:
    env = {**os.environ, "EXPOSURE_HOME": str(served.home), "NO_COLOR": "1"}
    env.pop("EXPOSURE_TRACKING_URI", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    path = EXAMPLES / "criminal_check.json"
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "check", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = json.loads(proc.stdout)
    served_check = http.post("/v1/criminal/check", json=json.loads(path.read_text(encoding="utf-8"))).json()
    served_check.pop("estimate")
    assert {k: v for k, v in printed.items() if k != "case_id"} == {
        k: v for k, v in served_check.items() if k != "case_id"
    }
    text = subprocess.run(
        [sys.executable, "-m", "exposure", "check", str(path), "--text"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert text.returncode == 0 and served_check["summary"][0] in text.stdout


# ---------------------------------------------------------------------------------------------------- levers
def test_levers_are_in_every_criminal_answer(http: httpx.Client, served: Served) -> None:
    case = json.loads((EXAMPLES / "criminal_case.json").read_text(encoding="utf-8"))
    answer = http.post("/v1/criminal/estimate", json=case).json()
    validated(CriminalEstimate, answer)
    names = [lv["name"] for lv in answer["levers"]]
    # the example: plea, restitution and confession stated; surrender not stated; an insider who sold; a sole
    # defendant (no accessory role); 30,000 parcel records set the band
    assert names == ["guilty_plea", "restitution", "surrender", "truthful_confession", "insider", "records"]
    surrender = answer["levers"][names.index("surrender")]
    assert surrender["state"] == "unknown" and [o["value"] for o in surrender["options"]] == [True, False]
    # each option is the estimate of the case with that fact changed, through the same door
    for lever in answer["levers"]:
        for option in lever["options"]:
            alone = http.post("/v1/criminal/estimate?levers=false", json={**case, **option["update"]}).json()
            assert option["custodial_months"]["point"] == alone["custodial_months"]["point"], lever["name"]
            assert option["fine_yuan"]["point"] == alone["fine_yuan"]["point"]
            assert option["band"] == alone["band"]
    plain = http.post("/v1/criminal/estimate?levers=false", json=case).json()
    assert "levers" not in plain and plain == {k: v for k, v in answer.items() if k != "levers"}
    # exposure predict --full prints them too
    env = {**os.environ, "EXPOSURE_HOME": str(served.home), "NO_COLOR": "1"}
    env.pop("EXPOSURE_TRACKING_URI", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "predict", str(EXAMPLES / "criminal_case.json"), "--full"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = json.loads(proc.stdout)
    assert printed["levers"] == answer["levers"]


# ---------------------------------------------------------------------------------------------------- co-defendants
SHARED = {
    "records_total": 12000,
    "data_types": ["parcel"],
    "conduct": ["sell", "provide"],
    "illegal_profit_yuan": 32000,
    "year": 2021,
}


def test_two_defendants_return_two_ordered_estimates(http: httpx.Client) -> None:
    defendants: list[dict[str, Any]] = [
        {"defendant": "甲", "role": "accessory", "truthful_confession": True},
        {"defendant": "乙", "role": "principal", "truthful_confession": True},
    ]
    body = {"shared": SHARED, "defendants": defendants}
    r = http.post("/v1/criminal/codefendants", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    validated(CodefendantsResponse, answer)
    accessory, principal = (d["estimate"] for d in answer["defendants"])
    assert [d["defendant"] for d in answer["defendants"]] == ["甲", "乙"]
    # on the same facts the accessory (-20% to -50%, 法发〔2021〕21号) is never above the principal
    for key in ("point", "low", "high"):
        assert accessory["custodial_months"][key] <= principal["custodial_months"][key], key
    assert accessory["fine_yuan"]["point"] <= principal["fine_yuan"]["point"]
    assert answer["ordering"] == {"accessories_at_most_principals": True, "notes": []}
    assert [row["defendant"] for row in answer["table"]] == ["乙", "甲"], "principals first"
    # each defendant's estimate is the estimate of the shared facts with their own fields on top, n_defendants 2
    for own, got in zip(defendants, answer["defendants"], strict=True):
        alone = http.post("/v1/criminal/estimate", json={**SHARED, **own, "n_defendants": 2}).json()
        assert got["estimate"] == alone


def test_own_facts_that_set_an_accessory_above_a_principal_are_named(http: httpx.Client) -> None:
    body = {
        "shared": SHARED,
        "defendants": [
            {"defendant": "甲", "role": "principal", "guilty_plea": True, "restitution": True, "surrender": True},
            {"defendant": "乙", "role": "accessory", "records_total": 120000, "illegal_profit_yuan": 90000},
        ],
    }
    answer = http.post("/v1/criminal/codefendants", json=body).json()
    principal, accessory = (d["estimate"] for d in answer["defendants"])
    above = accessory["custodial_months"]["point"] > principal["custodial_months"]["point"]
    assert answer["ordering"]["accessories_at_most_principals"] is not above
    if above:
        (note,) = answer["ordering"]["notes"]
        assert "records_total" in note and "illegal_profit_yuan" in note
    rows = {row["defendant"]: row for row in answer["table"]}
    assert rows["乙"]["own_facts"] == ["records_total", "illegal_profit_yuan"]


def test_codefendant_errors_name_where_the_field_was_entered(http: httpx.Client) -> None:
    body = {"shared": {**SHARED, "records_total": -1}, "defendants": [{"role": "boss"}, {"role": "principal"}]}
    r = http.post("/v1/criminal/codefendants", json=body)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert fields == {"shared.records_total", "defendants.0.role"}
    one = http.post("/v1/criminal/codefendants", json={"shared": SHARED, "defendants": [{"role": "principal"}]})
    assert one.status_code == 422 and one.json()["detail"][0]["field"] == "defendants"


# ---------------------------------------------------------------------------------------------------- judgments
def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_uploaded_judgment_is_read_estimated_and_its_sentence_checked(
    http: httpx.Client, served: Served
) -> None:
    r = http.post(
        "/v1/criminal/judgment",
        files={"file": ("判决书.docx", _docx(TWO_DEFENDANTS), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    validated(JudgmentResponse, answer)
    assert answer["case_number"] == "（2021）浙0105刑初123号" and answer["personal_information"]
    zhang, li = answer["defendants"]
    # the sentences the verdict states: 二年 and 三万元; 一年, 缓刑一年六个月, 一万元
    assert zhang["stated_sentence"] == {"custodial_months": 24.0, "probation_months": None, "fine_yuan": 30000.0}
    assert li["stated_sentence"] == {"custodial_months": 12.0, "probation_months": 18.0, "fine_yuan": 10000.0}
    assert zhang["case"]["role"] == "principal" and li["case"]["role"] == "accessory"
    for row in (zhang, li):
        assert row["ok"] and row["estimate"] and row["check"]
        # the check is that of the stated sentence in this defendant's estimate, as /v1/criminal/check answers
        direct = http.post("/v1/criminal/check", json={"case": row["case"], "sentence": row["stated_sentence"]})
        expected = direct.json()
        assert row["estimate"] == expected.pop("estimate")
        assert row["check"] == expected
        for field, spans in row["evidence"].items():
            assert spans and all(s["text"] for s in spans), field
    # the same judgment pasted as text, and uploaded as GB18030 plain text, reads the same
    pasted = http.post("/v1/criminal/judgment", json={"text": TWO_DEFENDANTS}).json()
    gb = http.post(
        "/v1/criminal/judgment", files={"file": ("j.txt", TWO_DEFENDANTS.encode("gb18030"), "text/plain")}
    ).json()
    for row in pasted["defendants"]:  # the spans are pieces of the text the facts were read from
        for field, spans in row["evidence"].items():
            assert all(TWO_DEFENDANTS[s["start"] : s["end"]] == s["text"] for s in spans), field
    for other in (pasted, gb):
        assert [d["stated_sentence"] for d in other["defendants"]] == [
            zhang["stated_sentence"],
            li["stated_sentence"],
        ]
        assert [d["check"]["percentile"] for d in other["defendants"]] == [
            zhang["check"]["percentile"],
            li["check"]["percentile"],
        ]
    log = _log(served)
    assert "POST /v1/criminal/judgment 200" in log and "张某某" not in log and "快递" not in log


def test_a_unit_is_read_but_not_estimated(http: httpx.Client) -> None:
    answer = http.post("/v1/criminal/judgment", json={"text": UNIT_AND_SEVERAL_CHARGES}).json()
    rows = {d["defendant"]: d for d in answer["defendants"]}
    unit = next(d for d in answer["defendants"] if d["unit"])
    assert not unit["ok"] and unit["estimate"] is None and "fine" in unit["errors"][0]["reason"]
    assert rows["刘某"]["ok"] and rows["刘某"]["stated_sentence"]["probation_months"] == 48.0


def test_judgment_bodies_are_refused_as_the_api_says(http: httpx.Client) -> None:
    r = http.post("/v1/criminal/judgment", content="被告人".encode(), headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = http.post("/v1/criminal/judgment", files={"file": ("j.pdf", b"%PDF-1.4 not really", "application/pdf")})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "file"
    r = http.post("/v1/criminal/judgment", json={"text": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "text"
    big = TWO_DEFENDANTS.encode("utf-8") * (LIMIT_BYTES // len(TWO_DEFENDANTS.encode("utf-8")) + 2)
    r = http.post("/v1/criminal/judgment", files={"file": ("big.txt", big, "text/plain")})
    assert r.status_code == 413 and r.json()["limit_bytes"] == LIMIT_BYTES

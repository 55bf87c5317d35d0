"""Whole judgments: formats (txt in UTF-8/GB18030, html, docx and pdf made here), parts, defendants, roles,
prior records, unit crime, several charges, appeals, traditional characters, and the ingestion end to end through
the real CLI (rows, review files, exposure data add, exposure train on seeds + the user's rows)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from judgment_texts import (
    APPEAL_REVISED,
    APPEAL_UPHELD,
    NOT_PERSONAL_INFORMATION,
    TRADITIONAL,
    TWO_DEFENDANTS,
    UNIT_AND_SEVERAL_CHARGES,
)

from features.law.schema import parse_case
from features.tables import TABLE_PROVENANCE_COLUMNS, load_jsonl, seeds_dir
from features.text.documents import NO_TEXT_LAYER, DocumentError, read_document
from features.text.judgment import Judgment, parse_judgment, read_judgment
from training.judgment_synth import to_docx, to_html, to_pdf

REPO = Path(__file__).resolve().parents[1]


def sentences(j: Judgment) -> dict[str, tuple[object, ...]]:
    return {
        d.defendant: tuple(
            d.case.get(f) for f in ("prison_months", "detention_months", "probation_months", "fine_yuan")
        )
        for d in j.defendants
    }


def _scanned_pdf() -> bytes:
    """A PDF page with only a drawing on it, as a scanner's output has no text layer."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 300, 300, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------------------
# formats


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.txt", TWO_DEFENDANTS.encode("utf-8")),
        ("b.txt", TWO_DEFENDANTS.encode("gb18030")),
        ("c.html", to_html(TWO_DEFENDANTS, "gbk")),
        ("d.htm", to_html(TWO_DEFENDANTS, "utf-8")),
        ("e.docx", to_docx(TWO_DEFENDANTS)),
        ("f.pdf", to_pdf(TWO_DEFENDANTS)),
        ("no-suffix", to_pdf(TWO_DEFENDANTS)),
    ],
)
def test_every_format_gives_the_same_judgment(name: str, data: bytes) -> None:
    j = read_judgment(data, name)
    assert j.case_number == "（2021）浙0105刑初123号"
    assert j.court == "浙江省杭州市某某区人民法院"
    assert (j.date, j.year, j.province, j.instance) == ("2021-04-20", 2021, "浙江", "first")
    # the verdict: 二年 = 24 months and 三万元; 一年 = 12 months, 缓刑一年六个月 = 18 months, 一万元
    assert sentences(j) == {"张某某": (24, None, None, 30_000), "李某": (12, None, 18, 10_000)}
    assert "<p>" not in j.text and "not text" not in j.text  # tags and scripts of the page are not text


def test_a_pdf_without_text_layer_is_refused_with_the_reason() -> None:
    with pytest.raises(DocumentError) as err:
        read_document(_scanned_pdf(), "scan.pdf")
    assert err.value.reason == NO_TEXT_LAYER


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(DocumentError):
        read_document(b"\xff\xfe\xfa\x00\xd8" * 3 + b"\x80\x81\xfe", "x.txt")


# ------------------------------------------------------------------------------------------------------------
# parts and defendants


def test_parts_are_found_in_order() -> None:
    j = parse_judgment(TWO_DEFENDANTS)
    assert set(j.sections) == {"header", "parties", "facts", "reasoning", "verdict"}
    starts = [j.sections[n].start for n in ("header", "parties", "facts", "reasoning", "verdict")]
    assert starts == sorted(starts)
    assert j.section_text("facts").startswith("经审理查明")
    assert j.section_text("reasoning").startswith("本院认为")
    assert j.section_text("verdict").startswith("判决如下")
    assert "审判长" not in j.section_text("verdict")


def test_two_defendants_with_different_roles_and_circumstances() -> None:
    j = parse_judgment(TWO_DEFENDANTS)
    zhang, li = j.defendants
    assert (zhang.defendant, li.defendant) == ("张某某", "李某")
    assert (zhang.case["role"], li.case["role"]) == ("principal", "accessory")
    # the reasoning gives 累犯 to 张某某 only, 自首 and 退赃 to 李某 only
    assert zhang.case.get("recidivist") is True and li.case.get("recidivist") is None
    # 李某 came in on a phone summons (自动投案); 张某某 was arrested (被抓获): no surrender (Criminal Law Art. 67)
    assert li.case.get("surrender") is True and zhang.case.get("surrender") is False
    assert li.case.get("restitution") is True and li.case.get("guilty_plea") is True
    assert zhang.case["n_defendants"] == li.case["n_defendants"] == 2
    assert zhang.case["records_total"] == 12_000 and zhang.case["illegal_profit_yuan"] == 32_000
    # the prior record is read from the parties part, the current detention (涉嫌) is not one
    assert [s.text for s in zhang.prior_records] == ["2016年5月因犯盗窃罪被判处有期徒刑一年，2017年4月刑满释放。"]
    assert li.prior_records == []
    for d in j.defendants:
        for spans in d.evidence.values():
            for s in spans:
                assert j.text[s.start : s.end] == s.text
        assert all(0 < c <= 1 for c in d.confidence.values())
        parse_case(d.case)


def test_unit_crime_and_several_charges() -> None:
    j = parse_judgment(UNIT_AND_SEVERAL_CHARGES)
    names = [d.defendant for d in j.defendants]
    assert names == ["深圳某某信息科技有限公司", "刘某", "周某"]
    unit, liu, zhou = j.defendants
    assert unit.unit and unit.case["fine_yuan"] == 1_000_000 and unit.case.get("prison_months") is None
    assert all(d.case["unit_crime"] is True for d in j.defendants)
    assert (liu.case["prison_months"], liu.case["probation_months"]) == (36, 48)
    # 数罪并罚: the Art. 253-1 term (三年六个月) is the label, the executed term (四年六个月) is kept apart
    assert zhou.case["prison_months"] == 42 and zhou.case["fine_yuan"] == 50_000
    assert zhou.outcome is not None and zhou.outcome.several_charges
    assert zhou.outcome.combined_prison_months == 54
    assert zhou.case["other_charges"] == ["破坏计算机信息系统罪"]
    assert zhou.confidence["prison_months"] < liu.confidence["prison_months"]  # a note lowers it


def test_appeal_upheld_takes_the_first_instance_sentence() -> None:
    j = parse_judgment(APPEAL_UPHELD)
    assert (j.instance, j.appeal_result) == ("appeal", "upheld")
    # 一年二个月 = 14 months; the prior sentence of 2018 in the parties part is not the outcome
    assert sentences(j) == {"陈某": (14, None, None, 20_000)}
    (chen,) = j.defendants
    assert chen.case["prior_punishment_same_conduct"] is True  # punished before for selling personal information
    assert chen.confidence["prison_months"] == 0.85


def test_appeal_revised_takes_the_new_sentence() -> None:
    j = parse_judgment(APPEAL_REVISED)
    assert (j.instance, j.appeal_result) == ("appeal", "revised")
    assert sentences(j) == {"吴某某": (10, None, 12, 10_000)}


def test_traditional_characters() -> None:
    j = parse_judgment(TRADITIONAL)
    assert j.case_number == "（2019）闽0102刑初8号" and j.province == "福建"
    assert sentences(j) == {"郑某": (None, 5, 6, 3000)}
    (zheng,) = j.defendants
    assert zheng.case["records_total"] == 6000 and zheng.case["illegal_profit_yuan"] == 9000
    assert [s.text for s in zheng.evidence["detention_months"]] == ["五個月"]  # spans are of the input


def test_other_charges_are_not_personal_information_cases() -> None:
    j = parse_judgment(NOT_PERSONAL_INFORMATION)
    assert not j.personal_information
    assert j.defendants[0].problems


# ------------------------------------------------------------------------------------------------------------
# ingestion through the CLI


def _run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exposure", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=REPO,
    )


def _seeds_digest() -> str:
    h = hashlib.sha1()
    for p in sorted(seeds_dir().rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_ingest_review_add_and_train(tmp_path: Path) -> None:
    folder = tmp_path / "judgments"
    (folder / "sub").mkdir(parents=True)
    hostile = UNIT_AND_SEVERAL_CHARGES.replace("该公司技术主管", "该公司技术主管<script>alert(1)</script>")
    (folder / "two.docx").write_bytes(to_docx(TWO_DEFENDANTS))
    (folder / "unit.txt").write_bytes(hostile.encode("gb18030"))
    (folder / "sub" / "upheld.pdf").write_bytes(to_pdf(APPEAL_UPHELD))
    (folder / "sub" / "revised.html").write_bytes(to_html(APPEAL_REVISED, "utf-8"))
    (folder / "trad.txt").write_text(TRADITIONAL, encoding="utf-8")
    (folder / "theft.txt").write_text(NOT_PERSONAL_INFORMATION, encoding="utf-8")
    (folder / "scan.pdf").write_bytes(_scanned_pdf())
    (folder / "two-again.pdf").write_bytes(to_pdf(TWO_DEFENDANTS))  # the same judgment in another format
    (folder / "notes.md").write_text("not a judgment", encoding="utf-8")
    home = tmp_path / "home"
    env = {**os.environ, "EXPOSURE_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    out = tmp_path / "out"
    before = _seeds_digest()

    proc = _run(["ingest", "judgments", str(folder), "--out", str(out), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["files"] == 8  # notes.md is not a judgment file
    # 2 + 3 + 1 + 1 + 1 defendants; the theft, the scan and the second copy give none
    assert report["rows"] == 8
    assert report["reasons"] == {
        "not a personal-information case (no Art. 253-1 charge named)": 1,
        NO_TEXT_LAYER: 1,
        "duplicate of an earlier row (same case number and defendant)": 2,
    }
    loaded = load_jsonl([out / "rows.jsonl"])
    assert loaded.errors == [] and len(loaded.cases) == 8
    rows = [json.loads(line) for line in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    by_name = {r["defendant"]: r for r in rows}
    assert by_name["周某"]["prison_months"] == 42 and by_name["陈某"]["prison_months"] == 14
    assert len({r["group_id"] for r in rows if r["case_number"] == "（2020）粤0305刑初77号"}) == 1
    assert len({r["case_id"] for r in rows}) == 8
    for row in rows:
        evidence = json.loads(row["evidence"])
        assert set(evidence) == {k for k in row if k not in (*TABLE_PROVENANCE_COLUMNS, "proceeding", "case_id",
                                                                "group_id", "source_title")}  # fmt: skip
        parse_case({k: v for k, v in row.items() if k not in TABLE_PROVENANCE_COLUMNS})

    with (out / "review.csv").open(encoding="utf-8-sig") as fh:
        review = list(csv.DictReader(fh))
    fields = {(r["defendant"], r["field"]) for r in review}
    assert ("李某", "surrender") in fields and ("周某", "prison_months") in fields
    assert any(r["status"].startswith("PDF without a text layer") for r in review)
    zhou = next(r for r in review if r["defendant"] == "周某" and r["field"] == "prison_months")
    assert (zhou["value"], zhou["evidence"]) == ("42", "三年六个月")
    page = (out / "review.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "三年六个月" in page and "no row: not a personal-information case" in page

    # reviewed rows join the user's data, once; seeds/ is never written
    proc = _run(["data", "add", str(out / "rows.jsonl"), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    added = json.loads(proc.stdout)
    assert (added["added"], added["duplicates"], added["total"]) == (8, 0, 8)
    proc = _run(["data", "add", str(out / "rows.jsonl"), "--json"], env)
    assert json.loads(proc.stdout)["duplicates"] == 8
    assert len((home / "data" / "rows.jsonl").read_text(encoding="utf-8").splitlines()) == 8
    assert _seeds_digest() == before

    proc = _run(["train", "--no-seeds", "--no-user-data"], env)
    assert proc.returncode == 2 and "no training data" in proc.stderr
    proc = _run(
        ["train", "--target", "custodial_months", "--family", "baseline", "--repeats", "1", "--json"], env, 600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    from mlflow import MlflowClient

    uri = f"sqlite:///{home / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)  # never the process-global registry of other tests
    version = client.get_model_version_by_alias("exposure-criminal", "champion")
    run = client.get_run(str(version.run_id))
    assert run.inputs is not None
    assert run.inputs.dataset_inputs[0].dataset.name == "seeds+user(8 rows)"
    assert run.data.params["dataset_name"] == "seeds+user(8 rows)"
    card = Path(client.download_artifacts(run.info.run_id, "report/model_card.md")).read_text(encoding="utf-8")
    assert "seeds+user(8 rows)" in card


def test_facts_case_leaves_the_outcome_out_for_an_estimate() -> None:
    zhang = parse_judgment(TWO_DEFENDANTS).defendants[0]
    facts = zhang.facts_case()
    assert "prison_months" not in facts and "fine_yuan" not in facts
    assert facts["records_total"] == 12_000 and facts["role"] == "principal"
    parse_case(facts)


def test_user_data_is_refused_inside_seeds_and_invalid_rows_name_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training.userdata import add_rows

    monkeypatch.setenv("EXPOSURE_HOME", str(seeds_dir() / "home"))
    with pytest.raises(ValueError, match="seed folder"):
        add_rows([])
    monkeypatch.setenv("EXPOSURE_HOME", str(tmp_path / "home"))
    rows = tmp_path / "rows.jsonl"
    good = {"case_id": "jdg-1", "case_number": "（2021）沪0101刑初1号", "defendant": "甲某", "prison_months": 12}
    same = {**good, "case_id": "jdg-2"}  # the same case number and defendant under another id
    # probation of 70 months is outside Criminal Law Art. 73 (at most 60 for imprisonment)
    bad = {"case_id": "jdg-3", "defendant": "乙某", "prison_months": 12, "probation_months": 70}
    rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (good, same, bad)), encoding="utf-8")
    report = add_rows([rows])
    assert (report.added, report.duplicates, len(report.invalid)) == (1, 1, 1)
    assert "probation_months" in report.invalid[0] and "乙某" not in report.invalid[0]


def test_outcome_command_reads_a_whole_judgment_file(tmp_path: Path) -> None:
    # an upheld appeal: the sentence is the quoted first-instance one, not the 2018 one of the parties part
    path = tmp_path / "upheld.docx"
    path.write_bytes(to_docx(APPEAL_UPHELD))
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = _run(["outcome", str(path)], env)
    assert proc.returncode == 0, proc.stderr
    (o,) = json.loads(proc.stdout)
    assert (o["defendant"], o["prison_months"], o["probation_months"], o["fine_yuan"]) == (
        "陈某",
        14,
        None,
        20_000,
    )
    proc = _run(["outcome", str(tmp_path / "missing.pdf")], env)
    assert proc.returncode == 2 and "no such file" in proc.stderr

"""The page's form spec and the exported report, without a server: labels cover the schema and the vocabularies,
the report carries what a memo needs and escapes every text it did not write itself."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone

import lxml.html

from features.law.schema import CivilCase, CriminalCase
from features.law.vocab import Conduct, DataType, VictimCategory
from serving import examples, report
from serving.form import FIELDS, feature_label, form_spec

GENERATED = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8)))
EVIL = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'
MODELS = {
    t: {**m, "dataset_digest": "8d1e7c3a", "n_train": 58} for t, m in examples.CRIMINAL_ANSWER["model"].items()
}


def _choices(kind: str, name: str) -> list[str]:
    for group in form_spec()["kinds"][kind]["groups"]:
        for field in group["fields"]:
            if field["name"] == name:
                return [c["value"] for c in field["choices"]]
    raise AssertionError(name)


def test_form_spec_names_real_fields_with_bilingual_labels_and_full_vocabularies() -> None:
    spec = form_spec()
    for kind, model in (("criminal", CriminalCase), ("civil", CivilCase)):
        names = [f["name"] for g in spec["kinds"][kind]["groups"] for f in g["fields"]]
        assert len(names) == len(set(names)) and set(names) <= set(model.model_fields), kind
        for group in spec["kinds"][kind]["groups"]:
            for field in group["fields"]:
                assert re.search(r"[\u4e00-\u9fff]", field["label"]), field["label"]  # Chinese
                assert re.search(r"[A-Za-z]", field["label"]), field["label"]  # and English
    assert _choices("criminal", "data_types") == [d.value for d in DataType]
    assert _choices("criminal", "conduct") == [c.value for c in Conduct]
    assert _choices("civil", "victim_category") == [v.value for v in VictimCategory]
    assert _choices("civil", "proceeding") == ["civil", "public_interest"]
    assert "yuan 元" in FIELDS["illegal_profit_yuan"].label() and "条" in FIELDS["records_total"].label()
    # outcomes are what is estimated, never asked
    assert not {"prison_months", "probation_months", "fine_yuan", "awarded_total_yuan"} & set(FIELDS)


def test_every_driver_feature_has_a_plain_label() -> None:
    from features.model.featurize import CaseFeaturizer

    for kind in ("criminal", "civil"):
        names = CaseFeaturizer(kind).fit([]).feature_names_out_
        unlabelled = [n for n in names if feature_label(str(n)) == n]
        assert not unlabelled, unlabelled
    assert feature_label("victim_minors") == "Victims: Minors (被害人: 未成年人)"


def test_criminal_report_has_what_a_memo_needs() -> None:
    case = CriminalCase.model_validate(examples.CRIMINAL_CASE)
    html = report.render_criminal(case, examples.CRIMINAL_ANSWER, MODELS, GENERATED)
    assert report.filename(GENERATED) == "exposure-report-2026-11-23.html"
    assert html.startswith("<!doctype html>") and "2026-11-23 09:30" in html
    assert "Especially serious (情节特别严重)" in html and 'data-band="especially_serious"' in html
    assert "Interp. 2017 Art. 5(2)(3)" in html and "Interp. 2017 Art. 5(1)(7) + 5(1)(8)" in html  # cited rules
    assert "36–84 months" in html  # the legal range
    assert 'data-low="36.0" data-high="84.0" data-point="36.0"' in html  # the drawn interval
    assert "Records (条数), 条" in html and "Parcel slips (快递单信息): 30,000" in html  # inputs, in words
    assert "Legal minimum of the band (法定刑下限)" in html  # drivers, in words
    assert "http://e.mzyfz.org.cn/paper/2450/paper_65607_13379.html" in html and "reference only" in html
    assert "exposure-custodial_months" in html and "0123456789abcdef0123456789abcdef" in html
    assert "8d1e7c3a (58 cases)" in html  # the data the models were trained on
    assert examples.CRIMINAL_ANSWER["disclaimer"] in html and report.DISCLAIMER_ZH in html
    # self-contained: no script, nothing loaded from elsewhere
    assert "<script" not in html and not re.search(r'(src|href)="(?!https?://[^"]+"\s+rel=)', html)
    assert "<link" not in html and "@import" not in html


def test_report_escapes_everything_it_did_not_write() -> None:
    case = CriminalCase.model_validate({**examples.CRIMINAL_CASE, "case_id": EVIL, "court": EVIL})
    answer = copy.deepcopy(examples.CRIMINAL_ANSWER)
    answer["statutory"]["notes"] = [EVIL]
    ref = answer["similar_cases"][0]
    ref.update(summary=EVIL, court=EVIL, source_title=EVIL, source_url="javascript:alert(1)")
    answer["similar_cases"][1]["source_url"] = 'http://example.org/"onmouseover="alert(1)'
    html = report.render_criminal(case, answer, MODELS, GENERATED)
    assert "<script" not in html and "<img" not in html and EVIL not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html  # shown as text, never a link
    # the quote stays inside the attribute as an entity (markupsafe writes &#34;, the same character as &quot;)
    assert '"onmouseover="' not in html and "&#34;onmouseover=&#34;" in html
    root = lxml.html.fromstring(html)
    assert not root.xpath("//*[@onmouseover or @onerror]"), "no attribute was injected"
    links = root.xpath("//table[@id='similar-table']//a")
    assert [a.get("href") for a in links] == ['http://example.org/"onmouseover="alert(1)']  # one link, exact


def test_civil_report() -> None:
    case = CivilCase.model_validate(examples.CIVIL_CASE)
    models = {"awarded_total_yuan": {**examples.CIVIL_ANSWER["model"]["awarded_total_yuan"], "n_train": 40}}
    html = report.render_civil(case, examples.CIVIL_ANSWER, models, GENERATED)
    assert "Award exposure report" in html and "Public-interest suit (公益诉讼)" in html
    assert "87,440 元" in html and "40 元 – 500,000 元" in html and "claimed 500,000 元" in html
    assert 'data-low="40.0" data-high="500000.0" data-point="87440.0"' in html
    assert "Procuratorate (检察院)" in html and "exposure-awarded_total_yuan" in html
    assert examples.CIVIL_ANSWER["disclaimer"] in html and "<script" not in html

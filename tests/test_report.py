"""The page's form spec, the renderer and the exported report, without a server: labels cover the schema and the
vocabularies, the report carries what a memo needs and escapes every text it did not write itself, the page's answer
and the report are drawn from the same parts, and the charts put values where their axes say."""

from __future__ import annotations

import copy
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import lxml.html

from features.law.schema import CaseBase, CivilCase, CriminalCase
from features.law.statutory import statutory_band
from features.law.vocab import Conduct, DataType, VictimCategory
from serving import examples, render, report
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
    months = examples.CRIMINAL_ANSWER["custodial_months"]  # the answer the service gives (serving.examples)
    drawn = f'data-low="{months["low"]}" data-high="{months["high"]}" data-point="{months["point"]}"'
    assert drawn in html  # the drawn interval carries the answer's months
    assert "Records (条数), 条" in html and "Parcel slips (快递单信息): 30,000" in html  # inputs, in words
    assert feature_label(examples.CRIMINAL_ANSWER["drivers"][0]["feature"]) in html  # drivers, in words
    assert all(s["source_url"] in html for s in examples.CRIMINAL_ANSWER["similar_cases"] if s["source_url"])
    assert "reference only" in html
    assert MODELS["custodial_months"]["name"] in html and MODELS["custodial_months"]["run_id"] in html
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
    award = examples.CIVIL_ANSWER["awarded_total_yuan"]  # the answer the service gives (serving.examples)
    assert f"{award['point']:,.0f} 元" in html and f"{award['low']:,.0f} 元 – {award['high']:,.0f} 元" in html
    assert "claimed 500,000 元" in html
    assert f'data-low="{award["low"]}" data-high="{award["high"]}" data-point="{award["point"]}"' in html
    assert "Procuratorate (检察院)" in html and models["awarded_total_yuan"]["name"] in html
    assert examples.CIVIL_ANSWER["disclaimer"] in html and "<script" not in html


# ---------------------------------------------------------------------------------------------------- one renderer
# The parts of an answer, in the order a reader meets them (the brief of issue #18: headline, band and its rules,
# ranges, gauges, drivers, similar cases, the model and data line).
CRIMINAL_PARTS = [
    "headline",
    "band",
    "custodial",
    "probabilities",
    "fine",
    "levers",
    "drivers",
    "similar",
    "models",
]
CIVIL_PARTS = ["headline", "award", "outcomes", "drivers", "similar", "models"]


def _parts(html: str) -> dict[str, str]:
    """``data-part`` -> the part's markup as parsed (attributes and text as a browser sees them)."""
    root = lxml.html.fromstring(html)
    return {
        str(el.get("data-part")): lxml.html.tostring(el, encoding="unicode")
        for el in root.xpath("//*[@data-part]")
    }


def _parts_in_order(html: str) -> list[str]:
    return [str(el.get("data-part")) for el in lxml.html.fromstring(html).xpath("//*[@data-part]")]


def test_page_and_report_draw_the_same_parts_with_the_same_markup() -> None:
    cases: tuple[tuple[render.Kind, CaseBase, dict[str, Any], list[str]], ...] = (
        (
            "criminal",
            CriminalCase.model_validate(examples.CRIMINAL_CASE),
            examples.CRIMINAL_ANSWER,
            CRIMINAL_PARTS,
        ),
        ("civil", CivilCase.model_validate(examples.CIVIL_CASE), examples.CIVIL_ANSWER, CIVIL_PARTS),
    )
    for kind, case, answer, expected in cases:
        fragment = render.answer_fragment(kind, case, answer, GENERATED)
        whole = render.report(kind, case, answer, GENERATED, disclaimer_zh=report.DISCLAIMER_ZH)
        assert _parts_in_order(fragment) == expected, kind
        assert _parts_in_order(whole) == ["inputs", *expected], "the report adds the inputs, nothing else"
        page_parts, report_parts = _parts(fragment), _parts(whole)
        for name in expected:
            assert page_parts[name] == report_parts[name], f"{kind}: part {name} differs between page and report"
        # the fragment is a fragment: no document, no script, no style of its own
        assert fragment.startswith('<div class="answer"') and fragment.rstrip().endswith("</div>")
        assert not re.search(r"<(html|head|body|script|style|link)\b", fragment)
        assert answer["disclaimer"] in fragment and report.DISCLAIMER_ZH not in fragment  # the report's shell
    # the charts are drawn once: the page's and the report's custodial bar are the same element
    criminal_case = CriminalCase.model_validate(examples.CRIMINAL_CASE)
    fragment = render.answer_fragment("criminal", criminal_case, examples.CRIMINAL_ANSWER, GENERATED)
    assert fragment.count('<svg id="custodial-chart"') == 1 and fragment.count('<svg id="fine-chart"') == 1


def test_report_loads_nothing_and_names_no_address_but_the_sources() -> None:
    case = CriminalCase.model_validate(examples.CRIMINAL_CASE)
    html = report.render_criminal(case, examples.CRIMINAL_ANSWER, None, GENERATED)
    sources = {s["source_url"] for s in examples.CRIMINAL_ANSWER["similar_cases"] if s["source_url"]}
    assert set(re.findall(r"https?://[^\s\"<>]+", html)) == sources
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r"\ssrc=", html)
    root = lxml.html.fromstring(html)
    assert [a.get("href") for a in root.xpath("//a")] == [
        s["source_url"] for s in examples.CRIMINAL_ANSWER["similar_cases"]
    ]
    csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"], "a browser opening the file loads nothing"
    # printable: one inline stylesheet with the print rules
    assert len(root.xpath("//style")) == 1 and "@media print" in html


def test_uncertain_band_shows_both_readings_most_severe_first() -> None:
    # 3,000 records of lodging (category B: 500 = serious) and contact data (category C: 5,000 = serious), not split
    # by type: all lodging -> serious; all contact -> below serious (Interp. 2017 Art. 5(1)(4), (5); domain 1.2)
    case = CriminalCase.model_validate(
        {"records_total": 3000, "data_types": ["lodging", "contact"], "conduct": ["sell"]}
    )
    answer = copy.deepcopy(examples.CRIMINAL_ANSWER)
    answer["statutory"] = statutory_band(case).model_dump(mode="json")
    answer["band"] = answer["statutory"]["band"]
    note = "The range reaches below the band's minimum (Criminal Law Art. 63)."
    answer["custodial_months"] = {**answer["custodial_months"], "note": note}
    fragment = render.answer_fragment("criminal", case, answer, GENERATED)
    root = lxml.html.fromstring(fragment)
    rows = root.xpath("//div[@id='band-readings']//tr[@data-reading]")
    assert [r.get("data-band") for r in rows] == ["serious", "none"], "the most severe reading leads"
    # each reading's own legal range (Art. 253-1: serious up to 3 years; below the thresholds a conviction is
    # possible only under the catch-all Art. 5(1)(10), within the same range)
    ranges = [r["custodial_range_months"] for r in answer["statutory"]["readings"]]
    assert [r.xpath("td")[2].text_content() for r in rows] == [f"{lo:g}–{hi:g}" for lo, hi in ranges]
    assert ranges[0] == [0.0, 36.0]
    assert "not certain" in root.xpath("//div[@id='band-readings']")[0].text_content()
    assert root.xpath("//p[@class='band']/@data-band") == ["none"], "the lower band is shown"
    assert root.xpath("//p[@id='custodial-note']")[0].text_content() == note
    whole = report.render_criminal(case, answer, None, GENERATED)
    assert _parts(fragment)["band"] == _parts(whole)["band"]


def test_charts_put_values_where_the_axes_say() -> None:
    from serving import charts

    # an especially serious band (36-84 months, Art. 253-1) whose whole range is estimated, point at the minimum
    months = {"point": 36.0, "low": 36.0, "high": 84.0, "level": 0.8, "legal_range": [36.0, 84.0]}
    bar = charts.custodial_chart(months)
    assert (bar.left, bar.right, bar.axis) == (24.0, 616.0, (0.0, 84.0))

    def x(m: float) -> float:  # linear, 0 at the left end, 84 months (Art. 253-1's maximum) at the right
        return 24 + m / 84 * 592

    assert bar.interval.x == round(x(36.0), 2) and bar.interval.x + bar.interval.width == round(x(84.0), 2)
    assert bar.marker.x == round(x(36.0), 2)
    assert [t.text for t in bar.ticks] == ["0", "6", "12", "24", "36", "48", "60", "72", "84"]
    # a fine from 7,670 to 1,025,110 yuan: log axis from 10^3 to 10^7 yuan, one tick per power of ten
    money = charts.yuan_chart(
        id="f", label="f", low=7670.0, high=1025110.0, point=49960.0, guide=[18000.0, 90000.0]
    )
    assert money.axis == (3.0, 7.0) and [t.text for t in money.ticks] == ["1000", "1万", "10万", "100万", "1000万"]
    assert money.legal_bar is not None and money.legal_bar.x == round(24 + (math.log10(18000) - 3) / 4 * 592, 2)
    assert money.marker.x == round(24 + (math.log10(49960) - 3) / 4 * 592, 2)
    assert (money.low, money.high, money.point) == (7670.0, 1025110.0, 49960.0), "data attributes keep yuan"
    gauge = charts.gauge("g", 0.25, "p")
    assert gauge.fill.width == 75.0 == gauge.width / 4

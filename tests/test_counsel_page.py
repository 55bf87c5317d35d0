"""Counsel's questions on the litigators' page, in a real browser (Debian's chromium, playwright) against a real
server on the champions of ``trained_home`` (the fixtures of ``test_page``): the levers of the example case, a
proposed sentence checked, co-defendants added, a judgment uploaded. What the page draws is checked against the
JSON API for the very body the page sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from judgment_texts import TWO_DEFENDANTS
from test_page import _attr, _fill_criminal, browser, page, served, server

from serving.charts import AXIS_MONTHS

pytestmark = pytest.mark.slow
__all__ = ["browser", "page", "served", "server"]  # the fixtures of test_page, used here
EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "seeds" / "examples" / "criminal_case.json").read_text(encoding="utf-8")
)


def _fill_example(page: Any) -> None:
    """The README's example case (seeds/examples/criminal_case.json), typed into the form."""
    add = page.locator('#form-criminal .field[data-field="records_by_type"] .by-type > button')
    for i, (data_type, count) in enumerate(EXAMPLE["records_by_type"].items()):
        add.click()
        row = page.locator("#form-criminal .bt-row").nth(i)
        row.locator(".bt-type").select_option(data_type)
        row.locator(".bt-count").fill(f"{count:,}")
    for data_type in EXAMPLE["data_types"]:
        page.check(f"#criminal-data_types input[value={data_type}]")
    page.select_option("#criminal-victim_category", EXAMPLE["victim_category"])
    page.check("#criminal-conduct input[value=sell]")
    page.select_option("#criminal-insider", "true")
    page.fill("#criminal-illegal_profit_yuan", "18,000")
    page.fill("#criminal-n_defendants", "1")
    page.select_option("#criminal-role", "sole")
    for flag in ("truthful_confession", "guilty_plea", "restitution"):
        page.select_option(f"#criminal-{flag}", "true")
    page.fill("#criminal-year", "2024")


def _sent_case(body: dict[str, Any]) -> dict[str, Any]:
    """The body the page sent is the example case (its summary aside: the form has no field for it)."""

    def norm(case: dict[str, Any]) -> dict[str, Any]:
        return {k: sorted(v) if k == "data_types" else v for k, v in case.items() if k != "summary_en"}

    assert norm(body) == norm(EXAMPLE), "the form sends the example case"
    return body


def test_the_levers_of_the_example_case_are_on_the_page_and_in_the_report(page: Any, server: str) -> None:
    _fill_example(page)
    with page.expect_request("**/v1/criminal/estimate.html") as sent:
        page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready] #levers-table")
    body = _sent_case(json.loads(sent.value.post_data))
    answer = httpx.post(f"{server}/v1/criminal/estimate", json=body, timeout=30).json()
    expected = [
        (lever["name"], str(option["value"]), option["custodial_months"]["point"], option["band"])
        for lever in answer["levers"]
        for option in lever["options"]
    ]
    rows = page.locator("#levers-table tbody tr")
    drawn = [
        (
            rows.nth(i).get_attribute("data-lever"),
            rows.nth(i).get_attribute("data-value"),
            float(rows.nth(i).get_attribute("data-point") or "nan"),
            rows.nth(i).get_attribute("data-band"),
        )
        for i in range(rows.count())
    ]
    assert drawn == expected and len(expected) >= 6
    # the rule and threshold that set the band are named with the record-count lever; the guideline's ranges too
    text = page.inner_text("#levers-table")
    records = next(lv for lv in answer["levers"] if lv["name"] == "records")
    assert records["basis"]["article"] in text
    plea = next(lv for lv in answer["levers"] if lv["name"] == "guilty_plea")
    assert plea["basis"]["text"] in text
    parts = page.locator("#result [data-part]").evaluate_all("els => els.map((e) => e.dataset.part)")
    assert parts.index("fine") < parts.index("levers") < parts.index("drivers")
    # the exported report prints the same rows
    with page.expect_download() as download:
        page.click("#export")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert html.count('<tr data-lever="') == len(expected)
    for name, value, point, band in expected:
        assert f'data-lever="{name}"' in html and f'data-value="{value}" data-point="{point}"' in html
        assert "data-change=" in html and f'data-band="{band}"' in html


def test_a_proposed_sentence_is_checked_on_the_page(page: Any, server: str) -> None:
    _fill_example(page)
    page.fill("#sentence-custodial_months", "30")
    page.fill("#sentence-fine_yuan", "20,000")
    with page.expect_request("**/v1/criminal/check.html") as sent:
        page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready] #check-percentile")
    body = json.loads(sent.value.post_data)
    _sent_case(body["case"])
    assert body["sentence"] == {"custodial_months": 30, "fine_yuan": 20000}
    check = httpx.post(f"{server}/v1/criminal/check", json=body, timeout=30).json()
    assert _attr(page, "#check-percentile", "data-percentile") == check["percentile"]
    assert page.locator("#check-summary li").all_inner_texts() == check["summary"]
    # the sentence is drawn across the estimate's range bar: x = left + 30 / 84 months x plot width
    left, right = _attr(page, "#check-chart", "data-plot-left"), _attr(page, "#check-chart", "data-plot-right")
    assert _attr(page, "#check-chart", "data-value") == 30
    assert _attr(page, "#check-chart-value", "x1") == pytest.approx(
        left + 30 / AXIS_MONTHS * (right - left), abs=0.02
    )
    ranges = page.locator("#check-ranges tbody tr")
    assert [r.get_attribute("data-outside") for r in ranges.all()] == [
        str(r["outside"]).lower() for r in check["custodial_months"]["ranges"]
    ]
    below = page.locator("#check-similar-below tbody tr")
    assert [r.get_attribute("data-case-id") for r in below.all()] == [s["case_id"] for s in check["similar_below"]]
    # the report of the check prints it
    with page.expect_download() as download:
        page.click("#export")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert f'data-percentile="{check["percentile"]}"' in html and check["summary"][0] in html
    # a sentence the law does not allow: the error appears next to its field (Criminal Law Art. 72)
    page.fill("#sentence-custodial_months", "60")
    page.fill("#sentence-probation_months", "60")
    page.click("#estimate")
    error = page.locator('#check-criminal .field[data-sentence="probation_months"] .error')
    error.wait_for(state="visible")
    assert "Art. 72" in error.inner_text()


def test_co_defendants_are_added_and_compared(page: Any, server: str) -> None:
    _fill_criminal(page)
    page.click("#add-defendant")
    page.click("#add-defendant")
    rows = page.locator("#defendant-rows .defendant-row")
    rows.nth(0).locator('[data-name="role"]').select_option("accessory")
    rows.nth(0).locator('[data-name="guilty_plea"]').select_option("true")
    rows.nth(1).locator('[data-name="role"]').select_option("principal")
    rows.nth(1).locator('[data-name="guilty_plea"]').select_option("true")
    with page.expect_request("**/v1/criminal/codefendants.html") as sent:
        page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready] #codefendants-table")
    body = json.loads(sent.value.post_data)
    assert [d["role"] for d in body["defendants"]] == ["accessory", "principal"]
    answer = httpx.post(f"{server}/v1/criminal/codefendants", json=body, timeout=30).json()
    table = page.locator("#codefendants-table tbody tr")
    assert [r.get_attribute("data-role") for r in table.all()] == ["principal", "accessory"], "principals first"
    points = {r.get_attribute("data-role"): float(r.get_attribute("data-point") or "nan") for r in table.all()}
    assert points == {row["role"]: row["custodial_months"]["point"] for row in answer["table"]}
    assert points["accessory"] <= points["principal"], "on the same facts: Criminal Law Art. 27"
    assert page.locator("#result details.defendant").count() == 2
    # an error in one defendant's row is shown in that row
    rows.nth(0).locator('[data-name="records_total"]').fill("-3")
    page.click("#estimate")
    page.locator("#defendant-rows .defendant-row.invalid .error").wait_for(state="visible")
    assert page.locator("#defendant-rows .defendant-row").nth(0).get_attribute("class") == "defendant-row invalid"


def test_an_uploaded_judgment_fills_the_form_and_its_sentence_is_checked(
    page: Any, server: str, tmp_path: Path
) -> None:
    path = tmp_path / "判决书.txt"
    path.write_bytes(TWO_DEFENDANTS.encode("gb18030"))
    page.click("#judgment-box summary")
    page.set_input_files("#judgment-file", str(path))
    with page.expect_request("**/v1/criminal/check.html") as sent:
        page.click("#read-judgment")
    page.wait_for_selector("#result[data-state=ready] #check-percentile")
    read = httpx.post(f"{server}/v1/criminal/judgment", json={"text": TWO_DEFENDANTS}, timeout=30).json()
    first, second = read["defendants"]
    # the form holds the first defendant's facts, the sentence fields the sentence the verdict states (24 months)
    assert page.input_value("#criminal-records_total") == "12000"
    assert page.input_value("#criminal-role") == "principal"
    assert page.input_value("#sentence-custodial_months") == "24"
    assert page.input_value("#sentence-fine_yuan") == "30000"
    assert page.input_value("#sentence-probation_months") == ""
    body = json.loads(sent.value.post_data)
    assert body["sentence"] == {"custodial_months": 24, "fine_yuan": 30000}
    check = httpx.post(f"{server}/v1/criminal/check", json=body, timeout=30).json()
    assert (
        _attr(page, "#check-percentile", "data-percentile") == check["percentile"] == first["check"]["percentile"]
    )
    # the second defendant: an accessory with a suspended sentence (一年, 缓刑一年六个月)
    with page.expect_request("**/v1/criminal/check.html"):
        page.click('#judgment-defendants button[data-index="1"]')
    page.wait_for_function(
        "document.getElementById('sentence-probation_months').value === '18'"
        " && document.querySelector('#result[data-state=ready] #check-percentile') !== null"
    )
    assert page.input_value("#criminal-role") == "accessory"
    assert page.input_value("#sentence-custodial_months") == "12"
    page.wait_for_selector(f'#check-percentile[data-percentile="{second["check"]["percentile"]}"]')

"""The litigators' page end to end: a real server (subprocess, champions of ``trained_home``) and a real headless
browser (Debian's chromium driven by playwright; ``scripts/ensure-chromium.sh`` installs it, ``make test`` runs it).

The drawn answer is checked against the API: the page's SVG carries the numbers it drew (data-low/high/point) and
the geometry must match them; a direct POST of the very body the page sent must give the same numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import lxml.html
import pytest
from servers import app_env, free_port, start, uvicorn_command

from serving.charts import AXIS_MONTHS

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("EXPOSURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# as root, in a closed network: no sandbox, no background connections (they are refused and slow the start)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FACTS = (
    "被告人张某在担任某快递公司员工期间,利用职务便利,将公司客户的姓名、电话、住址等信息3万余条出售给他人,"
    "获利1.8万元。到案后如实供述,自愿认罪认罚。"
)
CASE = {
    "records_total": 30000,
    "data_types": ["parcel"],
    "conduct": ["sell"],
    "insider": True,
    "illegal_profit_yuan": 18000,
}


class Served(NamedTuple):
    url: str
    log: Path


@pytest.fixture(scope="module")
def served(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    env = app_env(trained_home, EXPOSURE_RELOAD_INTERVAL_S="0")
    logs = tmp_path_factory.mktemp("page-server")
    server = start("page", uvicorn_command(port), env, logs, port)
    try:
        server.wait(path="/readyz")
        yield Served(server.url, server.log)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(served: Served) -> str:
    return served.url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no chromium at {CHROMIUM}: run scripts/ensure-chromium.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            accept_downloads=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" and "422" not in msg.text else None
    )
    page.set_default_timeout(15_000)
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-ready=true]")
    try:
        yield page
    finally:
        page.close()
    assert not errors, errors  # no script error, no failed load (CSP, 404)


def _fill_criminal(page: Any) -> None:
    page.fill("#criminal-records_total", "30,000")
    page.check("#criminal-data_types input[value=parcel]")
    page.check("#criminal-conduct input[value=sell]")
    page.select_option("#criminal-insider", "true")
    page.fill("#criminal-illegal_profit_yuan", "18000")


def _attr(page: Any, selector: str, name: str) -> float:
    value = page.get_attribute(selector, name)
    assert value is not None, (selector, name)
    return float(value)


# ---------------------------------------------------------------------------------------------------- no browser
def test_page_routes_serve_only_the_page(server: str) -> None:
    index = httpx.get(f"{server}/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in index.headers["content-security-policy"]
    assert not re.search(r'(src|href)="(https?:)?//', index.text), "nothing from another origin"
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css"), ("answer.css", "text/css")):
        r = httpx.get(f"{server}/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind), name
    for bad in ("index.html", "..%2Fapp.py", "%2E%2E/routers/page.py", "nope.js"):
        assert httpx.get(f"{server}/static/{bad}").status_code == 404, bad
    script = httpx.get(f"{server}/static/app.js").text
    assert not re.search(r"createElementNS|<svg|viewBox|getContext", script), "the page draws nothing itself"
    spec = httpx.get(f"{server}/ui/form.json").json()
    assert set(spec["kinds"]) == {"criminal", "civil"} and spec["bands"] and spec["features"]
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert "/" not in paths and "/v1/criminal/report" in paths and "/v1/civil/report" in paths
    for kind in ("criminal", "civil"):
        drawn = paths[f"/v1/{kind}/estimate.html"]["post"]
        assert set(drawn["responses"]["200"]["content"]) == {"text/html"}
        assert set(drawn["responses"]["422"]["content"]) == {"application/json"}
        # the same bodies as the estimate endpoint
        assert drawn["requestBody"] == paths[f"/v1/{kind}/estimate"]["post"]["requestBody"]


def test_report_endpoint_attachment_and_errors(server: str, served: Served) -> None:
    r = httpx.post(f"{server}/v1/criminal/report", json={**CASE, "case_id": "<b>memo-7</b>"}, timeout=30)
    assert r.status_code == 200, r.text
    assert re.fullmatch(
        r'attachment; filename="exposure-report-\d{4}-\d{2}-\d{2}\.html"', r.headers["content-disposition"]
    )
    assert r.headers["cache-control"] == "no-store" and "&lt;b&gt;memo-7&lt;/b&gt;" in r.text
    facts = httpx.post(f"{server}/v1/criminal/report", json={"facts": FACTS}, timeout=30)
    assert facts.status_code == 200 and "read from a fact description" in facts.text
    bad = httpx.post(f"{server}/v1/criminal/report", json={"records_total": -5})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "records_total"
    civil = httpx.post(f"{server}/v1/civil/report", json={"claimed_yuan": 20000, "conduct": ["leak"]})
    assert civil.status_code == 200 and "Award exposure report" in civil.text
    time.sleep(0.2)
    log = served.log.read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/criminal/report 200" in log and "POST /v1/criminal/report 422" in log
    assert "memo-7" not in log and "张某" not in log, "request bodies never reach the log"


def test_drawn_answer_endpoint_is_the_estimate_as_html(server: str, served: Served) -> None:
    marker = "<i>memo-drawn-9</i>"
    r = httpx.post(f"{server}/v1/criminal/estimate.html", json={**CASE, "case_id": marker}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    root = lxml.html.fromstring(r.text)
    assert root.get("class") == "answer" and not root.xpath("//script"), "one fragment, no script"
    # the numbers drawn are the estimate's, for the same body
    answer = httpx.post(f"{server}/v1/criminal/estimate", json={**CASE, "case_id": marker}, timeout=30).json()
    chart = root.get_element_by_id("custodial-chart")
    months = answer["custodial_months"]
    assert [float(chart.get(f"data-{k}")) for k in ("low", "high", "point")] == [
        months["low"],
        months["high"],
        months["point"],
    ]
    assert root.get_element_by_id("band").get("data-band") == answer["band"]
    assert [tr.get("data-case-id") for tr in root.xpath("//table[@id='similar-table']/tbody/tr")] == [
        s["case_id"] for s in answer["similar_cases"]
    ]
    # facts are read as by the estimate endpoint, and the answer says which fields came from them
    facts = httpx.post(f"{server}/v1/criminal/estimate.html", json={"facts": FACTS}, timeout=30)
    assert facts.status_code == 200 and "read from a fact description" in facts.text
    # errors are the estimate's JSON: field names, never values
    bad = httpx.post(f"{server}/v1/criminal/estimate.html", json={"records_total": -5, "court": marker})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/json")
    assert bad.json() == httpx.post(f"{server}/v1/criminal/estimate", json={"records_total": -5}).json()
    assert marker not in bad.text
    civil = httpx.post(f"{server}/v1/civil/estimate.html", json={"claimed_yuan": 20000, "conduct": ["leak"]})
    assert civil.status_code == 200 and 'id="award-chart"' in civil.text
    refused = httpx.post(f"{server}/v1/civil/estimate.html", json={"claimed_yuan": "a lot"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "claimed_yuan"
    time.sleep(0.2)
    log = served.log.read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/criminal/estimate.html 200" in log and "POST /v1/criminal/estimate.html 422" in log
    assert "memo-drawn-9" not in log and "张某" not in log, "request bodies never reach the log"


# ---------------------------------------------------------------------------------------------------- browser
def test_estimate_draws_the_answer_of_the_api(page: Any, server: str) -> None:
    _fill_criminal(page)
    with page.expect_request("**/v1/criminal/estimate.html") as sent:
        page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready] #custodial-chart")
    body = json.loads(sent.value.post_data)
    assert body == CASE, "the form sends what was typed ('30,000' as 30000)"
    answer = httpx.post(f"{server}/v1/criminal/estimate", json=body, timeout=30).json()

    # the server's parts, in order: the same ones the report draws
    parts = page.locator("#result [data-part]").evaluate_all("els => els.map((e) => e.dataset.part)")
    assert parts == [
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
    months = answer["custodial_months"]
    chart = "#custodial-chart"
    drawn = {k: _attr(page, chart, f"data-{k}") for k in ("low", "high", "point", "legal-low", "legal-high")}
    assert drawn == {
        "low": months["low"],
        "high": months["high"],
        "point": months["point"],
        "legal-low": months["legal_range"][0],
        "legal-high": months["legal_range"][1],
    }
    # the geometry is the numbers: x = left + value / 84 months * plot width
    left, right = _attr(page, chart, "data-plot-left"), _attr(page, chart, "data-plot-right")
    assert _attr(page, chart, "data-axis-max") == AXIS_MONTHS == 7 * 12  # Art. 253-1: at most 7 years

    def x(m: float) -> float:
        return left + m / AXIS_MONTHS * (right - left)

    interval = f"{chart}-interval"
    assert _attr(page, interval, "x") == pytest.approx(x(months["low"]), abs=0.02)
    assert _attr(page, interval, "x") + _attr(page, interval, "width") == pytest.approx(
        x(months["high"]), abs=0.05
    )
    assert _attr(page, f"{chart}-point", "data-x") == pytest.approx(x(months["point"]), abs=0.02)
    legal = page.locator(f"{chart} rect.legal")
    assert float(legal.get_attribute("x") or "nan") == pytest.approx(x(months["legal_range"][0]), abs=0.02)

    # a range below the band's minimum is explained on the page, next to the chart
    if months.get("note"):
        assert page.inner_text("#custodial-note") == months["note"]
    else:
        assert page.locator("#custodial-note").count() == 0
    assert page.get_attribute("#band", "data-band") == answer["band"]
    for rule in answer["statutory"]["rules"]:
        assert rule["article"] in page.inner_text("#rules")
    # crepes draws a random tie-breaker for P(y <= t): the two calls may differ slightly
    assert _attr(page, "#gauge-probation", "data-value") == pytest.approx(
        answer["probation_probability"], abs=0.05
    )
    assert _attr(page, "#gauge-le36", "data-value") == pytest.approx(answer["p_custodial_le_36_months"], abs=0.05)
    fine = answer["fine_yuan"]
    assert [_attr(page, "#fine-chart", f"data-{k}") for k in ("low", "high", "point")] == [
        fine["low"],
        fine["high"],
        fine["point"],
    ]
    drivers = page.locator("#drivers-chart g.driver")
    assert drivers.count() == len(answer["drivers"])
    for i, d in enumerate(answer["drivers"]):
        assert drivers.nth(i).get_attribute("data-feature") == d["feature"]
        assert float(drivers.nth(i).get_attribute("data-contribution")) == d["contribution_months"]
        assert ("up" in (drivers.nth(i).get_attribute("class") or "")) == (d["contribution_months"] >= 0)
    rows = page.locator("#similar-table tbody tr")
    assert rows.count() == len(answer["similar_cases"]) > 0
    assert "reference only" in page.inner_text("#similar-table caption")
    for i, ref in enumerate(answer["similar_cases"]):
        assert rows.nth(i).get_attribute("data-case-id") == ref["case_id"]
        if ref["source_url"]:
            link = rows.nth(i).locator("a")
            assert link.get_attribute("href") == ref["source_url"]
            assert link.get_attribute("rel") == "noopener noreferrer"
    for target, m in answer["model"].items():
        cells = page.locator(f'#model-versions tr[data-target="{target}"] td').all_inner_texts()
        assert cells[1:3] == [m["name"], m["version"]], "model and version"
    assert page.inner_text("#disclaimer") == answer["disclaimer"]  # said once, not "Non-binding. Non-binding ..."
    assert page.inner_text("#disclaimer").count("Non-binding") == 1


def test_validation_errors_appear_next_to_their_fields(page: Any) -> None:
    page.fill("#criminal-records_total", "-5")
    page.fill("#criminal-illegal_profit_yuan", "a lot")
    page.click("#estimate")
    records_error = page.locator('#form-criminal .field[data-field="records_total"] .error')
    records_error.wait_for(state="visible")
    assert "greater than or equal to 0" in records_error.inner_text()
    gains_error = page.locator('#form-criminal .field[data-field="illegal_profit_yuan"] .error')
    assert gains_error.is_visible() and "valid number" in gains_error.inner_text()
    assert page.locator(".field.invalid").count() == 2
    assert page.evaluate("document.activeElement.id") == "criminal-records_total", "the first error has the focus"
    assert page.get_attribute("#criminal-records_total", "aria-invalid") == "true"
    assert page.get_attribute("#result", "data-state") == "empty", "no answer drawn for a refused case"
    # fixed and sent again: the messages go away and the answer is drawn
    page.fill("#criminal-records_total", "30000")
    page.fill("#criminal-illegal_profit_yuan", "")
    page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready]")
    assert page.locator(".field.invalid").count() == 0 and not records_error.is_visible()


def test_pasted_facts_fill_the_form(page: Any) -> None:
    page.fill("#facts", FACTS)
    page.click("#extract")
    page.wait_for_selector("#extract-note[data-filled]")
    filled = set((page.get_attribute("#extract-note", "data-filled") or "").split(","))
    assert {"records_total", "insider", "illegal_profit_yuan", "conduct", "data_types"} <= filled
    assert page.input_value("#criminal-records_total") == "30000"
    assert page.input_value("#criminal-illegal_profit_yuan") == "18000"
    assert page.input_value("#criminal-insider") == "true"
    assert page.input_value("#criminal-guilty_plea") == "true"
    assert page.is_checked("#criminal-conduct input[value=sell]")
    assert page.locator('#form-criminal .field.prefilled[data-field="records_total"]').count() == 1
    page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready]")
    # 30,000 contact and address records (category C) sold by an insider: ten times the insider's halved
    # 2,500 is 25,000, so especially serious (Interp. 2017 Art. 5(2)(3) with 5(1)(5), 5(1)(8))
    assert page.get_attribute("#band", "data-band") == "especially_serious"


def test_export_downloads_the_report(page: Any) -> None:
    _fill_criminal(page)
    page.fill("#criminal-case_id", "memo 2026/17")
    with page.expect_download() as download:
        page.click("#export")
    assert re.fullmatch(r"exposure-report-\d{4}-\d{2}-\d{2}\.html", download.value.suggested_filename)
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Especially serious (情节特别严重)" in html or "Serious (情节严重)" in html
    assert "Interp. 2017 Art. 5(1)(7) + 5(1)(8)" in html  # a cited rule (gains of an insider)
    assert re.search(r"exposure-criminal</td><td>\d+</td>", html), "model and version"
    assert "Non-binding statistical estimate" in html and "memo 2026/17" in html
    disclaimer = html.split('<p class="disclaimer" id="disclaimer">', 1)[1].split("</p>", 1)[0]
    assert disclaimer.count("Non-binding") == 1, disclaimer
    assert "Records (条数), 条</td><td>30,000" in html
    assert "<script" not in html
    assert "Report saved as exposure-report-" in page.inner_text("#status")


def test_civil_case_estimate_and_export(page: Any, server: str) -> None:
    page.click("#tab-civil")
    assert page.is_hidden("#form-criminal") and page.is_visible("#form-civil")
    page.select_option("#civil-proceeding", "public_interest")
    page.select_option("#civil-plaintiff_type", "procuratorate")
    page.fill("#civil-claimed_yuan", "50万")
    page.fill("#civil-records_total", "960000")
    page.check("#civil-data_types input[value=minor_info]")
    with page.expect_request("**/v1/civil/estimate.html") as sent:
        page.click("#estimate")
    page.wait_for_selector("#result[data-state=ready] #award-chart")
    body = json.loads(sent.value.post_data)
    assert body["claimed_yuan"] == 500000 and body["proceeding"] == "public_interest"
    award = httpx.post(f"{server}/v1/civil/estimate", json=body, timeout=30).json()["awarded_total_yuan"]
    assert [_attr(page, "#award-chart", f"data-{k}") for k in ("low", "high", "point")] == [
        award["low"],
        award["high"],
        award["point"],
    ]
    with page.expect_download() as download:
        page.click("#export")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Award exposure report" in html and "Procuratorate (检察院)" in html


def test_api_docs_render_offline(browser: Any, server: str) -> None:
    """/docs (the page's "API" link) draws every operation with nothing but this origin: any request elsewhere is
    aborted, as it would fail offline or behind a firewall that blocks the CDN."""
    page = browser.new_page()
    outside: list[str] = []

    def only_this_origin(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_origin)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server}/")
        with page.expect_navigation():
            page.click("a[href='/docs']")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        shown = {
            (page.locator(".opblock-summary-method").nth(i).inner_text().strip().lower(), path.strip())
            for i, path in enumerate(page.locator(".opblock-summary-path").all_inner_texts())
        }
        documented = {
            (method, path)
            for path, item in httpx.get(f"{server}/openapi.json").json()["paths"].items()
            for method in item
        }
        assert documented <= {(m, p.replace("\u200b", "")) for m, p in shown}, (documented, shown)
        assert page.locator(".info .title").inner_text().startswith("Exposure")
    finally:
        page.close()
    assert outside == [], outside
    assert errors == [], errors

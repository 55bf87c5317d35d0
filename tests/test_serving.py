"""The HTTP service end to end: real servers in subprocesses, called over HTTP.

Two servers start together (in parallel, to keep the module fast):
- ``main``: started by ``exposure serve``, champions of ``trained_home``, API keys on, small body and batch limits;
- ``swap``: ``python -m uvicorn --factory serving.app:create_app`` on a copy of the store whose champion aliases
  were removed before start (so it starts without any champion), no API keys, registry polled every 0.3 s.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from servers import Server, app_env, free_port, register_again, registry_client, start, uvicorn_command
from validated import validated

from features.law.schema import CriminalCase
from features.law.statutory import statutory_band
from features.model.targets import ORDER_TARGETS
from features.store import CHAMPION_ALIAS, KINDS, TARGETS, registered_name
from serving import examples
from serving.schemas import (
    CivilBatchResponse,
    CivilCheck,
    CivilEstimate,
    CodefendantsResponse,
    CriminalBatchResponse,
    CriminalCheck,
    CriminalEstimate,
    Health,
    JudgmentResponse,
    ModelsResponse,
    Readiness,
)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
CRIMINAL = json.loads((REPO / "seeds" / "examples" / "criminal_case.json").read_text(encoding="utf-8"))
CIVIL = {
    **json.loads((REPO / "seeds" / "examples" / "civil_case.json").read_text(encoding="utf-8")),
    "claimed_yuan": 5e5,
}
MAX_BODY = 16_384
MAX_BATCH = 4
KEYS = ("key-one-7f3a", "key-two-91bc")
MARKER = "王小明-110101199003071234-MARKER"  # personal data that must never reach a log
FACTS = (
    "被告人张某在担任某快递公司员工期间,利用职务便利,将公司客户的姓名、电话、住址等信息3万余条出售给他人,"
    "获利1.8万元。到案后如实供述,自愿认罪认罚。"
)


def _registry(home: Path, action: str, versions: dict[str, str] | None = None) -> dict[str, str]:
    """Move the champion aliases of the store in ``home`` (a copy of ``trained_home``) with an explicit client (no
    MLflow global state): ``unset`` removes them, ``set`` points them at ``versions``, ``new`` registers the
    current champions' models again as new versions and moves the aliases there. Returns the versions."""
    client = registry_client(home)
    out: dict[str, str] = {}
    for kind in KINDS:
        name = registered_name(kind)
        if action == "unset":
            out[kind] = str(client.get_model_version_by_alias(name, CHAMPION_ALIAS).version)
            client.delete_registered_model_alias(name, CHAMPION_ALIAS)
        elif action == "set":
            assert versions is not None
            client.set_registered_model_alias(name, CHAMPION_ALIAS, versions[kind])
            out[kind] = versions[kind]
        else:
            current = str(client.get_model_version_by_alias(name, CHAMPION_ALIAS).version)
            out[kind] = register_again(client, kind, current)
    return out


@pytest.fixture(scope="module")
def servers(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    logs = tmp_path_factory.mktemp("server-logs")
    swap_home = tmp_path_factory.mktemp("swap") / "home"
    shutil.copytree(trained_home, swap_home)
    initial = _registry(swap_home, "unset")  # the swap server starts without any champion
    main_port, swap_port = free_port(), free_port()
    main_env = app_env(
        trained_home,
        EXPOSURE_PORT=str(main_port),  # host from the option, port from the environment
        EXPOSURE_API_KEYS=",".join(KEYS),
        EXPOSURE_MAX_BODY_BYTES=str(MAX_BODY),
        EXPOSURE_MAX_BATCH=str(MAX_BATCH),
    )
    started = [
        start(
            "main", [sys.executable, "-m", "exposure", "serve", "--host", "127.0.0.1"], main_env, logs, main_port
        ),
        start(
            "swap",
            uvicorn_command(swap_port),
            app_env(swap_home, EXPOSURE_RELOAD_INTERVAL_S="0.3"),
            logs,
            swap_port,
        ),
    ]
    try:
        for server in started:
            server.wait()
        yield {**{s.name: s for s in started}, "swap_home": swap_home, "initial_versions": initial}
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def main(servers: dict[str, Any]) -> Iterator[httpx.Client]:
    with servers["main"].client(headers={"X-API-Key": KEYS[0]}) as client:
        yield client


# ------------------------------------------------------------------------------------------------ health
def test_healthz_readyz_when_models_are_loaded(main: httpx.Client) -> None:
    assert validated(Health, main.get("/healthz")).status == "ok"
    ready = main.get("/readyz")
    assert ready.status_code == 200
    body = validated(Readiness, ready)
    assert body.ready and body.reason is None
    assert set(body.versions) == set(KINDS) and all(body.versions.values())


# ------------------------------------------------------------------------------------------------ criminal
def test_criminal_estimate_full_answer(main: httpx.Client) -> None:
    r = main.post("/v1/criminal/estimate", json={**CRIMINAL, "case_id": "c-1"})
    assert r.status_code == 200, r.text
    answer = validated(CriminalEstimate, r)
    band = statutory_band(CriminalCase.model_validate(CRIMINAL))
    assert answer.case_id == "c-1"
    assert answer.band == band.band.value and answer.statutory.rules, "band and the rules that set it"
    assert any("Interp. 2017" in rule.article for rule in answer.statutory.rules)
    months = answer.custodial_months
    assert months.low <= months.point <= months.high and 0 < months.level < 1
    # the point stays in the band; the range may reach below its minimum (Art. 63 mitigation), and then says so
    assert months.legal_range[0] <= months.point and months.high <= months.legal_range[1] and months.low >= 0
    assert (months.note is not None) == (months.low < months.legal_range[0])
    if months.note:
        assert "Art. 63" in months.note and f"{months.legal_range[0]:g} months" in months.note
    assert 0 <= answer.probation_probability <= answer.p_custodial_le_36_months <= 1
    assert answer.fine_yuan.low <= answer.fine_yuan.point <= answer.fine_yuan.high
    assert answer.drivers and all(isinstance(d.contribution_months, float) for d in answer.drivers)
    assert len(answer.similar_cases) == 5
    for ref in answer.similar_cases:
        assert ref.reference_only is (ref.authority != "guiding_case") and ref.case_id and 0 < ref.similarity <= 1
    assert [s.similarity for s in answer.similar_cases] == sorted(
        (s.similarity for s in answer.similar_cases), reverse=True
    )
    assert set(answer.model) == {"custodial_months", "probation", "fine_yuan"}
    assert all(m.version and m.run_id and m.name.startswith("exposure-") for m in answer.model.values())
    # the data each figure's model was trained on (domain conventions): the same digest and size /v1/models shows
    cards = main.get("/v1/models").json()["models"]
    for target, m in answer.model.items():
        assert m.dataset_digest and m.n_train and m.n_train > 10
        assert (m.dataset_digest, m.n_train) == (cards[target]["dataset_digest"], cards[target]["n_train"])
    assert "Non-binding" in answer.disclaimer and "reference only" in answer.disclaimer
    assert answer.extraction is None


def test_criminal_estimate_from_facts_and_extract(main: httpx.Client) -> None:
    r = main.post("/v1/criminal/estimate", json={"facts": FACTS, "case": {"year": 2024}})
    assert r.status_code == 200, r.text
    answer = validated(CriminalEstimate, r)
    assert answer.extraction is not None
    assert answer.extraction.case["records_total"] == 30000 and answer.extraction.case["insider"] is True
    # 30,000 contact and address records (category C) sold by an insider: ten times the insider's halved
    # 2,500 is 25,000, so especially serious (Interp. 2017 Art. 5(2)(3) with 5(1)(5), 5(1)(8))
    assert answer.band == "especially_serious"
    extracted = main.post("/v1/extract", json={"facts": FACTS})
    assert extracted.status_code == 200
    assert extracted.json()["case"]["illegal_profit_yuan"] == 18000
    assert main.post("/v1/criminal/estimate", json={"facts": ""}).status_code == 422


# ------------------------------------------------------------------------------------------------ civil
def test_civil_estimate_with_award_to_claim_ratio(main: httpx.Client) -> None:
    r = main.post("/v1/civil/estimate", json=CIVIL)
    assert r.status_code == 200, r.text
    answer = validated(CivilEstimate, r)
    award = answer.awarded_total_yuan
    assert 0 <= award.low <= award.point <= award.high <= CIVIL["claimed_yuan"]
    assert answer.award_to_claim_ratio is not None
    assert answer.award_to_claim_ratio.point == pytest.approx(award.point / CIVIL["claimed_yuan"], abs=2e-3)
    assert answer.proceeding == "public_interest" and answer.similar_cases and answer.drivers
    assert all(ref.reference_only for ref in answer.similar_cases)
    no_claim = main.post("/v1/civil/estimate", json={k: v for k, v in CIVIL.items() if k != "claimed_yuan"})
    assert no_claim.status_code == 200 and no_claim.json()["award_to_claim_ratio"] is None


# ------------------------------------------------------------------------------------------------ batches
def test_criminal_batch_answers_in_order_with_per_item_errors(main: httpx.Client) -> None:
    cases = [
        {**CRIMINAL, "case_id": "a"},
        {"records_total": -1},
        "not an object",
        {"records_total": 600, "case_id": "d"},
    ]
    r = main.post("/v1/criminal/estimate:batch", json={"cases": cases})
    assert r.status_code == 200, r.text
    results = validated(CriminalBatchResponse, r).results
    assert [x.index for x in results] == [0, 1, 2, 3]
    assert [x.ok for x in results] == [True, False, False, True]
    assert results[0].estimate is not None and results[0].estimate.case_id == "a"
    assert results[3].estimate is not None and results[3].estimate.case_id == "d"
    assert results[1].errors is not None and results[1].errors[0].field == "records_total"
    assert results[2].errors is not None and results[2].estimate is None
    single = validated(CriminalEstimate, main.post("/v1/criminal/estimate", json={**CRIMINAL, "case_id": "a"}))
    # crepes draws a random tie-breaker for P(y <= t) (smoothing): those two may differ in the third decimal
    noisy = {"p_custodial_le_36_months", "probation_probability", "extraction"}
    assert results[0].estimate.model_dump(exclude=noisy) == single.model_dump(exclude=noisy), "batch == single"
    assert results[0].estimate.p_custodial_le_36_months == pytest.approx(single.p_custodial_le_36_months, abs=0.03)


def test_civil_batch_and_batch_limit(main: httpx.Client) -> None:
    r = main.post(
        "/v1/civil/estimate:batch", json={"cases": [CIVIL, {"claimed_yuan": "lots"}, {"proceeding": "criminal"}]}
    )
    assert r.status_code == 200, r.text
    results = validated(CivilBatchResponse, r).results
    assert [x.ok for x in results] == [True, False, False]
    assert results[1].errors is not None and results[1].errors[0].field == "claimed_yuan"
    assert results[2].errors is not None and results[2].errors[0].field == "proceeding"
    too_many = main.post("/v1/civil/estimate:batch", json={"cases": [{}] * (MAX_BATCH + 1)})
    assert too_many.status_code == 422
    assert (
        too_many.json()["detail"][0]["field"] == "cases"
        and str(MAX_BATCH) in too_many.json()["detail"][0]["reason"]
    )
    assert main.post("/v1/criminal/estimate:batch", json={"cases": []}).status_code == 422


# ------------------------------------------------------------------------------------------------ examples
SHOWN_MODELS: dict[str, type[BaseModel]] = {
    "CRIMINAL_ANSWER": CriminalEstimate,
    "CIVIL_ANSWER": CivilEstimate,
    "CRIMINAL_BATCH_ANSWER": CriminalBatchResponse,
    "CIVIL_BATCH_ANSWER": CivilBatchResponse,
    "SENTENCE_CHECK": CriminalCheck,
    "AWARD_CHECK": CivilCheck,
    "CODEFENDANTS_ANSWER": CodefendantsResponse,
    "JUDGMENT_ANSWER": JudgmentResponse,
}


@pytest.mark.parametrize("name", list(examples.SHOWN))
def test_every_answer_the_docs_show_is_what_the_service_answers(main: httpx.Client, name: str) -> None:
    """/docs shows, for each shown request, the answer of champions trained as ``trained_home`` is (the command of
    ``scripts/example_answers.py``): asked again of this server, the answer is that one to the last digit, cut as
    ``serving.examples.shown`` says (fewer drivers, similar cases and levers; the run id of any training)."""
    path, body = examples.SHOWN[name]
    r = main.post(path, json=body)
    assert r.status_code == 200, r.text[:300]
    answer = r.json()
    validated(SHOWN_MODELS[name], r)
    assert examples.shown(name, answer) == getattr(examples, name), (
        f"{name} is not what POST {path} answers: run scripts/example_answers.py (see its docstring)"
    )
    if name in ("SENTENCE_CHECK", "AWARD_CHECK"):  # the check's example carries the example estimate of its case
        estimate = "CRIMINAL_ANSWER" if name == "SENTENCE_CHECK" else "CIVIL_ANSWER"
        assert examples.shown(estimate, answer["estimate"]) == getattr(examples, estimate)


def _without_none(value: Any) -> Any:
    """What FastAPI writes of an example into the document: every null field left out (``exclude_none``)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def test_the_document_shows_the_examples_the_service_gives(main: httpx.Client) -> None:
    """The response examples of /openapi.json are serving.examples' (the ones tied to the engine above)."""
    schemas = main.get("/openapi.json").json()["components"]["schemas"]
    shown = {
        "CriminalEstimate": examples.CRIMINAL_ANSWER,
        "CivilEstimate": examples.CIVIL_ANSWER,
        "CriminalCheck": {**examples.SENTENCE_CHECK, "estimate": examples.CRIMINAL_ANSWER},
        "CivilCheck": {**examples.AWARD_CHECK, "estimate": examples.CIVIL_ANSWER},
        **{
            SHOWN_MODELS[name].__name__: getattr(examples, name)
            for name in ("CRIMINAL_BATCH_ANSWER", "CIVIL_BATCH_ANSWER", "CODEFENDANTS_ANSWER", "JUDGMENT_ANSWER")
        },
    }
    for schema, example in shown.items():
        assert schemas[schema]["examples"] == [_without_none(example)], schema


# ------------------------------------------------------------------------------------------------ models, metrics
def test_models_lists_versions_data_and_cv_metrics(main: httpx.Client) -> None:
    r = main.get("/v1/models")
    assert r.status_code == 200
    body = validated(ModelsResponse, r)
    # every part of the two estimators: the four targets and the civil orders told as base rates
    assert body.ready and set(body.models) == {*TARGETS, *ORDER_TARGETS} and not body.missing
    for card in body.models.values():
        assert card.version and card.run_id
        assert card.family in ("baseline", "band_quantile", "base_rate", "ridge", "logistic")
        assert card.dataset_digest and card.n_train and card.n_train > 10
        assert card.metrics
    assert "mae_months" in body.models["custodial_months"].metrics
    assert 0 < body.models["apology_ordered"].metrics["base_rate"] < 1
    assert {k: c.parts for k, c in body.estimators.items()} == {
        "criminal": ["custodial_months", "probation", "fine_yuan"],
        "civil": ["awarded_total_yuan", *ORDER_TARGETS],
    }


def test_metrics_count_requests_and_latency(main: httpx.Client) -> None:
    main.get("/healthz")
    main.post("/v1/criminal/estimate", json=CRIMINAL)
    text = main.get("/metrics").text
    assert 'exposure_http_requests_total{method="POST",route="/v1/criminal/estimate",status="200"}' in text
    assert (
        'exposure_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/criminal/estimate"}'
        in text
    )
    assert "exposure_models_ready 1.0" in text
    assert 'exposure_model_version{target="custodial_months"}' in text


# ------------------------------------------------------------------------------------------------ bad input
def test_validation_errors_name_the_field_without_echoing_values(main: httpx.Client) -> None:
    cases: list[tuple[str, Any, str]] = [
        ("/v1/criminal/estimate", {"records_total": MARKER}, "records_total"),
        ("/v1/criminal/estimate", {"summary_en": "x", MARKER: 1}, MARKER),  # an unknown key is named, by design
        ("/v1/criminal/estimate", {"records_by_type": {MARKER: 3}}, "records_by_type.[key]"),
        ("/v1/criminal/estimate", {"victim_category": MARKER}, "victim_category"),
        ("/v1/criminal/estimate", {"prison_months": 60, "probation_months": 60}, "(case)"),
        ("/v1/civil/estimate", {"claimed_yuan": -5, "summary_en": MARKER}, "claimed_yuan"),
        ("/v1/civil/estimate", {"proceeding": MARKER}, "proceeding"),
    ]
    for path, body, field in cases:
        r = main.post(path, json=body)
        assert r.status_code == 422, (path, field)
        detail = r.json()["detail"]
        assert [set(e) for e in detail] == [{"field", "reason"}] * len(detail)
        assert field in [e["field"] for e in detail]
        if field != MARKER:
            assert MARKER not in r.text
    broken = main.post(
        "/v1/criminal/estimate",
        content=b'{"summary_en": "' + MARKER.encode() + b'"',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 422 and MARKER not in broken.text
    assert main.post("/v1/criminal/estimate", json=[1, 2]).status_code == 422
    # Python's JSON parser takes NaN/Infinity (JSON has neither): refused by name, never a 500 from the learners
    for path, raw, field in (
        ("/v1/criminal/estimate", b'{"illegal_profit_yuan": Infinity}', "illegal_profit_yuan"),
        ("/v1/civil/estimate", b'{"claimed_yuan": -Infinity}', "claimed_yuan"),
        ("/v1/criminal/estimate", b'{"sales_yuan": NaN}', "sales_yuan"),
    ):
        r = main.post(path, content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == field, (path, r.text)


def test_oversized_bodies_answer_413(main: httpx.Client) -> None:
    big = {**CRIMINAL, "summary_en": "x" * (MAX_BODY + 10)}
    assert main.post("/v1/criminal/estimate", json=big).status_code == 413  # by Content-Length

    def chunks() -> Iterator[bytes]:
        payload = json.dumps(big).encode()
        for i in range(0, len(payload), 4096):
            yield payload[i : i + 4096]

    streamed = main.post("/v1/criminal/estimate", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413  # chunked, no Content-Length: counted while streaming
    assert main.post("/v1/civil/estimate:batch", json={"cases": [big]}).status_code == 413
    assert main.get("/healthz").status_code == 200  # the server is fine afterwards


def test_request_bodies_never_reach_the_logs(servers: dict[str, Any], main: httpx.Client) -> None:
    marked = {**CRIMINAL, "summary_en": MARKER, "case_id": MARKER}
    main.post("/v1/criminal/estimate", json=marked)
    main.post("/v1/criminal/estimate", json={**marked, "records_total": MARKER})
    main.post("/v1/criminal/estimate:batch", json={"cases": [marked, {"year": MARKER}]})
    main.post("/v1/criminal/estimate", json={"facts": FACTS + MARKER})
    main.post("/v1/civil/estimate", json={**CIVIL, "summary_en": MARKER * 500})
    main.post("/v1/criminal/estimate", content=MARKER.encode(), headers={"content-type": "application/json"})
    main.get("/healthz")
    time.sleep(0.3)
    log = servers["main"].log.read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/criminal/estimate 200" in log and "POST /v1/criminal/estimate 422" in log
    assert MARKER not in log and "王小明" not in log


def test_openapi_has_examples_for_every_body(main: httpx.Client) -> None:
    spec = main.get("/openapi.json").json()
    # what a running server publishes is the committed contract clients generate their code from
    assert spec == json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]

    def has_examples(media: dict[str, Any]) -> bool:
        if media.get("example") is not None or media.get("examples"):
            return True
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return bool(schema.get("examples"))

    paths = spec["paths"]
    for route in (
        "/v1/criminal/estimate",
        "/v1/criminal/estimate:batch",
        "/v1/civil/estimate",
        "/v1/civil/estimate:batch",
        "/v1/extract",
        "/v1/models",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert route in paths, route
    for route, ops in paths.items():
        for method, op in ops.items():
            if "requestBody" in op:
                assert has_examples(op["requestBody"]["content"]["application/json"]), (method, route)
            for status, response in op["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    assert has_examples(media), (method, route, status, media_type)


# ------------------------------------------------------------------------------------------------ API keys
def test_api_keys_when_configured(servers: dict[str, Any]) -> None:
    with servers["main"].client() as anonymous:
        for path, body in (("/v1/criminal/estimate", CRIMINAL), ("/v1/civil/estimate", CIVIL)):
            assert anonymous.post(path, json=body).status_code == 401
            assert anonymous.post(path, json=body, headers={"X-API-Key": "wrong"}).status_code == 401
            assert anonymous.post(path, json=body, headers={"X-API-Key": KEYS[0][:-1]}).status_code == 401
            assert anonymous.post(path, json=body, headers={"X-API-Key": KEYS[1]}).status_code == 200
            assert (
                anonymous.post(path, json=body, headers={"Authorization": f"Bearer {KEYS[0]}"}).status_code == 200
            )
        assert anonymous.post("/v1/criminal/estimate", json={"records_total": "x"}).status_code == 401
        assert anonymous.post("/v1/criminal/estimate:batch", json={"cases": [CRIMINAL]}).status_code == 401
        assert anonymous.get("/v1/models").status_code == 401
        assert anonymous.get("/v1/models", headers={"X-API-Key": KEYS[1]}).status_code == 200
        assert anonymous.post("/v1/extract", json={"facts": FACTS}).status_code == 401
        for open_path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert anonymous.get(open_path).status_code == 200, open_path
    assert not any(key in servers["main"].log.read_text() for key in KEYS)
    # keys off (the swap server has none configured): the same calls are open
    with servers["swap"].client() as open_client:
        assert open_client.get("/v1/models").status_code == 200


# ------------------------------------------------------------------------------------------------ hot swap
def _assert_no_champion(client: httpx.Client) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = validated(Readiness, ready)
    assert not body.ready and body.command == "exposure train"
    assert body.reason is not None and "exposure-criminal@champion" in body.reason
    for path, case in (
        ("/v1/criminal/estimate", CRIMINAL),
        ("/v1/civil/estimate", CIVIL),
        ("/v1/criminal/estimate:batch", {"cases": [CRIMINAL]}),
        ("/v1/civil/estimate:batch", {"cases": [CIVIL]}),
    ):
        r = client.post(path, json=case)
        assert r.status_code == 503, path
        assert r.json()["command"] == "exposure train" and "exposure train" in r.json()["detail"]
        assert r.headers["retry-after"]
    assert client.post("/v1/criminal/estimate", json={"records_total": -1}).status_code == 422  # still validates
    models = validated(ModelsResponse, client.get("/v1/models"))
    assert not models.ready and not models.models and set(models.missing) == set(KINDS)


def _wait_for_versions(client: httpx.Client, wanted: dict[str, str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get("/readyz")
        if r.status_code == 200 and r.json()["versions"] == wanted:
            return
        time.sleep(0.1)
    pytest.fail(f"the server did not load {wanted}; /readyz says {client.get('/readyz').json()}")


def test_no_champion_then_pickup_then_swap_under_load_without_failures(servers: dict[str, Any]) -> None:
    home: Path = servers["swap_home"]
    initial: dict[str, str] = servers["initial_versions"]
    server: Server = servers["swap"]
    with server.client() as client:
        _assert_no_champion(client)  # started without any champion: it runs and says what to do
        _registry(home, "set", initial)
        _wait_for_versions(client, initial)  # picked up without a restart

        stop = threading.Event()
        failures: list[str] = []
        seen: list[str] = []
        lock = threading.Lock()

        def hammer(kind: str) -> None:
            path, body = (
                ("/v1/criminal/estimate", CRIMINAL) if kind == "criminal" else ("/v1/civil/estimate", CIVIL)
            )
            model: type[CriminalEstimate | CivilEstimate] = (
                CriminalEstimate if kind == "criminal" else CivilEstimate
            )
            with server.client() as own:
                while not stop.is_set():
                    try:
                        r = own.post(path, json=body)
                        answer = validated(model, r) if r.status_code == 200 else None
                    except Exception as exc:
                        with lock:
                            failures.append(f"{kind}: {type(exc).__name__}")
                        continue
                    with lock:
                        if answer is None:
                            failures.append(f"{kind}: HTTP {r.status_code}")
                        else:
                            seen.append(next(iter(answer.model.values())).version)

        threads = [threading.Thread(target=hammer, args=(k,)) for k in ("criminal", "criminal", "civil", "civil")]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            new = _registry(home, "new")
            assert new != initial
            _wait_for_versions(client, new)
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        assert not failures, failures[:10]
        assert set(initial.values()) & set(seen) and set(new.values()) & set(seen), "answers before and after"
        assert seen[-1] in new.values()
        models = validated(ModelsResponse, client.get("/v1/models"))
        assert models.reloads >= 1 and {k: c.version for k, c in models.estimators.items()} == new

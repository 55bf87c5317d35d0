"""The corners of the HTTP contract (issue #14), on real servers in subprocesses, over real HTTP.

- ``full``: champions of ``trained_home``, API keys on, a small body limit;
- ``empty``: a store without champions, no keys, the default body limit (256 KiB).

Every operation of the served OpenAPI document is walked: each answer it gives to a missing key, a body that is not
JSON, too large (declared or streamed), malformed, valid, or without champions, must have a status the document
lists for that operation and a body of the documented schema. Then: a case with no fact is refused unless
``prior=true``; HEAD is answered wherever GET is; /metrics names every route.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import Server, app_env, free_port, start, uvicorn_command
from validated import validated

from serving import schemas

pytestmark = pytest.mark.slow
KEY = "corner-key-3e1f"
LIMIT = 8192
DEFAULT_LIMIT = 256 * 1024
MARKER = "赵小燕-110101198807071234-MARKER"
CRIMINAL = {"records_total": 6000, "data_types": ["contact"], "conduct": ["sell"]}


@pytest.fixture(scope="module")
def servers(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    logs = tmp_path_factory.mktemp("corner-logs")
    empty_home = tmp_path_factory.mktemp("corner-empty-home")
    ports = {"full": free_port(), "empty": free_port()}
    envs = {
        "full": app_env(
            trained_home,
            EXPOSURE_API_KEYS=KEY,
            EXPOSURE_MAX_BODY_BYTES=str(LIMIT),
            EXPOSURE_RELOAD_INTERVAL_S="0",
            EXPOSURE_MODEL_CACHE_DIR="off",
        ),
        "empty": app_env(empty_home, EXPOSURE_RELOAD_INTERVAL_S="0", EXPOSURE_MODEL_CACHE_DIR="off"),
    }
    started = {name: start(name, uvicorn_command(ports[name]), envs[name], logs, ports[name]) for name in ports}
    try:
        for server in started.values():
            server.wait()
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="module")
def document(servers: dict[str, Server]) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(f"{servers['full'].url}/openapi.json").json()
    return spec


def _schema(document: dict[str, Any], ref_or_schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ref = ref_or_schema["$ref"]
    name = ref.rsplit("/", 1)[-1]
    return name, document["components"]["schemas"][name]


def _assert_documented(document: dict[str, Any], path: str, method: str, r: httpx.Response) -> None:
    """The answer's status is one the operation documents, and its JSON body has the documented schema (required
    properties present, nothing undocumented, and the service's own model of that name accepts it)."""
    op = document["paths"][path][method]
    status = str(r.status_code)
    assert status in op["responses"], (
        f"{method.upper()} {path} answered {status}, documented {list(op['responses'])}"
    )
    if r.status_code == 200 and "application/json" not in op["responses"]["200"].get("content", {}):
        return  # HTML report, Prometheus text
    assert r.headers["content-type"].startswith("application/json"), (method, path, status, r.headers)
    media = op["responses"][status]["content"]["application/json"]
    name, schema = _schema(document, media["schema"])
    body = r.json()
    assert set(schema.get("required", [])) <= set(body), (method, path, status, name, body)
    assert set(body) <= set(schema.get("properties", {})), (method, path, status, name, body)
    validated(getattr(schemas, name), body)


def _example_body(document: dict[str, Any], op: dict[str, Any]) -> Any:
    media = op["requestBody"]["content"]["application/json"]
    if media.get("examples"):
        return next(iter(media["examples"].values()))["value"]
    _, schema = _schema(document, media["schema"])
    return schema["examples"][0]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in document["paths"].items() for m, op in item.items()]


# ------------------------------------------------------------------------------------------------ the walk
def test_every_operation_answers_with_documented_statuses_and_bodies(
    servers: dict[str, Server], document: dict[str, Any]
) -> None:
    full, empty = servers["full"].url, servers["empty"].url
    keyed = {"X-API-Key": KEY}
    seen: set[tuple[str, str, int]] = set()

    def check(base: str, path: str, method: str, r: httpx.Response) -> None:
        _assert_documented(document, path, method, r)
        seen.add((method, path, r.status_code))

    with httpx.Client(timeout=60) as client:
        for path, method, op in _operations(document):
            url = f"{full}{path}"
            if method == "get":
                if "401" in op["responses"]:
                    r = client.get(url)
                    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
                    check(full, path, method, r)
                r = client.get(url, headers=keyed)
                assert r.status_code == 200, (path, r.text[:300])
                check(full, path, method, r)
                continue
            example = _example_body(document, op)
            check(full, path, method, client.post(url, json=example))  # no key: 401
            as_text = client.post(
                url, content=json.dumps(example), headers={**keyed, "content-type": "text/plain"}
            )
            assert as_text.status_code == 415 and "application/json" in as_text.json()["detail"]
            check(full, path, method, as_text)
            big = json.dumps({**example, "summary_en": "x" * LIMIT} if isinstance(example, dict) else example)
            declared = client.post(url, content=big, headers={**keyed, "content-type": "application/json"})
            assert declared.status_code == 413 and declared.json()["limit_bytes"] == LIMIT, declared.text
            assert f"{LIMIT} bytes" in declared.json()["detail"]
            check(full, path, method, declared)

            def chunks(payload: bytes = big.encode()) -> Iterator[bytes]:
                for i in range(0, len(payload), 1024):
                    yield payload[i : i + 1024]

            streamed = client.post(url, content=chunks(), headers={**keyed, "content-type": "application/json"})
            assert streamed.status_code == 413 and streamed.json()["limit_bytes"] == LIMIT, streamed.text
            check(full, path, method, streamed)
            broken = client.post(
                url, content=b'{"records_total": ', headers={**keyed, "content-type": "application/json"}
            )
            assert broken.status_code == 422
            check(full, path, method, broken)
            ok = client.post(url, json=example, headers=keyed)
            assert ok.status_code == 200, (path, ok.text[:300])
            check(full, path, method, ok)
            if "503" in op["responses"]:
                r = client.post(f"{empty}{path}", json=example)
                assert r.status_code == 503 and r.headers["retry-after"], (path, r.text[:300])
                check(empty, path, method, r)
        ready = client.get(f"{empty}/readyz")
        assert ready.status_code == 503
        check(empty, "/readyz", "get", ready)
        # any path: 404 and 405 with the ErrorBody of components.responses
        responses = document["components"]["responses"]
        for r, name in (
            (client.get(f"{full}/v1/no-such-thing"), "NotFound"),
            (client.get(f"{full}/v1/criminal/estimate", headers=keyed), "MethodNotAllowed"),
            (client.delete(f"{full}/healthz"), "MethodNotAllowed"),
        ):
            assert r.status_code == (404 if name == "NotFound" else 405)
            ref = responses[name]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody") and set(r.json()) == {"detail"}
        assert "POST" in client.get(f"{full}/v1/criminal/estimate", headers=keyed).headers["allow"]
    statuses = {s for _, _, s in seen}
    assert {200, 401, 413, 415, 422, 503} <= statuses


def test_a_large_body_is_refused_with_its_limit_in_json(servers: dict[str, Server]) -> None:
    """4.6 MB against the default limit: JSON, not Starlette's text/plain 'Content Too Large'."""
    body = json.dumps({**CRIMINAL, "summary_en": "案" * 1_600_000}).encode()
    assert len(body) > 4_600_000
    r = httpx.post(
        f"{servers['empty'].url}/v1/criminal/estimate",
        content=body,
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 413 and r.headers["content-type"] == "application/json"
    assert r.json() == {
        "detail": f"the request body is larger than {DEFAULT_LIMIT} bytes, the most this service takes "
        "(EXPOSURE_MAX_BODY_BYTES); send fewer or shorter cases per call",
        "limit_bytes": DEFAULT_LIMIT,
    }
    assert httpx.get(f"{servers['empty'].url}/healthz").status_code == 200


# ------------------------------------------------------------------------------------------------ no fact
def test_a_case_without_any_fact_is_refused_naming_what_can_be_given(servers: dict[str, Server]) -> None:
    bodies: list[dict[str, Any]] = [
        {},
        {"case_id": MARKER, "year": 2024, "court": "某区人民法院"},
        {"data_types": [], "conduct": []},
    ]
    with servers["full"].client(headers={"X-API-Key": KEY}) as client:
        for body in bodies:
            r = client.post("/v1/criminal/estimate", json=body)
            assert r.status_code == 422, r.text
            [error] = r.json()["detail"]
            assert error["field"] == "(case)" and "states no fact" in error["reason"]
            for name in ("records_total", "data_types", "conduct", "illegal_profit_yuan", "surrender"):
                assert name in error["reason"]
            assert MARKER not in r.text
        weather = client.post("/v1/criminal/estimate", json={"facts": "今天天气很好。"})
        assert weather.status_code == 422
        [error] = weather.json()["detail"]
        assert error["field"] == "facts" and "nothing could be read" in error["reason"]
        assert "records_total" in error["reason"]
        civil = client.post("/v1/civil/estimate", json={"proceeding": "public_interest"})
        assert civil.status_code == 422 and "claimed_yuan" in civil.json()["detail"][0]["reason"]
        for path in ("/v1/criminal/report", "/v1/civil/report"):
            assert client.post(path, json={}).status_code == 422
        # a stated absence is a fact: no surrender is something the court weighs
        assert client.post("/v1/criminal/estimate", json={"surrender": False}).status_code == 200
        batch = client.post("/v1/criminal/estimate:batch", json={"cases": [CRIMINAL, {}]}).json()["results"]
        assert batch[0]["ok"] and not batch[1]["ok"]
        assert batch[1]["errors"][0]["field"] == "(case)"


def test_the_prior_is_given_only_when_asked_and_says_so(servers: dict[str, Server]) -> None:
    with servers["full"].client(headers={"X-API-Key": KEY}) as client:
        with_facts = validated(schemas.CriminalEstimate, client.post("/v1/criminal/estimate", json=CRIMINAL))
        assert with_facts.prior_only is False and with_facts.warnings == []
        for body in ({}, {"facts": "今天天气很好。"}):
            r = client.post("/v1/criminal/estimate", params={"prior": "true"}, json=body)
            assert r.status_code == 200, r.text
            answer = validated(schemas.CriminalEstimate, r)
            assert answer.prior_only is True
            assert any("No fact of the case was given" in w for w in answer.warnings)
        civil = client.post("/v1/civil/estimate?prior=true", json={})
        assert civil.status_code == 200 and civil.json()["prior_only"] is True
        batch = client.post("/v1/civil/estimate:batch?prior=true", json={"cases": [{}]}).json()["results"]
        assert batch[0]["ok"] and batch[0]["estimate"]["prior_only"] is True
        report = client.post("/v1/criminal/report?prior=true", json={})
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        assert "No fact of the case was given" in report.text


def test_extract_names_the_missing_facts_field(servers: dict[str, Server]) -> None:
    with servers["full"].client(headers={"X-API-Key": KEY}) as client:
        for body in ({}, {"facts": ""}):
            r = client.post("/v1/extract", json=body)
            assert r.status_code == 422
            assert [e["field"] for e in r.json()["detail"]] == ["facts"], r.text


# ------------------------------------------------------------------------------------------------ HEAD, metrics
def test_head_is_answered_wherever_get_is(servers: dict[str, Server]) -> None:
    with servers["full"].client() as client:
        for path in ("/", "/healthz", "/readyz", "/openapi.json", "/docs", "/static/app.js", "/ui/form.json"):
            got, head = client.get(path), client.head(path)
            assert head.status_code == got.status_code == 200, path
            assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path
            assert head.headers.get("content-length") == str(len(got.content)), path
        assert client.head("/v1/no-such-thing").status_code == 404
        assert client.head("/v1/criminal/estimate").status_code == 405  # POST only


def test_metrics_name_every_route(servers: dict[str, Server]) -> None:
    with servers["full"].client() as client:
        for path in ("/openapi.json", "/docs", "/docs/assets/swagger-ui.css", "/static/style.css", "/"):
            assert client.get(path).status_code == 200, path
        client.head("/")
        client.get("/v1/no-such-thing")
        client.post(
            "/v1/criminal/estimate", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"}
        )
        time.sleep(0.1)
        lines = [
            line
            for line in client.get("/metrics").text.splitlines()
            if line.startswith("exposure_http_requests_total{")
        ]
    labels = {line.split("{", 1)[1].rsplit("}", 1)[0] for line in lines}
    for route in ("/openapi.json", "/docs", "/docs/assets/{name}", "/static/{name}"):
        assert f'method="GET",route="{route}",status="200"' in labels, (route, labels)
    assert 'method="HEAD",route="/",status="200"' in labels
    assert 'method="POST",route="/v1/criminal/estimate",status="413"' in labels
    unmatched = {label for label in labels if "(unmatched)" in label}
    assert 'method="GET",route="(unmatched)",status="404"' in unmatched
    assert all(label.endswith('status="404"') for label in unmatched), unmatched  # only paths that do not exist


def test_docs_pages_load_nothing_from_another_origin(servers: dict[str, Server]) -> None:
    with servers["empty"].client() as client:
        assert client.get("/redoc").status_code == 404  # not served: ReDoc loads its logo from another origin
        for path in ("/docs",):
            html = client.get(path).text
            assert "http://" not in html and "https://" not in html, path
            assets = [part.split('"', 1)[0] for part in html.split('="/docs/assets/')[1:]]
            assert assets, path
            for name in assets:
                r = client.get(f"/docs/assets/{name}")
                assert r.status_code == 200 and len(r.content) > 1000, name
        assert client.get("/docs/assets/..%2Fapp.py").status_code == 404

"""Examples of every request and response body, shown in the OpenAPI document (/docs).

The requests are written here by hand (the cases are the repository's seeds/examples). The answers are not: each is
what the service answers to its request (:data:`SHOWN`) with the champions that ``exposure train --repeats 1
--family baseline --family ridge --family logistic`` trains on the seed data, cut by :func:`shown` to a few
drivers, similar cases and levers, and kept in ``serving/example_answers.json``. ``scripts/example_answers.py``
writes that file from a running service; ``tests/test_serving.py`` asks a real server trained that way for every
answer again and asserts it is the one shown, so an example cannot drift from the engine and the law table
(features/law/law_2017.toml) in force.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CRIMINAL_CASE: dict[str, Any] = {
    "case_id": "demo-1",
    "summary_en": "An employee of a courier company sold parcel-slip data (names, phones, addresses) and 120 "
    "lodging records to a marketing firm.",
    "records_by_type": {"parcel": 30000, "lodging": 120},
    "data_types": ["parcel", "contact", "address", "lodging"],
    "victim_category": "customers",
    "conduct": ["sell"],
    "insider": True,
    "illegal_profit_yuan": 18000,
    "n_defendants": 1,
    "role": "sole",
    "truthful_confession": True,
    "guilty_plea": True,
    "restitution": True,
    "year": 2024,
}

CIVIL_CASE: dict[str, Any] = {
    "case_id": "demo-civil-1",
    "proceeding": "public_interest",
    "summary_en": "A procuratorate sues two operators of a website that sold 960,000 records of minors' names "
    "and ID numbers.",
    "records_total": 960000,
    "data_types": ["identity", "minor_info"],
    "victim_category": "minors",
    "conduct": ["sell"],
    "sales_yuan": 470000,
    "plaintiff_type": "procuratorate",
    "defendant_type": "individual",
    "claim_type": "public_interest",
    "year": 2022,
    "claimed_yuan": 500000,  # not-law: the example's claim
}

CRIMINAL_CHECK_REQUEST: dict[str, Any] = {
    "case": CRIMINAL_CASE,
    "sentence": {"custodial_months": 30, "probation_months": None, "fine_yuan": 20000},  # not-law: an example
}
CIVIL_CHECK_REQUEST: dict[str, Any] = {"case": CIVIL_CASE, "award": {"awarded_total_yuan": 300000}}
# the second case of each batch is refused in its slot
CRIMINAL_BATCH_REQUEST: dict[str, Any] = {"cases": [CRIMINAL_CASE, {"records_total": -5}]}
CIVIL_BATCH_REQUEST: dict[str, Any] = {"cases": [CIVIL_CASE, {"claimed_yuan": "a lot"}]}
CODEFENDANTS_REQUEST: dict[str, Any] = {
    "shared": {
        "records_total": 12000,
        "data_types": ["parcel"],
        "conduct": ["sell", "provide"],
        "illegal_profit_yuan": 32000,
        "year": 2021,
    },
    "defendants": [
        {"defendant": "张某某", "role": "principal", "truthful_confession": True},
        {"defendant": "李某", "role": "accessory", "surrender": True, "guilty_plea": True, "restitution": True},
    ],
}
# an invented judgment (no real court, case or person)
JUDGMENT_TEXT = "四川省成都市某某区人民法院\n刑事判决书\n（2023）川0104刑初456号\n公诉机关成都市某某区人民检察院。\n被告人王某，男，1991年出生，某物业公司客服。\n经审理查明：2022年3月至12月，被告人王某利用担任某物业公司客服的便利，将小区业主的姓名、电话、住址等信息共计3600余条出售给他人，获利人民币6000元。案发后，被告人王某主动投案，如实供述了自己的罪行，退缴了全部违法所得。\n本院认为，被告人王某违反国家有关规定，将在提供服务过程中获得的公民个人信息出售给他人，情节严重，其行为已构成侵犯公民个人信息罪。被告人王某有自首情节，自愿认罪认罚，依法可以从轻处罚。判决如下：\n被告人王某犯侵犯公民个人信息罪，判处有期徒刑十个月，缓刑一年，并处罚金人民币八千元。\n审判员  某某\n二〇二三年六月一日\n"
JUDGMENT_REQUEST: dict[str, Any] = {"text": JUDGMENT_TEXT, "filename": "judgment.txt"}

# ---------------------------------------------------------------------------------------------------- answers
ANSWERS_FILE = Path(__file__).with_name("example_answers.json")
RUN_ID = "0123456789abcdef0123456789abcdef"  # the run of the champion: a new one at every training
SHOWN: dict[str, tuple[str, dict[str, Any]]] = {
    "CRIMINAL_ANSWER": ("/v1/criminal/estimate", CRIMINAL_CASE),
    "CIVIL_ANSWER": ("/v1/civil/estimate", CIVIL_CASE),
    "CRIMINAL_BATCH_ANSWER": ("/v1/criminal/estimate:batch", CRIMINAL_BATCH_REQUEST),
    "CIVIL_BATCH_ANSWER": ("/v1/civil/estimate:batch", CIVIL_BATCH_REQUEST),
    "SENTENCE_CHECK": ("/v1/criminal/check", CRIMINAL_CHECK_REQUEST),
    "AWARD_CHECK": ("/v1/civil/check", CIVIL_CHECK_REQUEST),
    "CODEFENDANTS_ANSWER": ("/v1/criminal/codefendants", CODEFENDANTS_REQUEST),
    "JUDGMENT_ANSWER": ("/v1/criminal/judgment", JUDGMENT_REQUEST),
}
"""Each shown answer: the route that gives it and the request it answers."""


def _estimate(answer: dict[str, Any]) -> dict[str, Any]:
    """An estimate with three drivers, two similar cases, three levers and the run id of any training."""
    out = {**answer, "drivers": answer["drivers"][:3], "similar_cases": answer["similar_cases"][:2]}
    if "levers" in out:
        out["levers"] = out["levers"][:3]
    out["model"] = {target: {**info, "run_id": RUN_ID} for target, info in answer["model"].items()}
    return out


def _check(check: dict[str, Any]) -> dict[str, Any]:
    """A deviation check with one similar case on each side, without the estimate it was placed in."""
    out = {k: v for k, v in check.items() if k != "estimate"}
    for side in ("similar_below", "similar_equal", "similar_above"):
        out[side] = check[side][:1]
    return out


def shown(name: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The part of the service's whole answer to ``SHOWN[name]`` that the examples show (see :data:`SHOWN`)."""
    if name in ("CRIMINAL_ANSWER", "CIVIL_ANSWER"):
        return _estimate(answer)
    if name in ("CRIMINAL_BATCH_ANSWER", "CIVIL_BATCH_ANSWER"):
        results = answer["results"]
        return {"results": [{**r, "estimate": r["estimate"] and _estimate(r["estimate"])} for r in results]}
    if name in ("SENTENCE_CHECK", "AWARD_CHECK"):
        return _check(answer)
    if name == "CODEFENDANTS_ANSWER":
        return {
            **answer,
            "defendants": [{**d, "estimate": _estimate(d["estimate"])} for d in answer["defendants"]],
        }
    if name == "JUDGMENT_ANSWER":
        rows = [
            {
                **row,
                "evidence": dict(list(row["evidence"].items())[:4]),
                "estimate": _estimate(row["estimate"]) if row["estimate"] is not None else None,
                "check": _check(row["check"]) if row["check"] is not None else None,
            }
            for row in answer["defendants"]
        ]
        return {**answer, "defendants": rows}
    raise KeyError(name)


def _load() -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = json.loads(ANSWERS_FILE.read_text(encoding="utf-8"))
    return answers


_ANSWERS = _load()
CRIMINAL_ANSWER: dict[str, Any] = _ANSWERS["CRIMINAL_ANSWER"]
CIVIL_ANSWER: dict[str, Any] = _ANSWERS["CIVIL_ANSWER"]
CRIMINAL_BATCH_ANSWER: dict[str, Any] = _ANSWERS["CRIMINAL_BATCH_ANSWER"]
CIVIL_BATCH_ANSWER: dict[str, Any] = _ANSWERS["CIVIL_BATCH_ANSWER"]
SENTENCE_CHECK: dict[str, Any] = _ANSWERS["SENTENCE_CHECK"]
AWARD_CHECK: dict[str, Any] = _ANSWERS["AWARD_CHECK"]
CODEFENDANTS_ANSWER: dict[str, Any] = _ANSWERS["CODEFENDANTS_ANSWER"]
JUDGMENT_ANSWER: dict[str, Any] = _ANSWERS["JUDGMENT_ANSWER"]

"""Checks a champion set must pass before the service swaps it in (from the registry or the disk cache).

A model version can load and still be unusable: its artifact replaced by another object, an estimator not fitted,
parts trained under different law tables, or answers that are not finite. So each loaded set answers the built-in
example cases (``serving.examples``) first: the estimator's type, the same law table across the kinds (an answer
cites one law), finite ordered ranges, probabilities in [0, 1], and answers that validate against the response
models of the API. Only the example cases are used, so a refusal reason never holds case data.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from features.model.answer import CivilEstimator, CriminalEstimator
from serving import examples
from serving.estimate import ChampionSet
from serving.schemas import CivilCase, CivilEstimate, CriminalCase, CriminalEstimate

_EXPECTED = {"criminal": CriminalEstimator, "civil": CivilEstimator}


def _interval(answer: dict[str, Any], key: str) -> str | None:
    part = answer[key]
    values = [part["low"], part["point"], part["high"]]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return f"{key} is not a finite range"
    if not part["low"] <= part["point"] <= part["high"]:
        return f"{key} range is not ordered (low <= point <= high)"
    return None


def check(champions: ChampionSet) -> str | None:
    """None when ``champions`` can serve; else one line saying what is wrong (no case data)."""
    for kind, loaded in champions.estimators.items():
        wanted = _EXPECTED[kind]
        if not isinstance(loaded.estimator, wanted):
            return (
                f"{kind} v{loaded.version}: the estimator is a {type(loaded.estimator).__name__}, "
                f"not a {wanted.__name__}"
            )
        if getattr(loaded.estimator, "parts_", None) is None:
            return f"{kind} v{loaded.version}: the estimator is not fitted"
    digests = {kind: loaded.estimator.law_digest_ for kind, loaded in champions.estimators.items()}
    if len(set(digests.values())) > 1:
        return (
            "the estimators were trained under different law tables ("
            + ", ".join(f"{k}: {d}" for k, d in digests.items())
            + "): retrain them together with `exposure train`"
        )
    try:
        if champions.ready_for(["criminal"]):
            case = CriminalCase.model_validate(examples.CRIMINAL_CASE)
            answer = champions.estimate_criminal([case], k=1)[0]
            for key in ("custodial_months", "fine_yuan"):
                if problem := _interval(answer, key):
                    return f"criminal example: {problem}"
            for key in ("p_custodial_le_36_months", "probation_probability"):
                if not 0.0 <= answer[key] <= 1.0:  # NaN fails too
                    return f"criminal example: {key} is not a probability"
            CriminalEstimate.model_validate(answer)
        if champions.ready_for(["civil"]):
            answer = champions.estimate_civil([CivilCase.model_validate(examples.CIVIL_CASE)], k=1)[0]
            if problem := _interval(answer, "awarded_total_yuan"):
                return f"civil example: {problem}"
            CivilEstimate.model_validate(answer)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else "?"
        return f"the example's answer does not match the API's schema at {where}"
    except Exception as exc:  # whatever the broken model raises: its type and where, never its message
        return f"the example case fails ({type(exc).__name__})"
    return None

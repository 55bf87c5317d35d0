"""Checks a champion set must pass before the service swaps it in (from the registry or the disk cache).

A model version can load and still be unusable: its estimator artifact replaced by another object, trained by
code whose features differ from the ones serving shares between the criminal models, or answering NaN. So each
loaded set answers the built-in example cases (``serving.examples``) first: types and targets of the estimators,
the same feature names across the three criminal models (serving computes the features once with the custodial
model's featurizer and hands them to the fine and probation models), finite ordered ranges, probabilities in
[0, 1], and answers that validate against the response models of the API. Only the example cases are used, so a
refusal reason never holds case data.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from features.model.estimators import OutcomeRegressor, ProbationClassifier
from serving import examples
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, ChampionSet
from serving.schemas import CivilCase, CivilEstimate, CriminalCase, CriminalEstimate


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
    for target, model in champions.models.items():
        wanted = ProbationClassifier if target == "probation" else OutcomeRegressor
        if not isinstance(model.estimator, wanted):
            return f"{target} v{model.version}: the estimator is a {type(model.estimator).__name__}, not a {wanted.__name__}"
        own = getattr(model.estimator, "target", target)
        if isinstance(model.estimator, OutcomeRegressor) and own != target:
            return f"{target} v{model.version}: the estimator was trained for {own}"
        if getattr(model.estimator, "featurizer_", None) is None:
            return f"{target} v{model.version}: the estimator is not fitted"
    try:
        if champions.ready_for(CRIMINAL_TARGETS):
            names = {
                t: list(champions.models[t].estimator.featurizer_.get_feature_names_out())
                for t in CRIMINAL_TARGETS
            }
            for t in ("probation", "fine_yuan"):
                if names[t] != names["custodial_months"]:
                    return f"{t} v{champions.models[t].version}: its features differ from custodial_months'"
            case = CriminalCase.model_validate(examples.CRIMINAL_CASE)
            answer = champions.estimate_criminal([case], k=1)[0]
            for key in ("custodial_months", "fine_yuan"):
                if problem := _interval(answer, key):
                    return f"criminal example: {problem}"
            for key in ("p_custodial_le_36_months", "probation_probability"):
                if not 0.0 <= answer[key] <= 1.0:  # NaN fails too
                    return f"criminal example: {key} is not a probability"
            CriminalEstimate.model_validate(answer)
        if champions.ready_for(CIVIL_TARGETS):
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

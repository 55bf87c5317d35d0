"""The inference core shared by ``exposure predict``, the HTTP service and batch scoring.

``ChampionSet.load()`` reads ``exposure-<target>@champion`` for every target from the MLflow registry;
``estimate_criminal`` / ``estimate_civil`` turn validated cases into full answers: statutory band and cited rules
(Interp. 2017), ranges in months / yuan clipped to the legal band, P(custodial <= 36 months), P(probation),
signed drivers, the most similar training cases (reference only) and model provenance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import load_law_table, statutory_band
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from features.store import CHAMPION_ALIAS, TARGETS, registered_name, tracking_uri

DISCLAIMER = (
    "Non-binding statistical estimate from past cases; not legal advice. Similar cases are reference only: under "
    "the SPC similar-case guidance only guiding cases bind."
)
CRIMINAL_TARGETS = ("custodial_months", "probation", "fine_yuan")
CIVIL_TARGETS = ("awarded_total_yuan",)


class NoChampionError(RuntimeError):
    """No champion is registered for a target the request needs."""


def is_not_found(exc: Exception) -> bool:
    """True when an MLflow registry error means "no such model or alias" (the store answered), False when the store
    failed to answer (an HTTP store that is down answers INTERNAL_ERROR after its retries)."""
    return getattr(exc, "error_code", None) in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")


@dataclass
class LoadedModel:
    target: str
    estimator: OutcomeRegressor | ProbationClassifier
    name: str
    version: str
    run_id: str
    family: str
    dataset_digest: str | None
    n_train: int | None
    metrics: dict[str, float]

    def info(self) -> dict[str, Any]:
        """What every answer says of the model: registered name and version, MLflow run, family, and the data it
        was trained on (MLflow dataset digest, number of training cases)."""
        return {
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "family": self.family,
            "dataset_digest": self.dataset_digest,
            "n_train": self.n_train,
        }


@dataclass
class ChampionSet:
    models: dict[str, LoadedModel] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, uri: str | None = None) -> ChampionSet:
        """Load every target's champion; targets without one are listed in ``missing`` with the reason."""
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        uri = uri or tracking_uri()
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        out = cls()
        for target in TARGETS:
            name = registered_name(target)
            try:
                version = client.get_model_version_by_alias(name, CHAMPION_ALIAS)
            except MlflowException as exc:
                if not is_not_found(exc):  # the store did not answer: not the same as "no champion"
                    raise
                out.missing[target] = f"no model registered as {name}@{CHAMPION_ALIAS}"
                continue
            mlflow.set_registry_uri(uri)
            mlflow.set_tracking_uri(uri)
            # suppress_warnings: skips the pip requirement check (~0.4 s a model, at every start and hot swap)
            pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION_ALIAS}", suppress_warnings=True)
            estimator = pyfunc.unwrap_python_model().estimator
            run = client.get_run(str(version.run_id))
            out.models[target] = LoadedModel(
                target=target,
                estimator=estimator,
                name=name,
                version=str(version.version),
                run_id=str(version.run_id),
                family=run.data.params.get("family", "?"),
                dataset_digest=run.data.params.get("dataset_digest"),
                n_train=int(run.data.params["n_cases"]) if "n_cases" in run.data.params else None,
                metrics=dict(run.data.metrics),
            )
        return out

    def ready_for(self, targets: Sequence[str]) -> bool:
        return all(t in self.models for t in targets)

    def require(self, targets: Sequence[str]) -> None:
        missing = [t for t in targets if t not in self.models]
        if missing:
            raise NoChampionError(
                "no champion for " + ", ".join(missing) + ": run `exposure train` (it registers champions)"
            )

    def versions(self) -> dict[str, str]:
        return {t: m.version for t, m in self.models.items()}

    # ------------------------------------------------------------------ criminal
    def estimate_criminal(self, cases: Sequence[CriminalCase], k: int = 5) -> list[dict[str, Any]]:
        """Full answers for criminal cases (months, yuan); see module docstring."""
        self.require(CRIMINAL_TARGETS)
        custodial = self.models["custodial_months"]
        fine = self.models["fine_yuan"]
        probation = self.models["probation"]
        assert isinstance(custodial.estimator, OutcomeRegressor) and isinstance(fine.estimator, OutcomeRegressor)
        assert isinstance(probation.estimator, ProbationClassifier)
        bands = [statutory_band(c) for c in cases]
        feats = custodial.estimator.featurizer_.transform_cases(cases, bands)
        c_est = custodial.estimator.estimate_prepared(
            cases,
            bands,
            feats,
            threshold=load_law_table().probation_max_months,  # Criminal Law Art. 72
        )
        f_est = fine.estimator.estimate_prepared(cases, bands, feats)
        p_prob = probation.estimator.predict_proba_cases(cases, feats)
        # P(probation) cannot exceed P(term <= 36 months) (Criminal Law Art. 72)
        p_prob = np.minimum(p_prob, c_est["p_le_threshold"])
        drivers = custodial.estimator.drivers(feats, cases, bands)
        neighbours = custodial.estimator.references_.nearest(feats, k=k)
        answers = []
        for i, (case, band) in enumerate(zip(cases, bands, strict=True)):
            gains = case.illegal_profit_yuan if case.illegal_profit_yuan is not None else case.sales_yuan
            fine_answer: dict[str, Any] = {
                "point": round(float(f_est["point"][i]), -1),
                "low": round(float(f_est["low"][i]), -1),
                "high": round(float(f_est["high"][i]), -1),
                "level": fine.estimator.level,
                "guideline_yuan": list(band.fine_guideline_yuan) if band.fine_guideline_yuan else None,
                "multiple_of_gains": _ratios(f_est, i, gains, 2),
            }
            answers.append(
                {
                    "case_id": case.case_id,
                    "band": band.band.value,
                    "statutory": band.model_dump(mode="json"),
                    "custodial_months": {
                        "point": round(float(c_est["point"][i]), 1),
                        "low": round(float(c_est["low"][i]), 1),
                        "high": round(float(c_est["high"][i]), 1),
                        "level": custodial.estimator.level,
                        "legal_range": list(band.custodial_range_months),
                        "note": _below_minimum_note(float(c_est["low"][i]), band.custodial_range_months[0]),
                    },
                    "p_custodial_le_36_months": round(float(c_est["p_le_threshold"][i]), 3),
                    "probation_probability": round(float(p_prob[i]), 3),
                    "fine_yuan": fine_answer,
                    "drivers": [
                        {"feature": d["feature"], "contribution_months": d["contribution"], "value": d["value"]}
                        for d in drivers[i]
                    ],
                    "similar_cases": [_reference(ref, score) for ref, score in neighbours[i]],
                    "model": {t: self.models[t].info() for t in CRIMINAL_TARGETS},
                    "disclaimer": DISCLAIMER,
                }
            )
        return answers

    # ------------------------------------------------------------------ civil
    def estimate_civil(self, cases: Sequence[CivilCase], k: int = 5) -> list[dict[str, Any]]:
        """Full answers for civil / public-interest cases (yuan)."""
        self.require(CIVIL_TARGETS)
        award = self.models["awarded_total_yuan"]
        assert isinstance(award.estimator, OutcomeRegressor)
        bands: list[Any] = [None] * len(cases)
        feats = award.estimator.featurizer_.transform_cases(cases)
        est = award.estimator.estimate_prepared(cases, bands, feats)
        drivers = award.estimator.drivers(feats, cases, bands)
        neighbours = award.estimator.references_.nearest(feats, k=k)
        answers = []
        for i, case in enumerate(cases):
            claimed = case.claimed_yuan
            answers.append(
                {
                    "case_id": case.case_id,
                    "proceeding": case.proceeding,
                    "awarded_total_yuan": {
                        "point": round(float(est["point"][i]), -1),
                        "low": round(float(est["low"][i]), -1),
                        "high": round(float(est["high"][i]), -1),
                        "level": award.estimator.level,
                    },
                    "award_to_claim_ratio": _ratios(est, i, claimed, 3),
                    "drivers": [
                        {"feature": d["feature"], "contribution_yuan": d["contribution"], "value": d["value"]}
                        for d in drivers[i]
                    ],
                    "similar_cases": [_reference(ref, score) for ref, score in neighbours[i]],
                    "model": {"awarded_total_yuan": award.info()},
                    "disclaimer": DISCLAIMER,
                }
            )
        return answers


def _ratios(est: dict[str, Any], i: int, denominator: float | None, digits: int) -> dict[str, float] | None:
    """point/low/high of case ``i`` divided by ``denominator``; None without one or when a ratio overflows (a
    tiny denominator such as 1e-310 yuan: JSON has no infinity and the answer schema wants numbers)."""
    if not denominator:
        return None
    out = {k: round(float(est[k][i]) / denominator, digits) for k in ("point", "low", "high")}
    return out if all(math.isfinite(v) for v in out.values()) else None


def _below_minimum_note(low: float, minimum: float) -> str | None:
    """Why an interval reaches below the band's minimum (rounded as the answer shows them), else None."""
    if round(low, 1) >= minimum:
        return None
    return (
        f"The range reaches below the band's minimum of {minimum:g} months: courts go below it with mitigation "
        "(Criminal Law Art. 63: surrender, accessory role, attempt, meritorious service), as past cases of this "
        "band show; without such facts expect the minimum or more."
    )


def _reference(ref: Any, score: float) -> dict[str, Any]:
    return {
        "case_id": ref.case_id,
        "summary": ref.summary,
        "court": ref.court,
        "year": ref.year,
        "outcome": ref.outcome,
        "source_url": ref.source_url,
        "source_title": ref.source_title,
        "similarity": round(score, 3),
        "reference_only": True,
    }


def compact_prediction(answer: dict[str, Any]) -> dict[str, Any]:
    """The ``exposure predict`` line: case_id, band and the ranges, without drivers and references."""
    if "custodial_months" in answer:
        months = answer["custodial_months"]
        return {
            "case_id": answer["case_id"],
            "band": answer["band"],
            "custodial_months": {
                **{k: months[k] for k in ("point", "low", "high", "level", "legal_range")},
                **({"note": months["note"]} if months.get("note") else {}),
            },
            "p_custodial_le_36_months": answer["p_custodial_le_36_months"],
            "probation_probability": answer["probation_probability"],
            "fine_yuan": {k: answer["fine_yuan"][k] for k in ("point", "low", "high")},
        }
    return {
        "case_id": answer["case_id"],
        "band": None,
        "awarded_total_yuan": answer["awarded_total_yuan"],
        "award_to_claim_ratio": answer["award_to_claim_ratio"],
    }

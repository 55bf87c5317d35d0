"""The champions a process answers with: one estimator per kind, loaded from the MLflow registry.

``ChampionSet.load()`` reads ``exposure-criminal@champion`` and ``exposure-civil@champion`` (the pyfunc models
that ``exposure train`` registers) and keeps the fitted estimator of each (:mod:`features.model.answer`). Every
door of the service calls it: ``estimate_criminal`` / ``estimate_civil`` are the estimator's ``answer`` with the
registry's name, version and run of the model added to the answer's ``model`` block; ``answer_records`` is its
per-row batch form. Nothing here computes a part of an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from features.law.schema import CivilCase, CriminalCase
from features.model.answer import (
    CIVIL_TARGETS,
    CRIMINAL_TARGETS,
    DISCLAIMER,
    KIND_TARGETS,
    CivilEstimator,
    CriminalEstimator,
    Estimator,
)
from features.model.check import Award, Sentence
from features.model.flavor import quiet_type_hints
from features.store import CHAMPION_ALIAS, KINDS, registered_name, tracking_uri

__all__ = [
    "CIVIL_TARGETS",
    "CRIMINAL_TARGETS",
    "DISCLAIMER",
    "ChampionSet",
    "LoadedEstimator",
    "NoChampionError",
    "compact_prediction",
]

TRAIN_COMMAND = "exposure train"
_KIND_OF = {t: kind for kind, targets in KIND_TARGETS.items() for t in targets}


def kinds_of(names: Sequence[str]) -> list[str]:
    """The kinds (criminal, civil) that the given kinds or targets belong to, in order."""
    out: list[str] = []
    for name in names:
        kind = _KIND_OF.get(name, name)
        if kind not in out:
            out.append(kind)
    return out


class NoChampionError(RuntimeError):
    """No champion is registered for a kind the request needs."""


def is_not_found(exc: Exception) -> bool:
    """True when an MLflow registry error means "no such model or alias" (the store answered), False when the store
    failed to answer (an HTTP store that is down answers INTERNAL_ERROR after its retries)."""
    return getattr(exc, "error_code", None) in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")


@dataclass
class LoadedEstimator:
    """A kind's registered estimator with the registry's identity of it."""

    kind: str
    estimator: Estimator
    name: str
    version: str
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)

    def identity(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "run_id": self.run_id}

    def parts(self) -> dict[str, dict[str, Any]]:
        """Per target: the registry identity, family, training data and the CV metrics of the chosen family."""
        info = self.estimator.info()
        out: dict[str, dict[str, Any]] = {}
        for target, part in info["targets"].items():
            prefix = f"{target}."
            metrics = {k.removeprefix(prefix): v for k, v in self.metrics.items() if k.startswith(prefix)}
            base_rate = getattr(self.estimator.parts_[target], "base_rate_", None)
            if not metrics and base_rate is not None:  # an order told as its base rate (not cross-validated)
                metrics = {"base_rate": float(base_rate)}
            out[target] = {**self.identity(), **part, "metrics": metrics}
        return out

    def model_block(self) -> dict[str, dict[str, Any]]:
        """The answer's ``model`` block: per target the estimator's own part plus the registry identity."""
        return {t: {**self.identity(), **part} for t, part in self.estimator.model_block().items()}


@dataclass
class ChampionSet:
    estimators: dict[str, LoadedEstimator] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, uri: str | None = None) -> ChampionSet:
        """Load every kind's champion; kinds without one are listed in ``missing`` with the reason."""
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        uri = uri or tracking_uri()
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        out = cls()
        for kind in KINDS:
            name = registered_name(kind)
            try:
                version = client.get_model_version_by_alias(name, CHAMPION_ALIAS)
            except MlflowException as exc:
                if not is_not_found(exc):  # the store did not answer: not the same as "no champion"
                    raise
                out.missing[kind] = f"no model registered as {name}@{CHAMPION_ALIAS}"
                continue
            mlflow.set_registry_uri(uri)
            mlflow.set_tracking_uri(uri)
            # suppress_warnings: skips the pip requirement check (~0.4 s a model, at every start and hot swap)
            with quiet_type_hints():
                pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION_ALIAS}", suppress_warnings=True)
            estimator = pyfunc.unwrap_python_model().estimator
            run = client.get_run(str(version.run_id))
            out.estimators[kind] = LoadedEstimator(
                kind=kind,
                estimator=estimator,
                name=name,
                version=str(version.version),
                run_id=str(version.run_id),
                metrics=dict(run.data.metrics),
            )
        return out

    def ready_for(self, names: Sequence[str]) -> bool:
        """True when an estimator is loaded for each of the kinds (or targets) named."""
        return all(k in self.estimators for k in kinds_of(names))

    def require(self, names: Sequence[str]) -> None:
        """:class:`NoChampionError` saying what to run unless every kind (or target) named is loaded."""
        missing = [k for k in kinds_of(names) if k not in self.estimators]
        if missing:
            targets = [t for k in missing for t in KIND_TARGETS[k]]
            raise NoChampionError(
                f"no champion for {', '.join(targets)}: run `{TRAIN_COMMAND}` (it registers champions)"
            )

    def versions(self) -> dict[str, str]:
        return {k: m.version for k, m in self.estimators.items()}

    def parts(self) -> dict[str, dict[str, Any]]:
        """Every target's part of the loaded estimators (see ``LoadedEstimator.parts``)."""
        return {t: part for loaded in self.estimators.values() for t, part in loaded.parts().items()}

    def _with_identity(self, kind: str, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        block = self.estimators[kind].model_block()
        for answer in answers:
            answer["model"] = block
        return answers

    def estimate_criminal(
        self, cases: Sequence[CriminalCase], k: int | None = None, levers: bool = True
    ) -> list[dict[str, Any]]:
        """The criminal estimator's whole answers (months, yuan); ``levers=False`` leaves the levers out."""
        self.require(["criminal"])
        estimator = self.estimators["criminal"].estimator
        assert isinstance(estimator, CriminalEstimator)
        return self._with_identity("criminal", estimator.answer(cases, k=k, levers=levers))

    def estimate_civil(self, cases: Sequence[CivilCase], k: int | None = None) -> list[dict[str, Any]]:
        """The civil estimator's whole answers (yuan)."""
        self.require(["civil"])
        estimator = self.estimators["civil"].estimator
        assert isinstance(estimator, CivilEstimator)
        return self._with_identity("civil", estimator.answer(cases, k=k))

    def check(
        self,
        kind: Literal["criminal", "civil"],
        cases: Sequence[CriminalCase | CivilCase],
        given: Sequence[Sentence | Award | None],
        k: int | None = None,
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each case's whole answer and, where a sentence (criminal: months, yuan) or an award (civil: yuan) is given,
        its deviation check: the kind's estimator's ``check``, one batch, with the registry identity added."""
        self.require([kind])
        expected = Sentence if kind == "criminal" else Award
        if any(g is not None and not isinstance(g, expected) for g in given):
            raise TypeError(f"a {kind} check places a {expected.__name__} in the estimate")
        estimator: Any = self.estimators[kind].estimator  # CriminalEstimator.check or CivilEstimator.check
        pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = estimator.check(cases, given, k=k)
        self._with_identity(kind, [answer for answer, _ in pairs])
        return pairs

    def answer_records(
        self, kind: str, records: Sequence[Any], k: int | None = None, allow_prior: bool = False
    ) -> list[dict[str, Any]]:
        """One item per record, in order (``answer_records`` of the kind's estimator), with the registry identity."""
        self.require([kind])
        items = self.estimators[kind].estimator.answer_records(records, k=k, allow_prior=allow_prior)
        block = self.estimators[kind].model_block()
        for item in items:
            if item["estimate"] is not None:
                item["estimate"]["model"] = block
        return items


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

"""The whole answer, from one object per kind: :class:`CriminalEstimator` and :class:`CivilEstimator`.

An estimator holds the models trained together on one featurization and one law table (custodial months,
probation and fine for a criminal defendant; the award for a civil or public-interest judgment) and the index of
similar reference cases. It turns a batch of cases into

- ``columns(prepared)``: the numbers of every case as arrays of shape (n,), rounded as answers show them
  (months to 0.1, yuan to 10, probabilities to 0.001): what batch scoring and Spark write;
- ``answer(cases)``: one dict per case, the whole answer the API documents (band and rules, every range,
  probabilities with their legal caps, fine, drivers, similar cases, the data the models were trained on),
  built from ``columns`` so that every door gives the same numbers;
- ``answer_records(records)``: raw rows (any table format) -> one item per row, in order, ``{"index", "ok",
  "errors", "estimate"}``: a bad row carries its errors (field names, never values) and does not sink the
  others. This is what the MLflow pyfunc (``mlflow models serve``), HTTP batches and ``exposure predict`` call.

Nothing outside this module computes a part of an answer; the HTTP service adds only the registry's name and
version of the model it loaded. Units: months, yuan, probabilities in [0, 1].
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, clone

from features.law.schema import CivilCase, CriminalCase, no_fact_reason, parse_case
from features.law.statutory import BandResult, LawTable, Reading, statutory_band, variant_bands
from features.model.adjust import CIRCUMSTANCES, UNKNOWN, circumstance_values
from features.model.cases import CaseModel
from features.model.check import LEVELS, Award, Sentence, place, split_similar
from features.model.check import summary as check_summary
from features.model.estimators import OrderRate, OutcomeRegressor, ProbationClassifier
from features.model.featurize import CaseFeaturizer, Prepared, law_digest
from features.model.levers import Lever
from features.model.levers import plan as lever_plan
from features.model.similar import SimilarCases
from features.model.targets import ORDER_TARGETS, target_data
from features.tables import NOT_AN_OBJECT, FieldError, validate_record

Kind = Literal["criminal", "civil"]
Part: TypeAlias = OutcomeRegressor | ProbationClassifier | OrderRate
CRIMINAL_TARGETS = ("custodial_months", "probation", "fine_yuan")
CIVIL_TARGETS = ("awarded_total_yuan",)
KIND_TARGETS: dict[str, tuple[str, ...]] = {"criminal": CRIMINAL_TARGETS, "civil": CIVIL_TARGETS}
DISCLAIMER = (
    "Non-binding statistical estimate from past cases; not legal advice. Similar cases are reference only: under "
    "the SPC similar-case guidance only guiding cases bind."
)
DEFAULT_SIMILAR = 5
ESTIMATE_FAILED: list[FieldError] = [{"field": "(case)", "reason": "the estimate failed for this case"}]
NOT_AN_OBJECT_ERROR: FieldError = {"field": "(case)", "reason": NOT_AN_OBJECT}
PRIOR_WARNING = (
    "No fact of the case was given: these figures are the estimate for an average past case (the prior), asked "
    "for with prior=true; they say nothing about this case."
)


def mark_prior(answer: dict[str, Any]) -> dict[str, Any]:
    """Say in the answer that it rests on no fact of the case (the caller asked for the prior)."""
    answer["prior_only"] = True
    answer["warnings"] = [*answer.get("warnings", []), PRIOR_WARNING]
    return answer


# rounding of every number an answer shows (and batch scoring writes): one place
MONTHS_DIGITS = 1
YUAN_DIGITS = -1
PROBABILITY_DIGITS = 3
# a deviation check: P(outcome < value) is P(outcome <= value minus this); similar cases are drawn from this many
# times the answer's own number
BELOW_MONTHS = 1e-6  # not-law: float margin, months
BELOW_YUAN = 1e-3  # not-law: float margin, yuan
CHECK_POOL = 4  # not-law: candidates per similar case shown


def _ranges(model: OutcomeRegressor, prepared: Prepared, digits: int) -> list[list[tuple[float, float, float]]]:
    """Per case the (level, low, high) ranges of ``model`` at each of :data:`features.model.check.LEVELS`, rounded
    as answers show them: the same conformal distribution read at another coverage."""
    per_level = []
    for level in LEVELS:
        at = copy.copy(model)  # a shallow copy: the fitted parts are shared, only the coverage read differs
        at.level = level
        est = at.estimate(prepared)
        per_level.append((level, _round(est["low"], digits), _round(est["high"], digits)))
    return [
        [(level, float(low[i]), float(high[i])) for level, low, high in per_level] for i in range(len(prepared))
    ]


def _round(values: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    return np.round(np.asarray(values, dtype=float), digits)


def cases_digest(cases: Sequence[CaseModel]) -> str:
    """A short sha256 of cases (their JSON, in order): names the data a model was trained on."""
    h = hashlib.sha256()
    for case in cases:
        h.update(json.dumps(case.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _ratios(
    point: float, low: float, high: float, denominator: float | None, digits: int
) -> dict[str, float] | None:
    """point/low/high divided by ``denominator``; None without one or when a ratio overflows (a tiny denominator
    such as 1e-310 yuan: JSON has no infinity and the answer schema wants numbers)."""
    if not denominator:
        return None
    out = {k: round(v / denominator, digits) for k, v in (("point", point), ("low", low), ("high", high))}
    return out if all(math.isfinite(v) for v in out.values()) else None


def below_minimum_note(low: float, minimum: float) -> str | None:
    """Why an interval reaches below the band's minimum (as rounded in the answer), else None."""
    if low >= minimum:
        return None
    return (
        f"The range reaches below the band's minimum of {minimum:g} months: courts go below it with mitigation "
        "(Criminal Law Art. 63: surrender, accessory role, attempt, meritorious service), as past cases of this "
        "band show; without such facts expect the minimum or more."
    )


class _Estimator(BaseEstimator):
    """What both kinds share: fitting the parts on one featurizer, provenance, similar cases, record answers."""

    kind: Kind
    featurizer: CaseFeaturizer | None
    similar_k: int

    def _parts(self) -> dict[str, Part]:
        raise NotImplementedError

    def _fit_parts(self, cases: Sequence[CaseModel], data_name: str | None) -> None:
        own = [c for c in cases if (c.proceeding == "criminal") == (self.kind == "criminal")]
        self.featurizer_ = clone(
            self.featurizer if self.featurizer is not None else CaseFeaturizer(self.kind)
        ).fit()
        self.parts_: dict[str, Part] = {}
        self.training_: dict[str, dict[str, Any]] = {}
        for target, part in self._parts().items():
            data = target_data(own, target)
            if len(data) == 0:
                raise ValueError(f"{target}: no labelled {self.kind} case to train on")
            model = clone(part).set_params(featurizer=self.featurizer_)
            model.fit(data.cases, data.y, groups=data.groups)
            if model.featurizer_.digest != self.featurizer_.digest:
                raise ValueError(f"{target}: its features differ from the estimator's featurization")
            self.parts_[target] = model
            self.training_[target] = {"n_train": len(data), "dataset_digest": cases_digest(data.cases)}
        reference_target = KIND_TARGETS[self.kind][0]
        references = target_data(own, reference_target).cases
        self.similar_ = SimilarCases().fit(self.featurizer_.prepare_cases(references).feats, references)
        self.data_ = {"name": data_name or "cases", "n_cases": len(own), "digest": cases_digest(own)}

    @property
    def law_(self) -> LawTable:
        return self.featurizer_.law_

    @property
    def law_digest_(self) -> str:
        return law_digest(self.featurizer_.law_)

    def info(self) -> dict[str, Any]:
        """What the estimator was trained on and how: per target the family, training cases and their digest; the
        featurization and law table digests; the data set's name, size and digest."""
        return {
            "kind": self.kind,
            "targets": {
                t: {"family": getattr(m, "family", "?"), **self.training_[t]} for t, m in self.parts_.items()
            },
            "features_digest": self.featurizer_.digest,
            "law_digest": self.law_digest_,
            "data": dict(self.data_),
        }

    def prepare(self, cases: Sequence[CaseModel], known: Sequence[BandResult] = ()) -> Prepared:
        """The batch's bands and features (``known``: the bands of its first cases, see ``prepare_cases``)."""
        return self.featurizer_.prepare_cases(cases, known)

    def model_block(self) -> dict[str, dict[str, Any]]:
        """The ``model`` part of an answer: per target its family and training data (the service adds the registry's
        name, version and run)."""
        return {t: {"family": getattr(m, "family", "?"), **self.training_[t]} for t, m in self.parts_.items()}

    def answer(self, cases: Sequence[CaseModel], k: int | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def answer_records(
        self, records: Sequence[Any], k: int | None = None, allow_prior: bool = False
    ) -> list[dict[str, Any]]:
        """One item per record, in order (see module docstring); valid rows are estimated together, and if that
        fails, one by one so that only the failing ones carry an error. A case that states no fact of a case is
        refused in its slot, unless ``allow_prior`` (its answer then says ``prior_only``)."""
        items: list[dict[str, Any]] = []
        valid: list[tuple[int, CaseModel]] = []
        prior: set[int] = set()
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):  # a JSON value that is not an object (text is not a read problem)
                items.append({"index": i, "ok": False, "errors": [dict(NOT_AN_OBJECT_ERROR)], "estimate": None})
                continue
            # JSON objects: NaN is refused
            case, errors = validate_record(record, self.kind, nan_is_missing=False, require_fact=not allow_prior)
            items.append({"index": i, "ok": case is not None, "errors": errors or None, "estimate": None})
            if case is not None:
                valid.append((i, case))
                if no_fact_reason(case) is not None:
                    prior.add(i)
        if not valid:
            return items
        try:
            answers: list[dict[str, Any] | None] = list(self.answer([c for _, c in valid], k=k))
        except Exception:
            answers = []
            for _, case in valid:
                try:
                    answers.append(self.answer([case], k=k)[0])
                except Exception:
                    answers.append(None)
        for (i, _), answer in zip(valid, answers, strict=True):
            if answer is None:
                items[i].update(ok=False, errors=list(ESTIMATE_FAILED))
            else:
                items[i]["estimate"] = mark_prior(answer) if i in prior else answer
        return items

    def predict(self, X: Sequence[Any]) -> list[dict[str, Any]]:
        """Records (dicts of any table format, or validated cases) -> items as ``answer_records``."""
        return self.answer_records([x.model_dump(mode="json") if hasattr(x, "model_dump") else x for x in X])


# how a circumstance reads when it is absent: the counterfactual behind its driver ("guilty plea: -2.1 months")
ABSENT: dict[str, dict[str, Any]] = {
    "surrender": {"surrender": False},
    "truthful_confession": {"truthful_confession": False},
    "guilty_plea": {"guilty_plea": False},
    "restitution": {"restitution": False},
    "accessory": {"role": "principal"},
    "attempt": {"attempt": False},
    "recidivist": {"recidivist": False},
    "vulnerable_victims": {"victim_category": "general_public"},
    "insider": {"insider": False},
}
PROBATION_NOTES = {
    "base_rate": "The share of suspended sentences among past defendants of this band within the legal limits "
    "(Criminal Law Arts. 72-74): no model predicts probation better on these facts, so it is told as a base rate.",
    "model": "A model that beat the base rate of suspended sentences on the same splits (Criminal Law Arts. 72-74 "
    "applied).",
    "rule": "A rule of thumb within the legal limits (Criminal Law Arts. 72-74), not learned.",
}


def _facts_of(case: CriminalCase) -> dict[str, Any]:
    """The case as the dict its variants are merged into (JSON values, unstated fields left out)."""
    return case.model_dump(mode="json", exclude_none=True)


def _variant(case: CriminalCase, update: dict[str, Any], base: dict[str, Any] | None = None) -> CriminalCase:
    """The case with ``update`` merged into its facts (outcome fields dropped: a variant is estimated); ``base`` is
    ``_facts_of(case)`` when the caller has it (a case has several variants)."""
    merged = {**(_facts_of(case) if base is None else base), **update}
    out = parse_case(merged)
    assert isinstance(out, CriminalCase)
    return out


class _Rows:
    """The cases of a batch and their variants, in one list for the models: ``add(i, update)`` is the row of case
    ``i`` with ``update`` merged in, added once however many parts of the answer ask for it."""

    def __init__(self, cases: Sequence[CriminalCase]) -> None:
        self.rows: list[CriminalCase] = list(cases)
        self._cases = list(cases)
        self._index: dict[tuple[int, str], int] = {}
        self._bases: dict[int, dict[str, Any]] = {}  # case i as a dict, dumped once for all its variants
        self.owners: list[int] = list(range(len(self._cases)))  # per row: the case it is (a variant of)

    def bands(self, shown: Sequence[BandResult], law: LawTable) -> list[BandResult]:
        """The band of every row (``statutory_band(row, law, contested=False)``; the cases' own are ``shown``): a
        case's variants through :func:`features.law.statutory.variant_bands`, which evaluates the case's scenarios
        once for the variants that change only a circumstance."""
        groups: dict[int, list[int]] = {}
        for r in range(len(self._cases), len(self.rows)):
            groups.setdefault(self.owners[r], []).append(r)
        out: list[BandResult | None] = [*shown, *([None] * (len(self.rows) - len(self._cases)))]
        for i, rows in groups.items():
            variants = variant_bands(self._cases[i], [self.rows[r] for r in rows], law)
            for r, band in zip(rows, variants, strict=True):
                out[r] = band
        bands = [b for b in out if b is not None]
        assert len(bands) == len(self.rows), "every row has its band"
        return bands

    def add(self, i: int, update: dict[str, Any]) -> int:
        key = (i, json.dumps(update, sort_keys=True, ensure_ascii=False, default=str))
        if key not in self._index:
            if i not in self._bases:
                self._bases[i] = _facts_of(self._cases[i])
            self.rows.append(_variant(self._cases[i], update, self._bases[i]))
            self.owners.append(i)
            self._index[key] = len(self.rows) - 1
        return self._index[key]


class CriminalEstimator(_Estimator):
    """Criminal defendants (Criminal Law Art. 253-1) -> the whole answer.

    Parameters (unfitted models; cloned and fitted on one featurization by ``fit``):
        custodial: ``OutcomeRegressor(target="custodial_months")``;
        probation: ``ProbationClassifier``;
        fine: ``OutcomeRegressor(target="fine_yuan")``;
        featurizer: ``CaseFeaturizer("criminal")`` (it carries the law table);
        similar_k: similar cases per answer.
    ``fit(cases)``: every criminal case; each model takes the rows labelled for its target.
    """

    kind: Kind = "criminal"

    def __init__(
        self,
        custodial: OutcomeRegressor | None = None,
        probation: ProbationClassifier | None = None,
        fine: OutcomeRegressor | None = None,
        featurizer: CaseFeaturizer | None = None,
        similar_k: int = DEFAULT_SIMILAR,
    ) -> None:
        self.custodial = custodial
        self.probation = probation
        self.fine = fine
        self.featurizer = featurizer
        self.similar_k = similar_k

    def _parts(self) -> dict[str, Part]:
        return {
            "custodial_months": self.custodial or OutcomeRegressor(target="custodial_months", family="baseline"),
            "probation": self.probation or ProbationClassifier(family="baseline"),
            "fine_yuan": self.fine or OutcomeRegressor(target="fine_yuan", family="baseline"),
        }

    def fit(self, X: Sequence[CaseModel], y: Any = None, data_name: str | None = None) -> CriminalEstimator:
        self._fit_parts(X, data_name)
        return self

    @property
    def _custodial(self) -> OutcomeRegressor:
        model = self.parts_["custodial_months"]
        assert isinstance(model, OutcomeRegressor)
        return model

    @property
    def _fine(self) -> OutcomeRegressor:
        model = self.parts_["fine_yuan"]
        assert isinstance(model, OutcomeRegressor)
        return model

    @property
    def _probation(self) -> ProbationClassifier:
        model = self.parts_["probation"]
        assert isinstance(model, ProbationClassifier)
        return model

    def columns(self, prepared: Prepared) -> dict[str, NDArray[Any]]:
        """Every number of every case, shape (n,), rounded as answers show them (see module docstring)."""
        law = self.law_
        limit = law.probation_max_months
        bands = prepared.cols.criminal_band  # columns: a batch made from cases or validated column by column
        c_est = self._custodial.estimate(prepared, threshold=limit)
        f_est = self._fine.estimate(prepared)
        p_prob = self._probation.proba(prepared)
        # P(probation) cannot exceed P(term <= the Art. 72 limit): probation needs such a term
        p_prob = np.minimum(p_prob, c_est["p_le_threshold"])
        n = len(prepared)
        return {
            "band": bands.labels,
            "band_certain": np.asarray(bands.certain, dtype=bool),
            "custodial_months_point": _round(c_est["point"], MONTHS_DIGITS),
            "custodial_months_low": _round(c_est["low"], MONTHS_DIGITS),
            "custodial_months_high": _round(c_est["high"], MONTHS_DIGITS),
            "custodial_months_level": np.full(n, self._custodial.level),
            "p_custodial_le_36_months": _round(c_est["p_le_threshold"], PROBABILITY_DIGITS),
            "probation_probability": _round(p_prob, PROBABILITY_DIGITS),
            "fine_yuan_point": _round(f_est["point"], YUAN_DIGITS),
            "fine_yuan_low": _round(f_est["low"], YUAN_DIGITS),
            "fine_yuan_high": _round(f_est["high"], YUAN_DIGITS),
            "fine_yuan_level": np.full(n, self._fine.level),
        }

    def answer(
        self, cases: Sequence[CaseModel], k: int | None = None, levers: bool = True
    ) -> list[dict[str, Any]]:
        """The whole answer for each criminal case (see module docstring).

        Every case goes through the models in one batch with its variants: each reading of an uncertain band (the
        case with the facts that make that reading certain: the estimate under each), each stated or unknown
        circumstance set absent (its driver: what that fact changes) and, with ``levers``, each lever's other
        states (:mod:`features.model.levers`: what changes if the defendant pleads, returns the gains, surrenders,
        or contests a role, insider status or the record count). A variant shared by a driver and a lever is
        estimated once."""
        return self._answer(self._criminal_cases(cases), k, levers)[0]

    @staticmethod
    def _criminal_cases(cases: Sequence[CaseModel]) -> list[CriminalCase]:
        crim: list[CriminalCase] = []
        for case in cases:
            if not isinstance(case, CriminalCase):
                raise TypeError("a criminal estimator got a civil case")
            crim.append(case)
        return crim

    def _answer(
        self, crim: list[CriminalCase], k: int | None, levers: bool
    ) -> tuple[list[dict[str, Any]], Prepared, dict[str, NDArray[Any]]]:
        """The answers, and the prepared batch and columns they were built from (its first ``len(crim)`` rows are
        the cases themselves)."""
        law = self.law_
        shown = [statutory_band(c, law) for c in crim]  # with contested readings: they are for answers
        batch = _Rows(crim)
        reading_rows: list[list[int]] = []
        driver_rows: list[list[tuple[int, int]]] = []  # (circumstance index, row)
        lever_plans: list[list[tuple[Lever, list[int]]]] = []
        for i, (case, band) in enumerate(zip(crim, shown, strict=True)):
            reading_rows.append(
                [batch.add(i, reading.case_update) for reading in band.readings] if len(band.readings) > 1 else []
            )
            values = circumstance_values(case, band)
            driver_rows.append(
                [
                    (j, batch.add(i, ABSENT[circumstance.name]))
                    for j, (circumstance, value) in enumerate(zip(CIRCUMSTANCES, values, strict=True))
                    if value > 0
                ]
            )
            planned = lever_plan(case, band, law) if levers else []
            lever_plans.append([(lever, [batch.add(i, o.update) for o in lever.options]) for lever in planned])
        prepared = self.prepare(batch.rows, batch.bands(shown, law))  # the cases' own bands are the ones shown
        cols = self.columns(prepared)
        own = prepared.take(range(len(crim)))
        base_drivers = self._custodial.base_drivers(own)
        similar = self.similar_.nearest(prepared.feats[: len(crim)], k=self.similar_k if k is None else k)
        model = self.model_block()
        law_ref = law.ref() if hasattr(law, "ref") else {"digest": self.law_digest_}
        rates = self._probation.base_rates(own)
        answers = []
        for i, (case, band) in enumerate(zip(crim, shown, strict=True)):
            answer = self._one(i, case, band, cols, similar[i], model, law_ref, float(rates[i]))
            answer["drivers"] = self._drivers(i, case, band, cols, driver_rows[i], base_drivers[i])
            answer["readings"] = [
                self._reading(reading, row, cols)
                for reading, row in zip(band.readings, reading_rows[i], strict=False)
            ]
            if levers:
                answer["levers"] = [
                    self._lever(lever, rows, i, band, cols, prepared) for lever, rows in lever_plans[i]
                ]
            answers.append(answer)
        return answers, prepared, cols

    def check(
        self,
        cases: Sequence[CaseModel],
        sentences: Sequence[Sentence | None],
        k: int | None = None,
        levers: bool = True,
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each case's whole answer and, where a sentence is given, where that sentence falls in the estimate
        (:mod:`features.model.check`): the custodial term's percentile in the predictive distribution, whether it
        lies outside the 80% and 95% ranges and the band's legal range, P(probation) against a suspended or
        unsuspended sentence, the fine against its distribution and the Interp. 2017 Art. 12 guideline, the similar
        cases below, at and above it with their sources, and plain sentences. One batch for every case."""
        crim = self._criminal_cases(cases)
        if len(sentences) != len(crim):
            raise ValueError(f"{len(sentences)} sentences for {len(crim)} cases")
        answers, prepared, _ = self._answer(crim, k, levers)
        idx = [i for i, s in enumerate(sentences) if s is not None]
        checks: list[dict[str, Any] | None] = [None] * len(crim)
        if idx:
            own = prepared.take(idx)
            given = [s for s in sentences if s is not None]
            terms = np.asarray([s.custodial_months for s in given], dtype=float)
            term_le = self._custodial.cdf(own, terms)
            term_lt = self._custodial.cdf(own, terms - BELOW_MONTHS)
            term_ranges = _ranges(self._custodial, own, MONTHS_DIGITS)
            fined = [j for j, s in enumerate(given) if s.fine_yuan is not None]
            fine_le = fine_lt = np.zeros(len(given))
            if fined:
                fines = np.asarray([s.fine_yuan or 0.0 for s in given], dtype=float)
                fine_le = self._fine.cdf(own, fines)
                fine_lt = self._fine.cdf(own, fines - BELOW_YUAN)
            fine_ranges = _ranges(self._fine, own, YUAN_DIGITS)
            pool = (self.similar_k if k is None else k) * CHECK_POOL
            references = self.similar_.nearest(own.feats, k=pool)
            for j, i in enumerate(idx):
                checks[i] = self._check_one(
                    given[j],
                    answers[i],
                    term=place(float(terms[j]), float(term_lt[j]), float(term_le[j]), term_ranges[j]),
                    fine=(
                        place(
                            float(given[j].fine_yuan or 0.0), float(fine_lt[j]), float(fine_le[j]), fine_ranges[j]
                        )
                        if j in fined
                        else None
                    ),
                    references=references[j],
                    k=self.similar_k if k is None else k,
                )
        return list(zip(answers, checks, strict=True))

    def _check_one(
        self,
        sentence: Sentence,
        answer: dict[str, Any],
        term: dict[str, Any],
        fine: dict[str, Any] | None,
        references: list[dict[str, Any]],
        k: int,
    ) -> dict[str, Any]:
        """One sentence placed in its case's answer (see :meth:`check`)."""
        law = self.law_
        statutory = answer["statutory"]
        low, high = answer["custodial_months"]["legal_range"]
        value = sentence.custodial_months
        notes: list[str] = []
        position = "within"
        if value > high:
            position = "above_maximum"
            notes.append(
                f"{value:g} months is above the band's legal maximum of {high:g} months (Criminal Law Art. 253-1): "
                "a ground of appeal unless another charge is combined"
            )
        elif value < low:
            position = "below_minimum"
            notes.append(
                f"{value:g} months is below the band's legal minimum of {low:g} months: possible only with "
                "mitigation (Criminal Law Art. 63)"
            )
        summary = [f"Custodial term: {check_summary(term, 'months')}."]
        suspended = sentence.probation_months is not None
        p = float(answer["probation_probability"])
        possible = bool(statutory["probation_possible"]) and 0 < value <= law.probation_max_months
        if suspended and not possible:
            notes.append(
                "a suspended sentence is not possible here: probation needs a term of at most "
                f"{law.probation_max_months:g} months and is barred for recidivists and ringleaders (Criminal Law "
                "Arts. 72, 74)"
            )
        p_this = p if suspended else 1 - p
        probation = {
            "suspended": suspended,
            "probation_months": sentence.probation_months,
            "probability": p,
            "p_this": round(p_this, PROBABILITY_DIGITS),
            "possible": possible,
        }
        likelier = "the likelier outcome" if p_this >= 0.5 else "the less likely outcome"  # not-law: a half
        summary.append(
            f"Probation: {'suspended' if suspended else 'not suspended'}; the estimate puts P(probation) at "
            f"{round(100 * p)}%, so this is {likelier}"
            + ("" if possible else " (a suspension is not possible in law here: Criminal Law Arts. 72, 74)")
            + "."
        )
        fine_block: dict[str, Any] | None = None
        if fine is not None:
            guideline = statutory.get("fine_guideline_yuan")
            within = None if not guideline else bool(guideline[0] <= fine["value"] <= guideline[1])
            fine_block = {**fine, "point": answer["fine_yuan"]["point"], "guideline_yuan": guideline}
            fine_block["within_guideline"] = within
            summary.append(f"Fine: {check_summary(fine, 'yuan')}.")
            if within is False:
                notes.append(
                    f"the fine is outside {guideline[0]:,.0f}-{guideline[1]:,.0f} yuan, one to five times the gains "
                    "that Interp. 2017 Art. 12 names as the general rule"
                )
            if statutory.get("fine_mandatory") and fine["value"] <= 0:
                notes.append("a fine is mandatory in this band (Criminal Law Art. 253-1)")
        similar = split_similar(references, "custodial_months", value, k)
        return {
            "case_id": answer["case_id"],
            "band": answer["band"],
            "sentence": sentence.model_dump(mode="json"),
            "percentile": term["percentile"],
            "custodial_months": {
                **term,
                "point": answer["custodial_months"]["point"],
                "legal_range": [low, high],
                "legal_position": position,
            },
            "probation": probation,
            "fine_yuan": fine_block,
            "similar_below": similar["below"],
            "similar_equal": similar["equal"],
            "similar_above": similar["above"],
            "summary": summary,
            "notes": notes,
            "disclaimer": DISCLAIMER,
        }

    def _numbers(self, row: int, cols: dict[str, NDArray[Any]], band: BandResult | Reading) -> dict[str, Any]:
        """The estimate of one row of a batch (a case, a variant or a reading's case) under its band (or reading)."""
        return {
            "band": band.band.value,
            "custodial_months": {
                **{k: float(cols[f"custodial_months_{k}"][row]) for k in ("point", "low", "high")},
                "level": float(cols["custodial_months_level"][row]),
                "legal_range": list(band.custodial_range_months),
            },
            "p_custodial_le_36_months": float(cols["p_custodial_le_36_months"][row]),
            "probation_probability": float(cols["probation_probability"][row]),
            "fine_yuan": {k: float(cols[f"fine_yuan_{k}"][row]) for k in ("point", "low", "high")},
        }

    def _lever(
        self,
        lever: Lever,
        rows: list[int],
        i: int,
        band: BandResult,
        cols: dict[str, NDArray[Any]],
        prepared: Prepared,
    ) -> dict[str, Any]:
        """One lever with the estimate of each of its options, and how far each moves the case's own."""
        point = float(cols["custodial_months_point"][i])
        fine = float(cols["fine_yuan_point"][i])
        options = []
        for option, row in zip(lever.options, rows, strict=True):
            variant_band = prepared.bands[row] if row != i else band
            assert variant_band is not None
            numbers = self._numbers(row, cols, variant_band)
            options.append(
                {
                    "value": option.value,
                    "change": option.change,
                    "update": option.update,
                    **numbers,
                    "band_changes": numbers["band"] != band.band.value,
                    "change_months": round(numbers["custodial_months"]["point"] - point, MONTHS_DIGITS),
                    "change_fine_yuan": round(numbers["fine_yuan"]["point"] - fine, YUAN_DIGITS),
                    "probation_possible": variant_band.probation_possible,
                }
            )
        notes = list(lever.notes)
        unmoved = all(
            not o["band_changes"]
            and o["change_months"] == 0
            and o["change_fine_yuan"] == 0
            and o["probation_probability"] == float(cols["probation_probability"][i])
            for o in options
        )
        if lever.kind != "record_count" and unmoved and self._custodial.adjust_ is None:
            notes.append(
                f"no change: the custodial estimator ({self._custodial.family}) does not read this circumstance "
                "(its range is the band's past sentences, with and without it); the basis above is what the "
                "guideline lets a court apply"
            )
        return {
            "name": lever.name,
            "kind": lever.kind,
            "label": lever.label,
            "state": lever.state,
            "current": lever.current.value if hasattr(lever.current, "value") else lever.current,
            "basis": lever.basis,
            "options": options,
            "notes": notes,
        }

    def _reading(self, reading: Any, row: int, cols: dict[str, NDArray[Any]]) -> dict[str, Any]:
        """One reading of an uncertain band with the estimate under it (the case with its deciding facts)."""
        return {
            **self._numbers(row, cols, reading),
            "condition": reading.condition,
            "deciding_facts": list(reading.deciding_facts),
            "fine_mandatory": reading.fine_mandatory,
            "probation_possible": reading.probation_possible,
            "exemption_possible": reading.exemption_possible,
            "rules": [r.article for r in reading.rules],
        }

    def _drivers(
        self,
        i: int,
        case: CriminalCase,
        band: BandResult,
        cols: dict[str, NDArray[Any]],
        rows: list[tuple[int, int]],
        base: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Legal reasons, largest first: each circumstance (the estimate with it minus without it; unknown ones
        count half) and the groups of facts behind the base."""
        point = float(cols["custodial_months_point"][i])
        values = circumstance_values(case, band)
        out: list[dict[str, Any]] = []
        for j, row in rows:
            circumstance = CIRCUMSTANCES[j]
            delta = round(point - float(cols["custodial_months_point"][row]), 1)
            if delta == 0:
                continue
            unknown = values[j] == UNKNOWN
            out.append(
                {
                    "feature": circumstance.name,
                    "reason": circumstance.label + (" (not stated: counted half)" if unknown else ""),
                    "contribution_months": delta,
                    "value": values[j],
                }
            )
        out += [
            {
                "feature": d["feature"],
                "reason": d["reason"],
                "contribution_months": d["contribution"],
                "value": d["value"],
            }
            for d in base
        ]
        return sorted(out, key=lambda d: -abs(d["contribution_months"]))

    def _one(
        self,
        i: int,
        case: CriminalCase,
        band: BandResult,
        cols: dict[str, NDArray[Any]],
        similar: list[dict[str, Any]],
        model: dict[str, dict[str, Any]],
        law: dict[str, Any],
        base_rate: float,
    ) -> dict[str, Any]:
        gains = case.illegal_profit_yuan if case.illegal_profit_yuan is not None else case.sales_yuan
        low = float(cols["custodial_months_low"][i])
        fine = {k: float(cols[f"fine_yuan_{k}"][i]) for k in ("point", "low", "high")}
        probation = self._probation
        basis = "rule" if probation.family == "baseline" else ("base_rate" if probation.is_base_rate else "model")
        return {
            "case_id": case.case_id,
            "band": band.band.value,
            "statutory": band.model_dump(mode="json"),
            "custodial_months": {
                "point": float(cols["custodial_months_point"][i]),
                "low": low,
                "high": float(cols["custodial_months_high"][i]),
                "level": float(cols["custodial_months_level"][i]),
                "legal_range": list(band.custodial_range_months),
                "note": below_minimum_note(low, band.custodial_range_months[0]),
            },
            "p_custodial_le_36_months": float(cols["p_custodial_le_36_months"][i]),
            "probation_probability": float(cols["probation_probability"][i]),
            "probation": {
                "probability": float(cols["probation_probability"][i]),
                "basis": basis,
                "family": probation.family,
                "base_rate": round(base_rate, PROBABILITY_DIGITS),
                "note": PROBATION_NOTES[basis],
            },
            "fine_yuan": {
                **fine,
                "level": float(cols["fine_yuan_level"][i]),
                "guideline_yuan": list(band.fine_guideline_yuan) if band.fine_guideline_yuan else None,
                "multiple_of_gains": _ratios(fine["point"], fine["low"], fine["high"], gains, 2),
            },
            "drivers": [],
            "similar_cases": similar,
            "model": model,
            "law": law,
            "disclaimer": DISCLAIMER,
        }


class CivilEstimator(_Estimator):
    """Civil and public-interest judgments (PIPL Arts. 69-70, Civil Code Arts. 1182-1183, unfair competition) ->
    the whole answer: the award as courts decide it (whether anything is awarded, then how much, by kind of suit),
    P(claims rejected), and P(an apology, an injunction / deletion is ordered) against their base rates.
    Parameters: award (``OutcomeRegressor(target="awarded_total_yuan")``), featurizer, similar_k."""

    kind: Kind = "civil"

    def __init__(
        self,
        award: OutcomeRegressor | None = None,
        featurizer: CaseFeaturizer | None = None,
        similar_k: int = DEFAULT_SIMILAR,
    ) -> None:
        self.award = award
        self.featurizer = featurizer
        self.similar_k = similar_k

    def _parts(self) -> dict[str, Part]:
        return {
            "awarded_total_yuan": self.award or OutcomeRegressor(target="awarded_total_yuan", family="baseline"),
            **{order: OrderRate() for order in ORDER_TARGETS},
        }

    def fit(self, X: Sequence[CaseModel], y: Any = None, data_name: str | None = None) -> CivilEstimator:
        self._fit_parts(X, data_name)
        return self

    @property
    def _award(self) -> OutcomeRegressor:
        model = self.parts_["awarded_total_yuan"]
        assert isinstance(model, OutcomeRegressor)
        return model

    def _order(self, name: str) -> OrderRate:
        model = self.parts_[name]
        assert isinstance(model, OrderRate)
        return model

    def columns(self, prepared: Prepared) -> dict[str, NDArray[Any]]:
        """The award of every case (yuan rounded to 10) and the probabilities of its outcomes, shape (n,)."""
        est = self._award.estimate(prepared)
        return {
            "awarded_total_yuan_point": _round(est["point"], YUAN_DIGITS),
            "awarded_total_yuan_low": _round(est["low"], YUAN_DIGITS),
            "awarded_total_yuan_high": _round(est["high"], YUAN_DIGITS),
            "awarded_total_yuan_level": np.full(len(prepared), self._award.level),
            "p_claims_rejected": _round(1 - est["p_positive"], PROBABILITY_DIGITS),
            **{f"p_{o}": _round(self._order(o).proba(prepared), PROBABILITY_DIGITS) for o in ORDER_TARGETS},
        }

    def answer(self, cases: Sequence[CaseModel], k: int | None = None) -> list[dict[str, Any]]:
        return self._answer(self._civil_cases(cases), k)[0]

    @staticmethod
    def _civil_cases(cases: Sequence[CaseModel]) -> list[CivilCase]:
        civ: list[CivilCase] = []
        for case in cases:
            if not isinstance(case, CivilCase):
                raise TypeError("a civil estimator got a criminal case")
            civ.append(case)
        return civ

    def check(
        self, cases: Sequence[CaseModel], awards: Sequence[Award | None], k: int | None = None
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each case's whole answer and, where an award is given, where it falls in the estimate: its percentile in
        the predictive distribution (with the mass of "nothing awarded"), whether it lies outside the 80% and 95%
        ranges, its share of the claim (a court awards no more than is claimed), the similar judgments below, at
        and above it with their sources, and a plain sentence. One batch for every case."""
        civ = self._civil_cases(cases)
        if len(awards) != len(civ):
            raise ValueError(f"{len(awards)} awards for {len(civ)} cases")
        answers, prepared = self._answer(civ, k)
        idx = [i for i, a in enumerate(awards) if a is not None]
        checks: list[dict[str, Any] | None] = [None] * len(civ)
        if idx:
            own = prepared.take(idx)
            values = np.asarray([a.awarded_total_yuan for a in awards if a is not None], dtype=float)
            le = self._award.cdf(own, values)
            lt = self._award.cdf(own, values - BELOW_YUAN)
            ranges = _ranges(self._award, own, YUAN_DIGITS)
            n = self.similar_k if k is None else k
            references = self.similar_.nearest(own.feats, k=n * CHECK_POOL)
            for j, i in enumerate(idx):
                placed = place(float(values[j]), float(lt[j]), float(le[j]), ranges[j])
                claimed = civ[i].claimed_yuan
                notes = []
                if claimed is not None and values[j] > claimed:
                    notes.append("the award is above the claim: a court awards no more than is claimed")
                summary = [f"Award: {check_summary(placed, 'yuan')}."]
                share = round(float(values[j]) / claimed, PROBABILITY_DIGITS) if claimed else None
                if share is not None:
                    summary.append(f"It is {100 * share:.0f}% of the {claimed:,.0f} yuan claimed.")
                similar = split_similar(references[j], "awarded_total_yuan", float(values[j]), n)
                checks[i] = {
                    "case_id": civ[i].case_id,
                    "award": {"awarded_total_yuan": float(values[j])},
                    "percentile": placed["percentile"],
                    "awarded_total_yuan": {**placed, "point": answers[i]["awarded_total_yuan"]["point"]},
                    "claimed_yuan": claimed,
                    "share_of_claim": share,
                    "similar_below": similar["below"],
                    "similar_equal": similar["equal"],
                    "similar_above": similar["above"],
                    "summary": summary,
                    "notes": notes,
                    "disclaimer": DISCLAIMER,
                }
        return list(zip(answers, checks, strict=True))

    def _answer(self, civ: list[CivilCase], k: int | None) -> tuple[list[dict[str, Any]], Prepared]:
        prepared = self.prepare(civ)
        cols = self.columns(prepared)
        drivers = self._award.base_drivers(prepared)
        similar = self.similar_.nearest(prepared.feats, k=self.similar_k if k is None else k)
        model = self.model_block()
        law = self.law_
        law_ref = law.ref() if hasattr(law, "ref") else {"digest": self.law_digest_}
        base_rejected = round(1 - self._award.pooled_rate_, PROBABILITY_DIGITS)
        answers = []
        for i, case in enumerate(civ):
            award = {k: float(cols[f"awarded_total_yuan_{k}"][i]) for k in ("point", "low", "high")}
            orders = {
                o: {
                    "probability": float(cols[f"p_{o}"][i]),
                    "base_rate": round(self._order(o).base_rate_, PROBABILITY_DIGITS),
                }
                for o in ORDER_TARGETS
            }
            answers.append(
                {
                    "case_id": case.case_id,
                    "proceeding": case.proceeding,
                    "awarded_total_yuan": {**award, "level": float(cols["awarded_total_yuan_level"][i])},
                    "award_to_claim_ratio": _ratios(
                        award["point"], award["low"], award["high"], case.claimed_yuan, 3
                    ),
                    "outcomes": {
                        "claims_rejected": {
                            "probability": float(cols["p_claims_rejected"][i]),
                            "base_rate": base_rejected,
                        },
                        **orders,
                    },
                    "drivers": [
                        {
                            "feature": d["feature"],
                            "reason": d["reason"],
                            "contribution_yuan": d["contribution"],
                            "value": d["value"],
                        }
                        for d in drivers[i]
                    ],
                    "similar_cases": similar[i],
                    "model": model,
                    "law": law_ref,
                    "disclaimer": DISCLAIMER,
                }
            )
        return answers, prepared


Estimator = CriminalEstimator | CivilEstimator


def estimator_for(kind: str) -> type[CriminalEstimator] | type[CivilEstimator]:
    if kind == "criminal":
        return CriminalEstimator
    if kind == "civil":
        return CivilEstimator
    raise ValueError(f"unknown kind {kind!r}; criminal or civil")

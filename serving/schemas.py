"""Request and response bodies of the HTTP service (OpenAPI), describing the answers of ``serving.estimate``.

Requests reuse the case models of ``features.law.schema`` (``CriminalCase``, ``CivilCase``). Responses are the dicts
built by :class:`serving.estimate.ChampionSet`; the service serializes them directly (the models document them
and the tests check that every answer validates against them). Units are in the names: months or yuan.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from features.law import schema as case_schema
from features.law.statutory import BandResult
from features.model.check import Award, Sentence
from features.text.facts import Extraction
from features.text.numbers import Span
from serving import examples

MAX_FACTS_CHARS = 50_000  # not-law: the longest fact text accepted


def _examples(*items: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(items)})


# ---------------------------------------------------------------------------------------------------- requests
# The case models of features.law.schema, unchanged but for one guard: Python's JSON parser accepts NaN and Infinity,
# which JSON has not, and an infinite amount would reach the learners (a 500). Same names, so /docs shows them as
# CriminalCase and CivilCase.
class CriminalCase(case_schema.CriminalCase):
    __doc__ = case_schema.CriminalCase.__doc__
    model_config = ConfigDict(allow_inf_nan=False)


class CivilCase(case_schema.CivilCase):
    __doc__ = case_schema.CivilCase.__doc__
    model_config = ConfigDict(allow_inf_nan=False)


class FieldError(BaseModel):
    """One refused field: where and why, never the value that was sent (it may be personal data)."""

    field: str = Field(description="Dotted path of the field in the body, e.g. records_total or cases.3.year")
    reason: str


class ValidationErrorBody(BaseModel):
    model_config = _examples({"detail": [{"field": "records_total", "reason": "Input should be a valid integer"}]})

    detail: list[FieldError]


class ErrorBody(BaseModel):
    """An error that concerns the request as a whole (API key, path, method, media type), in words."""

    model_config = _examples({"detail": "a valid API key is required (X-API-Key header or Authorization: Bearer)"})

    detail: str


class TooLargeBody(ErrorBody):
    """413: the body is larger than the service takes (``EXPOSURE_MAX_BODY_BYTES``), whether its size was declared
    (Content-Length) or counted while it streamed in."""

    model_config = _examples(
        {
            "detail": "the request body is larger than 262144 bytes, the most this service takes "
            "(EXPOSURE_MAX_BODY_BYTES); send fewer or shorter cases per call",
            "limit_bytes": 262144,
        }
    )

    limit_bytes: int = Field(description="The largest body the service takes, bytes")


class UnavailableBody(BaseModel):
    """503: no champion registered (yet) for what the call needs."""

    model_config = _examples(
        {
            "detail": "no champion for custodial_months, probation, fine_yuan: run `exposure train` "
            "(it registers champions)",
            "command": "exposure train",
        }
    )

    detail: str
    command: str = Field(description="What to run so that the service can answer")


# ---------------------------------------------------------------------------------------------------- answers
class Interval(BaseModel):
    point: float
    low: float
    high: float
    level: float = Field(description="Coverage the interval [low, high] is calibrated for")


class CustodialMonths(Interval):
    """Custodial term (imprisonment or detention) in months; 0 = fine only or exempt."""

    legal_range: tuple[float, float] = Field(description="Legal range of the statutory band, months")
    note: str | None = Field(
        None,
        description="Set when the range reaches below the band's minimum: why (mitigation, Criminal Law Art. 63)",
    )


class Multiple(BaseModel):
    point: float
    low: float
    high: float


class FineYuan(Interval):
    """Criminal fine in yuan."""

    guideline_yuan: tuple[float, float] | None = Field(
        None, description="Interp. 2017 Art. 12: generally 1x-5x illegal gains (when gains are known)"
    )
    multiple_of_gains: Multiple | None = Field(None, description="The fine range as multiples of the gains")


class CriminalDriver(BaseModel):
    feature: str = Field(description="The circumstance (e.g. guilty_plea) or group of facts (e.g. records)")
    reason: str | None = Field(
        None, description="What it is in law, e.g. 'guilty plea (认罪认罚, Criminal Procedure Law Art. 15)'"
    )
    contribution_months: float = Field(
        description="Signed effect on the point estimate, months: for a circumstance the estimate with it minus "
        "without it (one not stated counts half)"
    )
    value: float = Field(description="The fact's value for this case (a circumstance: 1 stated, 0.5 unknown)")


class CivilDriver(BaseModel):
    feature: str
    reason: str | None = Field(None, description="What the group of facts is in law")
    contribution_yuan: float = Field(description="Signed contribution to the point estimate, yuan")
    value: float


class ProbationInfo(BaseModel):
    """P(probation) told as it is: a base rate of similar cases unless a model beat it on the same splits."""

    probability: float
    basis: Literal["base_rate", "model", "rule"] = Field(
        description="base_rate: the share of suspended sentences among past defendants of the band within the legal "
        "limits; model: a model that beat it (bootstrap interval of the gain excluding zero); rule: a rule of thumb"
    )
    family: str
    base_rate: float = Field(description="The base rate of probation among past defendants of this band")
    note: str


class ReadingRange(Interval):
    legal_range: tuple[float, float]


class YuanRange(BaseModel):
    point: float
    low: float
    high: float


class ReadingEstimate(BaseModel):
    """The estimate under one reading of an uncertain band: the case with the facts that make it certain."""

    band: str
    condition: str = Field(description="What must be true for this reading, in plain words")
    deciding_facts: list[str] = Field(description="The case fields that would settle the band")
    custodial_months: ReadingRange
    p_custodial_le_36_months: float
    probation_probability: float
    fine_yuan: YuanRange
    fine_mandatory: bool
    probation_possible: bool
    exemption_possible: bool
    rules: list[str] = Field(description="The articles that set this reading's band")


class LeverBasis(BaseModel):
    """The law behind a lever: the guideline's range for a circumstance, or the rule and threshold of the count."""

    article: str = Field(
        description="Citation, e.g. 'Criminal Procedure Law Art. 15; 法发〔2021〕21号 III (认罪认罚)'"
    )
    range: tuple[float, float] | None = Field(
        None,
        description="The guideline's range of the adjustment, as fractions of the starting point (e.g. [-0.3, 0]: up "
        "to 30% less; from the law table); null for the record count",
    )
    text: str = Field(description="The basis in words, numbers from the law table")


class LeverOption(BaseModel):
    """The estimate with the lever's fact in one changed state."""

    value: bool | str | int = Field(description="The fact's value in this option (true/false, a role, a count)")
    change: str = Field(description="The change, in plain words")
    update: dict[str, Any] = Field(description="The case fields that make this option (merged into the case)")
    band: str = Field(description="The statutory band in this option")
    band_changes: bool = Field(description="True when the band differs from the case's")
    custodial_months: ReadingRange
    change_months: float = Field(description="This option's point minus the case's, months (negative: lower)")
    p_custodial_le_36_months: float
    probation_probability: float
    probation_possible: bool
    fine_yuan: YuanRange
    change_fine_yuan: float = Field(description="This option's fine point minus the case's, yuan")


class Lever(BaseModel):
    """A fact counsel can change or contest, with the estimate of each of its other states (both ways when it is
    not stated). Mitigating levers never raise the estimate (the guideline's adjustments only lower it)."""

    name: Literal[
        "guilty_plea", "restitution", "surrender", "truthful_confession", "accessory", "insider", "records"
    ]
    kind: Literal["mitigating", "aggravating", "record_count"]
    label: str
    state: Literal["stated", "absent", "unknown"] = Field(
        description="The fact in the case as given: stated, stated absent, or not stated"
    )
    current: bool | str | int | None = Field(description="The field's value in the case (null: not stated)")
    basis: LeverBasis
    options: list[LeverOption]
    notes: list[str] = Field(default_factory=list)


class OutcomeProbability(BaseModel):
    probability: float
    base_rate: float = Field(description="The share among all past judgments of the training data")


class CivilOutcomes(BaseModel):
    """What else courts decide besides money, each against its base rate."""

    claims_rejected: OutcomeProbability
    apology_ordered: OutcomeProbability
    injunction: OutcomeProbability = Field(description="An order to stop, delete or block (停止侵害、删除)")


class SimilarCase(BaseModel):
    """A real case from the training data. Under the SPC similar-case guidance courts shall refer to guiding cases
    (指导性案例); every other case is reference only."""

    case_id: str
    summary: str | None
    court: str | None
    year: int | None
    case_number: str | None = Field(None, description="Case number (案号) where known")
    outcome: dict[str, Any] = Field(description="What the court decided (months, yuan, penalty kind)")
    source_url: str | None
    source_title: str | None
    source_kind: str | None = Field(
        None,
        description="Where the source stands: official, press, law_firm, secondary (a repost), title_only; "
        "among equally similar cases the better source comes first",
    )
    authority: str = Field(
        "published",
        description="guiding_case (指导性案例: courts shall refer to it), case_library (人民法院案例库), "
        "procuratorate_guiding (检例) or published (any other published case)",
    )
    similarity: float = Field(description="1 / (1 + RMS distance in standardized feature space), in (0, 1]")
    reference_only: bool = Field(True, description="False only for guiding cases, which courts shall refer to")


class ModelInfo(BaseModel):
    """The model behind a figure and the data it was trained on."""

    name: str = Field(description="Registered model name (exposure-criminal or exposure-civil)")
    version: str
    run_id: str
    family: str
    dataset_digest: str | None = Field(description="Digest of the training cases of this target")
    n_train: int | None = Field(description="Training cases")


class LawInfo(BaseModel):
    """The law table the answer was computed under (the estimator's, fixed when it was trained)."""

    digest: str = Field(description="Digest of the law table (thresholds, ranges, readings)")
    version: str | None = None
    citation: str | None = None
    readings: dict[str, str] = Field(default_factory=dict, description="Category applied to each contested type")
    non_default_readings: list[str] = Field(default_factory=list)


class ModelCard(ModelInfo):
    metrics: dict[str, float] = Field(description="Cross-validated metrics of the champion's run")


_PRIOR_ONLY = (
    "True when the case stated no fact and the call asked for the prior anyway (query prior=true): the figures "
    "are then those of an average past case and rest on no fact of this one"
)


class CriminalEstimate(BaseModel):
    """Estimate for one defendant under Criminal Law Art. 253-1. Non-binding."""

    model_config = _examples(examples.CRIMINAL_ANSWER)

    case_id: str | None
    band: str = Field(description="Statutory band: none | serious | especially_serious")
    statutory: BandResult = Field(description="The band and the rules of Interp. 2017 that set it")
    custodial_months: CustodialMonths
    p_custodial_le_36_months: float = Field(
        description="P(custodial term at most the probation limit of Criminal Law Art. 72): probation possible"
    )
    probation_probability: float
    probation: ProbationInfo | None = Field(None, description="What P(probation) is: a base rate or a model's")
    fine_yuan: FineYuan
    readings: list[ReadingEstimate] = Field(
        default_factory=list,
        description="When the band is uncertain: the estimate under each reading, most severe first, with the facts "
        "that decide it (empty when the band is certain)",
    )
    drivers: list[CriminalDriver] = Field(
        description="The legal reasons behind custodial_months.point, largest first"
    )
    levers: list[Lever] = Field(
        default_factory=list,
        description="What the defendant can still change or contest (plea, restitution, surrender, confession, "
        "role, insider status, the record count), each with the estimate of its other states; empty with "
        "?levers=false",
    )
    similar_cases: list[SimilarCase]
    model: dict[str, ModelInfo] = Field(
        description="Champion per target: name, version, MLflow run id, training data digest and size"
    )
    law: LawInfo | None = Field(None, description="The law table the answer was computed under")
    disclaimer: str
    prior_only: bool = Field(False, description=_PRIOR_ONLY)
    warnings: list[str] = Field(default_factory=list, description="What the answer rests on, when it is unusual")
    extraction: Extraction | None = Field(
        None, description='When the body was {"facts": ...}: the fields read from the text, with evidence spans'
    )


class CivilEstimate(BaseModel):
    """Estimate of a civil or public-interest award in yuan. Non-binding."""

    model_config = _examples(examples.CIVIL_ANSWER)

    case_id: str | None
    proceeding: str
    awarded_total_yuan: Interval
    award_to_claim_ratio: Multiple | None = Field(description="Award / claimed_yuan when a claim is given")
    outcomes: CivilOutcomes | None = Field(None, description="P(claims rejected), P(apology), P(injunction)")
    drivers: list[CivilDriver]
    similar_cases: list[SimilarCase]
    model: dict[str, ModelInfo]
    law: LawInfo | None = Field(None, description="The law table the answer was computed under")
    disclaimer: str
    prior_only: bool = Field(False, description=_PRIOR_ONLY)
    warnings: list[str] = Field(default_factory=list, description="What the answer rests on, when it is unusual")


# ---------------------------------------------------------------------------------------------------- checks
class RangeCheck(BaseModel):
    level: float = Field(description="Coverage of the range")
    low: float
    high: float
    outside: bool = Field(description="The value lies below low or above high")


class PlacedValue(BaseModel):
    """A value placed in an estimate's predictive distribution (features.model.check)."""

    value: float
    percentile: float = Field(
        description="100 x (P(outcome < value) + P(outcome = value) / 2) in the predictive distribution"
    )
    p_below: float = Field(description="P(outcome < value): the share of estimates below the value")
    p_above: float = Field(description="P(outcome > value): the share of estimates above the value")
    ranges: list[RangeCheck] = Field(description="The value against the 80% and 95% ranges")
    outside_80: bool
    outside_95: bool
    point: float = Field(description="The estimate's point, for comparison")


class CustodialCheck(PlacedValue):
    legal_range: tuple[float, float] = Field(
        description="The band's legal range, months (Criminal Law Art. 253-1)"
    )
    legal_position: Literal["within", "below_minimum", "above_maximum"]


class ProbationCheck(BaseModel):
    suspended: bool = Field(description="The sentence is suspended (probation_months given)")
    probation_months: float | None
    probability: float = Field(description="P(probation) of the estimate")
    p_this: float = Field(description="P(this outcome): P(probation) if suspended, else 1 - P(probation)")
    possible: bool = Field(description="Probation is possible in law for this term and case (Arts. 72, 74)")


class FineCheck(PlacedValue):
    guideline_yuan: tuple[float, float] | None = Field(None, description="Interp. 2017 Art. 12: 1x-5x the gains")
    within_guideline: bool | None = Field(None, description="Null when the gains are unknown")


class SentenceCheck(BaseModel):
    """Where a proposed or actual sentence falls in the estimate for its case."""

    model_config = _examples(examples.SENTENCE_CHECK)

    case_id: str | None
    band: str
    sentence: Sentence
    percentile: float = Field(description="The custodial term's percentile in the predictive distribution")
    custodial_months: CustodialCheck
    probation: ProbationCheck
    fine_yuan: FineCheck | None = Field(None, description="When the sentence gives a fine")
    similar_below: list[SimilarCase] = Field(description="Similar cases with a shorter term, most similar first")
    similar_equal: list[SimilarCase] = Field(description="Similar cases with the same term")
    similar_above: list[SimilarCase] = Field(description="Similar cases with a longer term")
    summary: list[str] = Field(description="Plain sentences: where the term, probation and fine fall")
    notes: list[str] = Field(default_factory=list, description="Legal points (outside the band's range...)")
    disclaimer: str


class CriminalCheck(SentenceCheck):
    """The deviation check of a sentence, with the whole estimate it was placed in. Non-binding."""

    model_config = _examples({**examples.SENTENCE_CHECK, "estimate": examples.CRIMINAL_ANSWER})

    estimate: CriminalEstimate


class CriminalCheckRequest(BaseModel):
    """A case and a proposed or actual sentence to place in its estimate."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [examples.CRIMINAL_CHECK_REQUEST]},
    )

    case: CriminalCase
    sentence: Sentence


class AwardCheck(BaseModel):
    """Where a proposed or actual award falls in the estimate for its case, and against the claim."""

    model_config = _examples(examples.AWARD_CHECK)

    case_id: str | None
    award: Award
    percentile: float = Field(description="The award's percentile in the predictive distribution")
    awarded_total_yuan: PlacedValue
    claimed_yuan: float | None
    share_of_claim: float | None = Field(description="The award / claimed_yuan, when a claim is given")
    similar_below: list[SimilarCase]
    similar_equal: list[SimilarCase]
    similar_above: list[SimilarCase]
    summary: list[str]
    notes: list[str] = Field(default_factory=list)
    disclaimer: str


class CivilCheck(AwardCheck):
    """The deviation check of an award, with the whole estimate it was placed in. Non-binding."""

    model_config = _examples({**examples.AWARD_CHECK, "estimate": examples.CIVIL_ANSWER})

    estimate: CivilEstimate


class CivilCheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [examples.CIVIL_CHECK_REQUEST]},
    )

    case: CivilCase
    award: Award


# ---------------------------------------------------------------------------------------------------- co-defendants
class CodefendantsRequest(BaseModel):
    """Several defendants of one case: the facts of the case once (``shared``), each defendant's own fields on top
    (role, their own records or gains, their own circumstances; a field given for a defendant wins over the shared
    one). ``n_defendants`` is the number of defendants unless given."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.CODEFENDANTS_REQUEST]})

    shared: CriminalCase = Field(
        description="The facts of the whole case (records, data types, conduct, gains...), as CriminalCase fields"
    )
    defendants: list[CriminalCase] = Field(
        min_length=2,
        description="Each defendant's own fields (defendant, role, own records or gains, own circumstances); a field "
        "given here wins over the shared one",
    )


class Triple(BaseModel):
    point: float
    low: float
    high: float


class CodefendantRow(BaseModel):
    index: int = Field(description="Position of the defendant in the request")
    defendant: str
    role: str | None
    band: str
    custodial_months: Triple
    probation_probability: float
    fine_yuan: Triple
    own_facts: list[str] = Field(description="The fields set for this defendant alone")


class CodefendantOrdering(BaseModel):
    accessories_at_most_principals: bool = Field(
        description="Every accessory's estimate is at most every principal's (always, on the same facts)"
    )
    notes: list[str] = Field(description="Where an accessory is above a principal: the own facts that differ")


class CodefendantEstimate(BaseModel):
    index: int
    defendant: str
    estimate: CriminalEstimate


class CodefendantsResponse(BaseModel):
    """One estimate per defendant (one batch), and a table to compare them. Non-binding."""

    model_config = _examples(examples.CODEFENDANTS_ANSWER)

    defendants: list[CodefendantEstimate] = Field(description="In the order of the request")
    table: list[CodefendantRow] = Field(
        description="Principals first, then defendants of unknown role, then accessories; the longest first"
    )
    ordering: CodefendantOrdering


# ---------------------------------------------------------------------------------------------------- judgments
MAX_JUDGMENT_CHARS = 200_000  # not-law: the longest pasted judgment accepted


class JudgmentText(BaseModel):
    """A pasted judgment (or upload one as multipart/form-data, field ``file``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.JUDGMENT_REQUEST]})

    text: str = Field(min_length=1, max_length=MAX_JUDGMENT_CHARS, description="The judgment's text (Chinese)")
    filename: str | None = Field(None, max_length=300, description="Its file name, if any (for the format)")


class JudgmentUpload(BaseModel):
    file: bytes = Field(
        json_schema_extra={"format": "binary"}, description="The judgment file: .txt, .html, .docx or .pdf"
    )


class JudgmentDefendant(BaseModel):
    """One defendant read from the judgment: the case fields with their evidence, the estimate and, when the
    judgment states the sentence, where the real sentence falls in it."""

    defendant: str
    unit: bool = Field(False, description="A unit (被告单位): fined only, not estimated")
    case: dict[str, Any] = Field(description="CriminalCase fields read for this defendant (no outcome)")
    evidence: dict[str, list[Span]] = Field(description="field -> spans of the judgment's text")
    confidence: dict[str, float] = Field(description="field -> 0..1: check the lowest first")
    stated_sentence: Sentence | None = Field(None, description="The sentence the judgment states, when read")
    ok: bool
    errors: list[FieldError] | None = Field(None, description="Why no estimate was made for this defendant")
    estimate: CriminalEstimate | None = None
    check: SentenceCheck | None = Field(None, description="Where the stated sentence falls in the estimate")


class JudgmentResponse(BaseModel):
    """A whole judgment read (features.text.judgment) and each defendant estimated. Non-binding."""

    model_config = _examples(examples.JUDGMENT_ANSWER)

    court: str | None
    case_number: str | None
    year: int | None
    instance: str | None
    appeal_result: str | None
    personal_information: bool = Field(description="A personal-information charge appears in the judgment")
    warnings: list[str]
    defendants: list[JudgmentDefendant]


FACTS_EXAMPLE = (
    "被告人张某在担任某快递公司员工期间,利用职务便利,将公司客户的姓名、电话、住址等信息3万余条出售给他人,"
    "获利1.8万元。到案后如实供述,自愿认罪认罚,退缴全部违法所得。"
)


class FactsText(BaseModel):
    """A Chinese fact description."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"facts": FACTS_EXAMPLE}]})

    facts: str = Field(
        min_length=1, max_length=MAX_FACTS_CHARS, description="Fact description or judgment text (Chinese)"
    )


class FactsRequest(BaseModel):
    """A Chinese fact description instead of case fields: the facts are read from it (``features.text.facts``),
    fields given in ``case`` win over the ones read."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"facts": FACTS_EXAMPLE, "case": {"year": 2024}}]},
    )

    facts: str = Field(
        min_length=1, max_length=MAX_FACTS_CHARS, description="Fact description or judgment text (Chinese)"
    )
    case: dict[str, Any] | None = Field(None, description="Case fields that override what is read from the text")


# ---------------------------------------------------------------------------------------------------- batches
class BatchRequest(BaseModel):
    """Several cases in one call (at most ``EXPOSURE_MAX_BATCH``, default 100); each is validated on its own, so a
    bad case gets an error in its slot instead of failing the batch."""

    cases: list[Any] = Field(min_length=1, description="Case objects, as the single-case endpoint takes them")


def _cases_of(model: str) -> Any:
    return Field(
        min_length=1,
        description=f"{model} objects, as the single-case endpoint takes them",
        json_schema_extra={"items": {"$ref": f"#/components/schemas/{model}"}},
    )


class CriminalBatchRequest(BatchRequest):
    model_config = _examples(examples.CRIMINAL_BATCH_REQUEST)

    cases: list[Any] = _cases_of("CriminalCase")


class CivilBatchRequest(BatchRequest):
    model_config = _examples(examples.CIVIL_BATCH_REQUEST)

    cases: list[Any] = _cases_of("CivilCase")


class BatchItem(BaseModel):
    index: int = Field(description="Position of the case in the request")
    ok: bool
    errors: list[FieldError] | None = Field(None, description="Why this case was refused (when ok is false)")


class CriminalBatchItem(BatchItem):
    estimate: CriminalEstimate | None = None


class CivilBatchItem(BatchItem):
    estimate: CivilEstimate | None = None


class CriminalBatchResponse(BaseModel):
    """One result per case, in the order of the request."""

    model_config = _examples(examples.CRIMINAL_BATCH_ANSWER)

    results: list[CriminalBatchItem]


class CivilBatchResponse(BaseModel):
    """One result per case, in the order of the request."""

    model_config = _examples(examples.CIVIL_BATCH_ANSWER)

    results: list[CivilBatchItem]


# ---------------------------------------------------------------------------------------------------- models


class RefusedSwap(BaseModel):
    """A new champion set that failed to load or failed the check on the example cases: the service kept the one
    it had."""

    versions: dict[str, str | None] = Field(description="The registry's champion versions that were refused")
    reason: str
    at: float = Field(description="Unix time of the refusal")
    retry: bool = Field(description="True: it failed to load and is tried again every poll")


class EstimatorData(BaseModel):
    name: str = Field(description="Name of the training data (e.g. seeds)")
    n_cases: int
    digest: str


class EstimatorCard(BaseModel):
    """A kind's estimator: its models were trained together on one featurization and one law table."""

    name: str
    version: str
    run_id: str
    law_digest: str
    features_digest: str
    data: EstimatorData
    parts: list[str] = Field(description="The targets it answers")


class ModelsResponse(BaseModel):
    model_config = _examples(
        {
            "ready": True,
            "models": {
                "custodial_months": {
                    "name": "exposure-custodial_months",
                    "version": "3",
                    "run_id": "0123456789abcdef0123456789abcdef",
                    "family": "ridge",
                    "dataset_digest": "8d1e7c3a",
                    "n_train": 58,
                    "metrics": {"mae_months": 11.5, "coverage": 0.79, "cail_score": 0.71},
                }
            },
            "missing": {},
            "loaded_at": 1795452226.5,
            "checked_at": 1795452256.5,
            "reloads": 0,
            "reload_interval_s": 30.0,
            "source": "registry",
            "note": None,
            "cached_at": None,
            "refused": {
                "versions": {"custodial_months": "4"},
                "reason": "custodial_months v4: the estimator is a dict, not a OutcomeRegressor",
                "at": 1795452286.5,
                "retry": False,
            },
            "refusals": 1,
        }
    )

    ready: bool
    models: dict[str, ModelCard] = Field(
        description="Per target: the part of its kind's estimator that answers it"
    )
    estimators: dict[str, EstimatorCard] = Field(
        default_factory=dict, description="Per kind (criminal, civil): the loaded estimator, one promoted unit"
    )
    missing: dict[str, str] = Field(description="Kinds without a champion, with the reason")
    loaded_at: float | None = Field(description="Unix time the loaded champions were read")
    checked_at: float | None = Field(description="Unix time the registry was last checked")
    reloads: int = Field(description="Champion swaps since start")
    reload_interval_s: float
    source: Literal["registry", "cache"] | None = Field(
        None,
        description="Where the loaded champions came from: the MLflow registry, or the disk cache of the last "
        "good ones (when the tracking store could not be reached at start)",
    )
    note: str | None = Field(None, description="Why the champions come from the cache")
    cached_at: float | None = Field(None, description="Unix time the cached champions were written")
    refused: RefusedSwap | None = Field(None, description="The last champion set that was not swapped in")
    refusals: int = Field(0, description="Champion sets refused since start")


# ---------------------------------------------------------------------------------------------------- health
class Health(BaseModel):
    model_config = _examples({"status": "ok"})

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    model_config = _examples(
        {
            "ready": True,
            "versions": {"custodial_months": "3", "probation": "2"},
            "reason": None,
            "command": None,
            "source": "registry",
        },
        {
            "ready": False,
            "versions": {"custodial_months": None},
            "reason": "custodial_months: no model registered as exposure-custodial_months@champion "
            "(run `exposure train`)",
            "command": "exposure train",
            "source": "registry",
        },
        {
            "ready": True,
            "versions": {"custodial_months": "3", "probation": "2"},
            "reason": "tracking store unreachable (MlflowException); serving the last good champions, cached at "
            "2026-11-23T17:41:52Z",
            "command": None,
            "source": "cache",
        },
    )

    ready: bool
    versions: dict[str, str | None]
    reason: str | None = Field(
        None, description="Why not ready; when ready from the disk cache, why the cache serves (store unreachable)"
    )
    command: str | None = Field(None, description="What to run to become ready")
    source: Literal["registry", "cache"] | None = Field(
        None, description="Where the loaded champions came from (cache: the last good ones on disk)"
    )

"""Validated case models (pydantic v2) using the field names of ../shared/data/README.md.

Units are in the names: ``*_months`` are months, ``*_yuan`` are RMB yuan, ``records_*`` are pieces of
personal information (条/组/份). Unknown is ``None``. Unknown fields, unknown vocabulary words, negative
numbers, impossible dates and legally impossible outcomes (probation without a custodial term, probation for a
term above the limit of Criminal Law Art. 72, periods outside Art. 73, detention outside Art. 42; limits from the
law table) are refused with an error that names the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from features.law.table import load_law_table
from features.law.vocab import (
    Authority,
    ClaimType,
    Conduct,
    DataType,
    DefendantType,
    DownstreamUse,
    Instance,
    PlaintiffType,
    Role,
    SourceKind,
    VictimCategory,
)

# upper bounds far above any real case (a trillion records or yuan) keep derived amounts (5x gains, ratios)
# finite: larger numbers are typing errors, and 4e307 yuan made the fine guideline infinite
MAX_COUNT = 10**12
MAX_YUAN = 1e12
NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
NonNegFloat = Annotated[float, Field(ge=0, le=MAX_YUAN)]
Months = Annotated[float, Field(ge=0, le=300)]
_DETENTION_MAX = load_law_table(readings={}).detention_months[1]  # Criminal Law Art. 42
FIRST_YEAR = 1979  # the first Criminal Law (not a legal threshold: the lower bound of a plausible year)
_CONDUCT_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_conduct_date(text: str) -> tuple[int, int | None, int | None]:
    """``"2015-06-30"`` -> (2015, 6, 30); ``"2015-06"`` -> (2015, 6, None); ``"2015"`` -> (2015, None, None).

    Raises ``ValueError`` for any other form and for impossible dates (2015-02-30, month 13)."""
    m = _CONDUCT_DATE.match(text)
    if not m:
        raise ValueError("should be a date YYYY-MM-DD, YYYY-MM or YYYY (the last act)")
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError("is not a real date") from None
    return year, month, day


class CaseBase(BaseModel):
    """Fields shared by criminal and civil cases: provenance and facts."""

    model_config = ConfigDict(
        extra="forbid", use_enum_values=False, str_strip_whitespace=True, allow_inf_nan=False
    )

    # identity and provenance
    case_id: str | None = Field(None, description="Unique id of the row (generated for user input if absent)")
    group_id: str | None = Field(None, description="Rows of the same judgment share it (grouped CV folds)")
    source_url: str | None = None
    source_title: str | None = None
    court: str | None = None
    province: str | None = None
    year: Annotated[int, Field(ge=FIRST_YEAR, le=2100)] | None = Field(
        None, description="Year of the judgment (or of its report), not of the conduct"
    )
    case_number: str | None = None
    source_kind: SourceKind | None = Field(
        None,
        description="Where the source stands: official, press, law_firm, secondary (a repost), title_only",
    )
    authority: Authority | None = Field(
        None,
        description="guiding_case (SPC 指导性案例: courts shall refer to it), case_library (人民法院案例库: courts "
        "shall search it), procuratorate_guiding (SPP 检例), published (any other: reference only)",
    )
    summary_en: str | None = None
    duplicate_of: str | None = Field(
        None,
        description="case_id of another row describing the same judgment from another source; such rows are "
        "kept for provenance but left out of training and evaluation",
    )
    synthetic: bool = Field(
        False, description="Made by `exposure data synth` for scale tests: never used for training or evaluation"
    )

    # facts
    records_total: NonNegInt | None = Field(None, description="Pieces of personal information (条)")
    records_by_type: dict[DataType, NonNegInt] | None = Field(
        None, description="Records per data type, for users who know the split: {data_type: count}"
    )
    data_types: list[DataType] = Field(default_factory=list)
    victim_category: VictimCategory | None = None
    conduct: list[Conduct] = Field(default_factory=list)
    insider: bool | None = Field(None, description="Obtained the data while performing duties/providing services")
    illegal_profit_yuan: NonNegFloat | None = Field(None, description="Illegal gains (违法所得), yuan")
    sales_yuan: NonNegFloat | None = Field(None, description="Sales turnover, yuan")
    downstream_use: DownstreamUse | None = None

    conduct_date: str | None = Field(
        None,
        description="Date of the last act (YYYY-MM-DD, YYYY-MM or YYYY): decides between the old and the amended "
        "Art. 253-1 (Criminal Law Art. 12); not after the judgment year",
        examples=["2019-06"],
    )

    @field_validator("conduct_date")
    @classmethod
    def _conduct_date_valid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        year, month, day = parse_conduct_date(value)
        if date(year, month or 1, day or 1) > date.today():
            raise ValueError("is in the future")
        if year < FIRST_YEAR:
            raise ValueError(f"is before {FIRST_YEAR}")
        return value

    @model_validator(mode="after")
    def _records_consistent(self) -> CaseBase:
        if self.records_by_type:
            split_sum = sum(self.records_by_type.values())
            if self.records_total is None:
                self.records_total = split_sum
            elif self.records_total < split_sum:
                raise ValueError(
                    f"records_total ({self.records_total}) is smaller than the sum of records_by_type ({split_sum})"
                )
            for data_type in self.records_by_type:
                if data_type not in self.data_types:
                    self.data_types.append(data_type)
        if (
            self.conduct_date is not None
            and self.year is not None
            and parse_conduct_date(self.conduct_date)[0] > self.year
        ):
            raise ValueError("conduct_date is after the judgment year (year): the last act precedes the judgment")
        return self


def probation_range_months(*, imprisonment: bool) -> tuple[float, float]:
    """The probation period the law allows, in months (Criminal Law Art. 73, from the law table): for fixed-term
    imprisonment or for criminal detention; never shorter than the term itself (checked by the caller)."""
    return load_law_table().probation_period_months(imprisonment=imprisonment)


class CriminalCase(CaseBase):
    """One defendant in a case under Criminal Law Art. 253-1 (侵犯公民个人信息罪)."""

    proceeding: Literal["criminal"] = "criminal"

    defendant: str | None = None
    n_defendants: Annotated[int, Field(ge=1, le=10_000)] | None = None
    role: Role | None = None
    charge: str | None = None
    other_charges: list[str] = Field(default_factory=list)
    surrender: bool | None = Field(None, description="自首 (Criminal Law Art. 67(1))")
    truthful_confession: bool | None = Field(None, description="坦白 (Criminal Law Art. 67(3))")
    guilty_plea: bool | None = Field(None, description="认罪认罚 (Criminal Procedure Law Art. 15)")
    restitution: bool | None = Field(None, description="退赃退赔")
    recidivist: bool | None = Field(None, description="累犯 (Criminal Law Art. 65): no probation")
    ringleader: bool | None = Field(
        None,
        description="首要分子 of a criminal group (犯罪集团, Criminal Law Arts. 26, 97): no probation (Art. 74)",
    )
    unit_crime: bool | None = None

    # circumstances of Interp. 2017 Arts. 5-6 not in the shared rows (all optional)
    prior_punishment_same_conduct: bool | None = Field(
        None,
        description="Punished before (criminally, or administratively within 2 years) for the same conduct: "
        "Interp. 2017 Art. 5(1)(9)",
    )
    whereabouts_used_for_crime: bool | None = Field(
        None,
        description="Sold/provided whereabouts used by others to commit a crime: Interp. 2017 Art. 5(1)(1)",
    )
    knew_buyer_criminal: bool | None = Field(
        None,
        description="Knew or should have known the recipient would commit a crime: Interp. 2017 Art. 5(1)(2)",
    )
    severe_consequences: bool | None = Field(
        None,
        description="Death, serious injury, mental illness or kidnapping caused: Interp. 2017 Art. 5(2)(1)",
    )
    heavy_loss_or_vicious_impact: bool | None = Field(
        None, description="Heavy economic loss or vicious social impact: Interp. 2017 Art. 5(2)(2)"
    )
    lawful_business_purpose: bool | None = Field(
        None, description="Bought/received general data for a lawful business: Interp. 2017 Art. 6"
    )
    attempt: bool | None = Field(None, description="未遂 (Criminal Law Art. 23)")

    # outcome (labels; absent for a case being estimated)
    prison_months: Months | None = Field(None, description="Fixed-term imprisonment (有期徒刑), months")
    detention_months: Annotated[float, Field(ge=0, le=_DETENTION_MAX)] | None = Field(
        None, description="Criminal detention (拘役), months (Criminal Law Art. 42: the law table's range)"
    )
    probation_months: Months | None = Field(
        None, description="Probation (缓刑) period, months; null if not suspended"
    )
    fine_yuan: NonNegFloat | None = None
    exempt_from_punishment: bool | None = None

    @model_validator(mode="after")
    def _outcome_consistent(self) -> CriminalCase:
        prison, detention, probation = self.prison_months, self.detention_months, self.probation_months
        if prison and detention:
            raise ValueError(
                "prison_months and detention_months are both set: a defendant gets one custodial term"
            )
        law = load_law_table()
        custodial = prison or detention or 0
        if probation:
            if not custodial:
                raise ValueError(
                    "probation_months is set without a custodial term (prison_months/detention_months)"
                )
            if custodial > law.probation_max_months:
                raise ValueError(
                    f"probation_months is set but the custodial term is {custodial:g} months; "
                    f"probation needs a term of at most {law.probation_max_months:g} months (Criminal Law Art. 72)"
                )
            if probation < custodial:
                raise ValueError(
                    f"probation_months ({probation:g}) is shorter than the term ({custodial:g}) (Criminal Law Art. 73)"
                )
            low, high = probation_range_months(imprisonment=bool(prison))
            kind = "imprisonment" if prison else "criminal detention"
            if not low <= probation <= high:
                raise ValueError(
                    f"probation_months ({probation:g}) is outside {low:g}-{high:g} months, the probation period "
                    f"for {kind} (Criminal Law Art. 73)"
                )
            if self.recidivist:
                raise ValueError("probation_months is set for a recidivist (Criminal Law Art. 74 excludes it)")
            if self.ringleader:
                raise ValueError(
                    "probation_months is set for a ringleader of a criminal group (Criminal Law Art. 74 excludes it)"
                )
        if self.exempt_from_punishment and (custodial or self.fine_yuan):
            raise ValueError("exempt_from_punishment is true but a custodial term or fine is set")
        return self

    @property
    def custodial_months(self) -> float | None:
        """The custodial term in months (imprisonment or detention), 0 for fine only/exemption, None if unknown."""
        if self.prison_months is not None:
            return float(self.prison_months)
        if self.detention_months is not None:
            return float(self.detention_months)
        if self.exempt_from_punishment or self.fine_yuan is not None:
            return 0.0
        return None


class CivilCase(CaseBase):
    """One civil or public-interest judgment on personal information or data."""

    proceeding: Literal["civil", "public_interest"] = "civil"

    plaintiff_type: PlaintiffType | None = None
    defendant_type: DefendantType | None = None
    claim_type: ClaimType | None = None
    instance: Instance | None = None
    claimed_yuan: NonNegFloat | None = Field(None, description="Amount claimed, yuan")
    awarded_economic_yuan: NonNegFloat | None = None
    awarded_mental_yuan: NonNegFloat | None = None
    awarded_expenses_yuan: NonNegFloat | None = None
    awarded_total_yuan: NonNegFloat | None = Field(None, description="Total awarded, yuan (0 when all rejected)")
    apology_ordered: bool | None = None
    injunction: bool | None = None


Case = Annotated[CriminalCase | CivilCase, Field(discriminator="proceeding")]
_case_adapter: TypeAdapter[CriminalCase | CivilCase] = TypeAdapter(Case)


def parse_case(obj: dict[str, Any]) -> CriminalCase | CivilCase:
    """Validate one case dict; ``proceeding`` picks the model (criminal when absent).

    Raises ``pydantic.ValidationError`` naming the field and the reason.
    """
    if "proceeding" not in obj:
        obj = {**obj, "proceeding": "criminal"}
    return _case_adapter.validate_python(obj)


# ---------------------------------------------------------------------------------------------------------
# Facts of a case: an estimate must rest on at least one. Provenance (case_id, court, province, year, sources),
# labels (prison_months, fine_yuan, awarded_*...) and the proceeding's name describe no conduct; an estimate of a
# case that states none of the fields below is the average of all past cases, whatever the case is.
CONDUCT_FACT_FIELDS: tuple[str, ...] = (  # what was taken and done: both kinds of proceeding state these
    "records_total",
    "records_by_type",
    "data_types",
    "victim_category",
    "conduct",
    "insider",
    "illegal_profit_yuan",
    "sales_yuan",
    "downstream_use",
)
CRIMINAL_FACT_FIELDS: tuple[str, ...] = (
    *CONDUCT_FACT_FIELDS,
    "n_defendants",
    "role",
    "ringleader",
    "surrender",
    "truthful_confession",
    "guilty_plea",
    "restitution",
    "recidivist",
    "unit_crime",
    "prior_punishment_same_conduct",
    "whereabouts_used_for_crime",
    "knew_buyer_criminal",
    "severe_consequences",
    "heavy_loss_or_vicious_impact",
    "lawful_business_purpose",
    "attempt",
)
CIVIL_FACT_FIELDS: tuple[str, ...] = (
    *CONDUCT_FACT_FIELDS,
    "plaintiff_type",
    "defendant_type",
    "claim_type",
    "claimed_yuan",
)


def fact_fields(case: CaseBase) -> tuple[str, ...]:
    """The fields that count as facts of a case of this kind (criminal or civil / public interest)."""
    return CRIMINAL_FACT_FIELDS if isinstance(case, CriminalCase) else CIVIL_FACT_FIELDS


def stated_facts(case: CaseBase) -> list[str]:
    """The fact fields the case states: a value that is not None and not empty. ``False`` is a fact (stated
    absence of a circumstance, e.g. no surrender); an empty list or mapping is none."""
    out = []
    for name in fact_fields(case):
        value = getattr(case, name)
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        out.append(name)
    return out


def no_fact_reason(case: CaseBase) -> str | None:
    """None when the case states at least one fact; otherwise why no estimate can rest on it, naming the fields that
    can be given (the sentence the HTTP 422 carries, under the field ``(case)``)."""
    if stated_facts(case):
        return None
    return (
        "the case states no fact, so an estimate would be the average of all past cases whatever the case is; give "
        "at least one of: " + ", ".join(fact_fields(case))
    )

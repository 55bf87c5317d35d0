"""Case validation (features.law.schema): what is refused, what is filled in, and that errors name the field but never
repeat the value (case rows carry personal data)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase, parse_case
from features.law.vocab import Conduct, DataType
from features.tables import describe_validation_error, format_validation_error

# A value that must never come back in an error message: a name and an ID-card-like number.
SECRET = "张三 110101199003071234"


def errors_of(obj: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        parse_case(obj)
    described = describe_validation_error(info.value)
    assert described, "a refused case must say why"
    return described


def fields_of(obj: dict[str, Any]) -> set[str]:
    return {e["field"] for e in errors_of(obj)}


def assert_private(errors: list[dict[str, str]], *values: str) -> None:
    text = repr(errors)
    for value in values:
        assert value not in text


# --- refused input ----------------------------------------------------------------------------------------------


def test_unknown_field_is_refused_by_name() -> None:
    errors = errors_of({"records_total": 10, "victim_name": SECRET})
    assert errors == [{"field": "victim_name", "reason": "Extra inputs are not permitted"}]
    assert_private(errors, SECRET)


def test_unknown_field_is_refused_on_civil_cases_too() -> None:
    # a criminal outcome field on a civil case is unknown there
    assert fields_of({"proceeding": "civil", "prison_months": 12}) == {"prison_months"}


def test_unknown_data_type_is_refused() -> None:
    errors = errors_of({"data_types": ["identity", SECRET]})
    assert [e["field"] for e in errors] == ["data_types.1"]
    assert "identity" in errors[0]["reason"]  # the allowed words are listed
    assert_private(errors, SECRET)


def test_unknown_records_by_type_key_is_refused_without_echoing_it() -> None:
    errors = errors_of({"records_by_type": {SECRET: 5}})
    assert [e["field"] for e in errors] == ["records_by_type.[key]"]
    assert_private(errors, SECRET)


@pytest.mark.parametrize(
    "obj",
    [
        {"conduct": [SECRET]},
        {"victim_category": SECRET},
        {"role": SECRET},
        {"downstream_use": SECRET},
        {"proceeding": "civil", "plaintiff_type": SECRET},
        {"proceeding": "civil", "claim_type": SECRET},
    ],
    ids=lambda o: next(k for k in o if k != "proceeding"),
)
def test_unknown_vocabulary_words_are_refused(obj: dict[str, Any]) -> None:
    field = next(k for k in obj if k != "proceeding")
    errors = errors_of(obj)
    assert errors[0]["field"].split(".")[0] == field
    assert_private(errors, SECRET)


@pytest.mark.parametrize(
    "field",
    ["records_total", "illegal_profit_yuan", "sales_yuan", "prison_months", "detention_months", "fine_yuan"],
)
def test_negative_numbers_are_refused(field: str) -> None:
    errors = errors_of({field: -5})
    assert errors == [{"field": field, "reason": "Input should be greater than or equal to 0"}]


def test_negative_records_by_type_is_refused() -> None:
    assert fields_of({"records_by_type": {"lodging": -1}}) == {"records_by_type.lodging"}


def test_negative_civil_award_is_refused() -> None:
    assert fields_of({"proceeding": "civil", "awarded_total_yuan": -1}) == {"awarded_total_yuan"}


def test_wrong_types_are_refused_without_echoing_the_value() -> None:
    errors = errors_of({"records_total": SECRET, "year": SECRET, "insider": SECRET, "prison_months": SECRET})
    assert {e["field"] for e in errors} == {"records_total", "year", "insider", "prison_months"}
    assert_private(errors, SECRET, "110101199003071234", "张三")


def test_fractional_record_count_is_refused() -> None:
    assert fields_of({"records_total": 10.5}) == {"records_total"}


def test_detention_over_six_months_is_refused() -> None:
    assert fields_of({"detention_months": 7}) == {"detention_months"}


def test_unknown_proceeding_is_refused_without_echoing_it() -> None:
    errors = errors_of({"proceeding": SECRET})
    assert [e["field"] for e in errors] == ["proceeding"]
    assert "criminal" in errors[0]["reason"]
    assert_private(errors, SECRET)


# --- legally impossible outcomes (Criminal Law Arts. 72-74) -----------------------------------------------------


def test_probation_without_custodial_term_is_refused() -> None:
    errors = errors_of({"probation_months": 12, "fine_yuan": 5000})
    assert len(errors) == 1
    assert "probation_months" in errors[0]["reason"]
    assert "custodial term" in errors[0]["reason"]


def test_probation_with_prison_over_36_months_is_refused() -> None:
    errors = errors_of({"prison_months": 37, "probation_months": 48})
    assert "probation_months" in errors[0]["reason"]
    assert "Art. 72" in errors[0]["reason"]
    # 36 months is still suspendable
    case = parse_case({"prison_months": 36, "probation_months": 48})
    assert isinstance(case, CriminalCase)
    assert case.custodial_months == 36


def test_probation_shorter_than_the_term_is_refused() -> None:
    errors = errors_of({"prison_months": 24, "probation_months": 18})
    assert "probation_months" in errors[0]["reason"]
    assert "Art. 73" in errors[0]["reason"]
    errors = errors_of({"detention_months": 5, "probation_months": 4})
    assert "Art. 73" in errors[0]["reason"]


def test_probation_for_a_recidivist_is_refused() -> None:
    errors = errors_of({"prison_months": 12, "probation_months": 24, "recidivist": True})
    assert "recidivist" in errors[0]["reason"]


def test_prison_and_detention_together_are_refused() -> None:
    errors = errors_of({"prison_months": 12, "detention_months": 3})
    assert "prison_months" in errors[0]["reason"] and "detention_months" in errors[0]["reason"]


def test_exemption_with_a_sentence_is_refused() -> None:
    errors = errors_of({"exempt_from_punishment": True, "fine_yuan": 1000})
    assert "exempt_from_punishment" in errors[0]["reason"]


def test_valid_outcomes_are_accepted() -> None:
    suspended = parse_case({"prison_months": 10, "probation_months": 12, "fine_yuan": 3000})
    assert isinstance(suspended, CriminalCase)
    assert suspended.custodial_months == 10
    detention = parse_case({"detention_months": 4, "probation_months": 6})
    assert isinstance(detention, CriminalCase)
    assert detention.custodial_months == 4
    fine_only = parse_case({"fine_yuan": 5000})
    assert isinstance(fine_only, CriminalCase)
    assert fine_only.custodial_months == 0
    exempt = parse_case({"exempt_from_punishment": True})
    assert isinstance(exempt, CriminalCase)
    assert exempt.custodial_months == 0
    unknown = parse_case({"records_total": 10})
    assert isinstance(unknown, CriminalCase)
    assert unknown.custodial_months is None


# --- records_by_type --------------------------------------------------------------------------------------------


def test_records_by_type_sum_over_total_is_refused() -> None:
    errors = errors_of({"records_total": 100, "records_by_type": {"lodging": 80, "credit": 30}})
    assert len(errors) == 1
    assert "records_total" in errors[0]["reason"] and "records_by_type" in errors[0]["reason"]


def test_records_by_type_fills_total_and_data_types() -> None:
    case = parse_case({"records_by_type": {"lodging": 80, "credit": 30}, "data_types": ["identity"]})
    assert case.records_total == 110
    assert case.data_types == [DataType.identity, DataType.lodging, DataType.credit]


def test_records_by_type_within_a_larger_total_is_kept() -> None:
    case = parse_case({"records_total": 500, "records_by_type": {"lodging": 80}, "data_types": ["lodging"]})
    assert case.records_total == 500
    assert case.data_types == [DataType.lodging]  # no duplicate


# --- dispatch on proceeding -------------------------------------------------------------------------------------


def test_criminal_is_the_default() -> None:
    case = parse_case({"records_total": 5000, "conduct": ["sell"]})
    assert isinstance(case, CriminalCase)
    assert case.proceeding == "criminal"
    assert case.conduct == [Conduct.sell]


def test_explicit_criminal() -> None:
    assert isinstance(parse_case({"proceeding": "criminal", "prison_months": 6}), CriminalCase)


@pytest.mark.parametrize("proceeding", ["civil", "public_interest"])
def test_civil_and_public_interest_dispatch(proceeding: str) -> None:
    case = parse_case({"proceeding": proceeding, "awarded_total_yuan": 300000, "apology_ordered": True})
    assert isinstance(case, CivilCase)
    assert case.proceeding == proceeding
    assert case.awarded_total_yuan == 300000


def test_civil_fields_are_refused_on_criminal_cases() -> None:
    assert fields_of({"awarded_total_yuan": 1000}) == {"awarded_total_yuan"}


def test_parse_case_does_not_change_its_input() -> None:
    obj: dict[str, Any] = {"records_total": 10}
    parse_case(obj)
    assert obj == {"records_total": 10}


def test_strings_are_stripped() -> None:
    case = parse_case({"court": "  某某区人民法院 ", "case_id": " c1 "})
    assert case.court == "某某区人民法院"
    assert case.case_id == "c1"


def test_format_validation_error_joins_fields() -> None:
    with pytest.raises(ValidationError) as info:
        parse_case({"records_total": -1, "victim_name": SECRET})
    text = format_validation_error(info.value)
    assert "records_total: Input should be greater than or equal to 0" in text
    assert "victim_name: Extra inputs are not permitted" in text
    assert SECRET not in text


def test_probation_period_outside_the_art_73_range_is_refused() -> None:
    """Imprisonment: 12-60 months of probation; criminal detention: 2-12 months (Criminal Law Art. 73)."""
    too_long = errors_of({"prison_months": 24, "probation_months": 61})
    assert "Art. 73" in too_long[0]["reason"] and "12-60" in too_long[0]["reason"]
    too_short = errors_of({"prison_months": 6, "probation_months": 10})
    assert "12-60" in too_short[0]["reason"]
    detention_too_long = errors_of({"detention_months": 3, "probation_months": 13})
    assert "2-12" in detention_too_long[0]["reason"] and "criminal detention" in detention_too_long[0]["reason"]
    for edge in ({"prison_months": 6, "probation_months": 12}, {"prison_months": 36, "probation_months": 60}):
        assert isinstance(parse_case(edge), CriminalCase)
    assert isinstance(parse_case({"detention_months": 2, "probation_months": 2}), CriminalCase)
    assert isinstance(parse_case({"detention_months": 6, "probation_months": 12}), CriminalCase)


def test_an_estimate_needs_one_fact_of_the_case() -> None:
    """features.law.schema.no_fact_reason: provenance, labels and empty lists are no facts; False is one."""
    from features.law.schema import CivilCase, CriminalCase, no_fact_reason, stated_facts

    bare = CriminalCase(case_id="x", court="某区人民法院", year=2024, data_types=[], conduct=[], prison_months=12)
    reason = no_fact_reason(bare)
    assert reason is not None and "states no fact" in reason
    assert "records_total" in reason and "attempt" in reason and "court" not in reason.split(": ", 1)[1]
    assert stated_facts(CriminalCase(surrender=False)) == ["surrender"]
    assert no_fact_reason(CriminalCase(records_by_type={"lodging": 120})) is None
    assert no_fact_reason(CriminalCase(conduct=["sell"])) is None
    civil = no_fact_reason(CivilCase(proceeding="public_interest", awarded_total_yuan=300000))
    assert civil is not None and "claimed_yuan" in civil and "surrender" not in civil
    assert no_fact_reason(CivilCase(claimed_yuan=20000)) is None
    # the leader of a criminal group is a fact of the case (Criminal Law Arts. 26, 97; no probation, Art. 74)
    assert stated_facts(CriminalCase(ringleader=True)) == ["ringleader"]

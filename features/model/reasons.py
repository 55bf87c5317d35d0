"""Drivers named as legal reasons: what a feature of the model stands for in the law, in the answer's words.

A driver of an estimate is either a sentencing circumstance (its exact effect: the estimate with and without it)
or a group of the base's features that stand for one fact the law weighs (the records and their multiple of the
Interp. 2017 threshold, the gains, the band and its legal range...), whose contributions are summed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    key: str
    label: str


_RECORDS = Reason("records", "number of records and its multiple of the threshold (Interp. 2017 Art. 5(1)(3)-(6))")
_GAINS = Reason("gains", "illegal gains and their multiple of the threshold (Interp. 2017 Art. 5(1)(7))")
_BAND = Reason("band", "statutory band and its legal range (Criminal Law Art. 253-1; Interp. 2017 Art. 5)")
_DATA = Reason("data_types", "kinds of personal information (Interp. 2017 Art. 5(1)(3)-(5) categories)")
_CONDUCT = Reason("conduct", "how the data were obtained or used (conduct)")
_VICTIMS = Reason("victims", "who the data belonged to")
_FRAUD = Reason("downstream_use", "use of the data for fraud")
_YEAR = Reason("year", "year of the judgment (courts' practice over time)")
_DEFENDANTS = Reason("defendants", "number of defendants in the case")
_UNIT = Reason("unit_crime", "unit crime (单位犯罪, Criminal Law Art. 31)")
_CHARGES = Reason("other_charges", "other charges in the same judgment (数罪并罚)")
_PROCEEDING = Reason("proceeding", "kind of suit (individual, public interest PIPL Art. 70, data competition)")
_CLAIM = Reason("claim", "amount claimed (a court awards no more)")
_PARTIES = Reason("parties", "who sued whom")
_INSTANCE = Reason("instance", "second instance (appeal)")
_OTHER = Reason("other", "other facts")

_EXACT: dict[str, Reason] = {
    "log_records": _RECORDS,
    "records_missing": _RECORDS,
    "log_records_multiple_low": _RECORDS,
    "log_records_multiple_high": _RECORDS,
    "log_gains": _GAINS,
    "gains_missing": _GAINS,
    "log_gains_multiple": _GAINS,
    "cat_A": _DATA,
    "cat_B": _DATA,
    "cat_C": _DATA,
    "n_data_types": _DATA,
    "minor_info": _DATA,
    "biometric": _DATA,
    "downstream_fraud": _FRAUD,
    "year": _YEAR,
    "year_missing": _YEAR,
    "log_n_defendants": _DEFENDANTS,
    "n_defendants_missing": _DEFENDANTS,
    "unit_crime": _UNIT,
    "n_other_charges": _CHARGES,
    "public_interest": _PROCEEDING,
    "log_claimed": _CLAIM,
    "claimed_missing": _CLAIM,
    "second_instance": _INSTANCE,
}
_PREFIXES: tuple[tuple[str, Reason], ...] = (
    ("band_", _BAND),
    ("range_", _BAND),
    ("n_rules", _BAND),
    ("conduct_", _CONDUCT),
    ("victim_", _VICTIMS),
    ("claim_", _PROCEEDING),
    ("plaintiff_", _PARTIES),
    ("defendant_", _PARTIES),
    ("insider", _CONDUCT),
    ("role_", _DEFENDANTS),
)


def reason_of(feature: str) -> Reason:
    """The legal reason a feature of the model stands for."""
    if feature in _EXACT:
        return _EXACT[feature]
    for prefix, reason in _PREFIXES:
        if feature.startswith(prefix):
            return reason
    return _OTHER
